// The admin console (/console) in Debian's Chromium (playwright-core): an operator signs in
// with the admin key pair, creates a pool, finds a user among many with a ListUsers filter,
// disables them (the AWS SDK for JavaScript's sign-in is then refused), enables them again and
// resets their password, makes an app client (its secret shown once) and a group, and adds the
// user to it from the user's page. Refusals: no session → the sign-in page; a forged CSRF token → 403.
//
// Then the pool's other pages: settings (a password policy Cognito refuses, then one it takes),
// resource servers, the domain with a live preview of and a link to a client's hosted sign-in page, identity
// providers, a user's MFA factors and passkey, and identity pools.
//
// Screenshots of every page land in e2e/artifacts/console/ (gitignored).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  AdminListGroupsForUserCommand,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  DeleteUserPoolDomainCommand,
  DescribeIdentityProviderCommand,
  DescribeUserPoolCommand,
  ListResourceServersCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';

import { launch } from './lib/browser.mjs';
import { AUTH_FLOWS, admin, akid, createPool, createUser, errorName, passwordSignIn, secret, unique, url } from './lib/tessera.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'console');

describe('the admin console in Chromium', () => {
  let browser;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('sign in, create a pool, find a user among many, disable, enable, reset; refusals', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    let n = 0;
    const shot = async (name) => page.screenshot({ path: join(shots, `${++n}-${name}.png`), fullPage: true });
    try {
      // No session: the sign-in page.
      await page.goto(`${url}/console`);
      assert.equal(new URL(page.url()).pathname, '/console/login');
      await shot('sign-in');
      await page.getByLabel('Access key ID').fill(akid);
      await page.getByLabel('Secret access key').fill('not-the-secret');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Incorrect access key ID or secret access key/);
      await shot('sign-in-refused');
      await page.getByLabel('Access key ID').fill(akid);
      await page.getByLabel('Secret access key').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'User pools' }).waitFor();
      await shot('overview');

      // A pool, made in the console, seen by the API.
      const poolName = unique('console-pool');
      await page.getByLabel('Pool name').fill(poolName);
      await page.getByRole('button', { name: 'Create pool' }).click();
      await page.getByRole('heading', { name: poolName }).waitFor();
      const poolId = new URL(page.url()).pathname.split('/').pop();
      const { UserPool } = await admin.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
      assert.equal(UserPool.Name, poolName);
      await shot('pool');

      // A client and many users, made through the API; one found by a filter.
      const { UserPoolClient: client } = await admin.send(new CreateUserPoolClientCommand({
        UserPoolId: poolId, ClientName: 'console-e2e', ExplicitAuthFlows: AUTH_FLOWS,
      }));
      for (let i = 0; i < 40; i += 1) await createUser(poolId, { username: `member-${String(i).padStart(2, '0')}` });
      const ada = await createUser(poolId, { username: 'ada-lovelace', email: 'ada@analytical.example' });
      await page.reload();
      assert.equal(await page.locator('tr[data-username]').count(), 25, 'one page of 25 users');
      await page.getByRole('link', { name: 'Next page' }).click();
      assert.equal(await page.locator('tr[data-username]').count(), 16, 'the rest on the next page');
      await page.getByLabel('Filter').fill('email ^= "ada@"');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('tr[data-username="ada-lovelace"]').waitFor();
      assert.equal(await page.locator('tr[data-username]').count(), 1);
      await shot('filtered');

      // The overview's sign-in count moves with a sign-in.
      const counted = async () => {
        await page.goto(`${url}/console`);
        return Number(await page.locator('#sign-ins').innerText());
      };
      const before = await counted();
      await passwordSignIn(client.ClientId, ada.username, ada.password);
      assert.ok((await counted()) > before, 'the sign-in shows on the overview');
      await shot('overview-counts');
      await page.goBack();

      // Disable: the SDK's sign-in is refused; enable: it works again.
      const row = () => page.locator('tr[data-username="ada-lovelace"]');
      await row().getByRole('button', { name: 'Disable' }).click();
      await page.getByText('User ada-lovelace disabled.').waitFor();
      await shot('disabled');
      await assert.rejects(passwordSignIn(client.ClientId, ada.username, ada.password), (err) => {
        assert.equal(errorName(err), 'NotAuthorizedException');
        assert.equal(err.message, 'User is disabled.');
        return true;
      });
      await page.getByLabel('Filter').fill('username = "ada-lovelace"');
      await page.getByRole('button', { name: 'Search' }).click();
      await row().getByRole('button', { name: 'Enable' }).click();
      await page.getByText('User ada-lovelace enabled.').waitFor();
      await passwordSignIn(client.ClientId, ada.username, ada.password);
      // Reset: the next sign-in must choose a new password.
      await page.getByLabel('Filter').fill('username = "ada-lovelace"');
      await page.getByRole('button', { name: 'Search' }).click();
      await row().getByRole('button', { name: 'Reset password' }).click();
      await page.getByText('User ada-lovelace reset').waitFor();
      await shot('reset');
      await assert.rejects(passwordSignIn(client.ClientId, ada.username, ada.password), (err) => {
        assert.equal(errorName(err), 'PasswordResetRequiredException');
        return true;
      });

      // App clients: a client with a secret, shown once, as the API has it.
      await page.goto(`${url}/console/pools/${poolId}`);
      await page.getByRole('link', { name: 'App clients' }).click();
      await page.getByLabel('Name').fill('web-app');
      await page.getByLabel('Generate a client secret').check();
      await page.getByLabel('Callback URL').fill('https://app.example.com/callback');
      await page.getByRole('button', { name: 'Create app client' }).click();
      const shownId = await page.locator('#new-client-id').innerText();
      const shownSecret = await page.locator('#new-client-secret').innerText();
      await shot('client-secret-once');
      const { UserPoolClient: made } = await admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: shownId }));
      assert.equal(made.ClientSecret, shownSecret);
      assert.deepEqual(made.CallbackURLs, ['https://app.example.com/callback']);
      await page.reload();
      assert.ok(!(await page.content()).includes(shownSecret), 'the secret is not shown again');
      await shot('clients');

      // Groups, then the user's page: add ada to a group; the API sees the membership.
      await page.getByRole('link', { name: 'Groups' }).click();
      await page.getByLabel('Name').fill('operators');
      await page.getByRole('button', { name: 'Create group' }).click();
      await page.locator('tr[data-group="operators"]').waitFor();
      await shot('groups');
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByLabel('Filter').fill('username = "ada-lovelace"');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'ada-lovelace' }).click();
      await page.getByLabel('Add to group').selectOption('operators');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.locator('li[data-member-of="operators"]').waitFor();
      await shot('user');
      const { Groups } = await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'ada-lovelace' }));
      assert.deepEqual(Groups.map((g) => g.GroupName), ['operators']);

      // A forged CSRF token: refused, nothing made.
      await page.goto(`${url}/console`);
      await page.locator('form[action="/console/pools"] input[name="csrf"]').evaluate((el) => { el.value = 'forged-forged-forged-forged'; });
      const forgedName = unique('forged');
      await page.getByLabel('Pool name').fill(forgedName);
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${url}/console/pools` && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Create pool' }).click(),
      ]);
      assert.equal(answer.status(), 403);
      await shot('forged-csrf');
      const { UserPools } = await admin.send(new ListUserPoolsCommand({ MaxResults: 60 }));
      assert.ok(!UserPools.some((p) => p.Name === forgedName), 'no pool from a forged form');

      // Sign out: back to the sign-in page, and the console is closed to this browser.
      await page.goto(`${url}/console`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.goto(`${url}/console/pools/${poolId}`);
      assert.equal(new URL(page.url()).pathname, '/console/login');
      // The refusals above answer 401 and 403 on purpose, and there is no favicon; anything else
      // (a CSP violation, a script error) is a failure.
      const unexpected = errors.filter((e) => !/^Failed to load resource: the server responded with a status of (401|403|404)/.test(e));
      assert.deepEqual(unexpected, [], 'no console errors (CSP or script)');
    } finally {
      await context.close();
    }
  });
  test('settings, resource servers, domain, identity providers, a user\'s MFA, identity pools', async () => {
    const pool = await createPool({
      clientProps: {
        CallbackURLs: ['https://app.example.com/cb'],
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: ['openid', 'email'],
        AllowedOAuthFlowsUserPoolClient: true,
        SupportedIdentityProviders: ['COGNITO'],
      },
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    let n = 0;
    const shot = async (name) => page.screenshot({ path: join(shots, `pages-${++n}-${name}.png`), fullPage: true });
    const prefix = unique('console').toLowerCase();
    try {
      await page.goto(`${url}/console/login`);
      await page.getByLabel('Access key ID').fill(akid);
      await page.getByLabel('Secret access key').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'User pools' }).waitFor();
      await page.goto(`${url}/console/pools/${pool.poolId}`);

      // Settings: Cognito's refusal in the page, then a policy it takes.
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Password policy' }).waitFor();
      await shot('settings');
      await page.setViewportSize({ width: 390, height: 844 });
      await shot('settings-phone');
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByLabel('Minimum length').fill('2');
      await page.getByRole('button', { name: 'Save password policy' }).click();
      assert.match(await page.getByRole('alert').innerText(), /InvalidParameterException: .*greater than or equal to 6/);
      await shot('settings-refused');
      await page.getByLabel('Minimum length').fill('12');
      await page.getByRole('button', { name: 'Save password policy' }).click();
      await page.getByText('Password policy saved.').waitFor();
      const { UserPool } = await admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.poolId }));
      assert.equal(UserPool.Policies.PasswordPolicy.MinimumLength, 12);
      assert.equal(UserPool.AutoVerifiedAttributes?.[0], 'email', 'what the form does not edit is kept');

      // Resource servers.
      await page.getByRole('link', { name: 'Resource servers' }).click();
      await page.getByLabel('Identifier').fill('https://reports.example.com');
      await page.getByLabel('Name', { exact: true }).fill('Reports');
      await page.getByLabel('Scopes').fill('read Read the reports\nwrite Change the reports');
      await page.getByRole('button', { name: 'Create resource server' }).click();
      await page.locator('tr[data-resource-server="https://reports.example.com"]').waitFor();
      await shot('resource-servers');
      const { ResourceServers } = await admin.send(new ListResourceServersCommand({ UserPoolId: pool.poolId, MaxResults: 50 }));
      assert.deepEqual(ResourceServers[0].Scopes.map((x) => x.ScopeName), ['read', 'write']);

      // The domain, its live preview of the client's sign-in page (framed by the console only,
      // sandboxed), and the hosted sign-in page it links to.
      await page.getByRole('link', { name: 'Domain' }).click();
      await page.getByLabel('Domain prefix').fill(prefix);
      await page.getByRole('button', { name: 'Create domain' }).click();
      const hostedLink = page.getByRole('link', { name: 'Open the sign-in page for js-app' });
      await hostedLink.waitFor();
      const preview = page.frameLocator('iframe[title="Preview of the sign-in page for js-app"]');
      await preview.locator('input[name="password"]').waitFor();
      await shot('domain');
      const hosted = await context.newPage();
      await hosted.goto(new URL(await hostedLink.getAttribute('href'), url).href);
      await hosted.locator('input[name="password"]').waitFor();
      await hosted.screenshot({ path: join(shots, `pages-${++n}-hosted-sign-in.png`), fullPage: true });
      await hosted.close();

      // An OpenID Connect provider.
      await page.getByRole('link', { name: 'Identity providers' }).click();
      await page.getByLabel('Provider name').fill('Corp');
      await page.getByLabel('Client ID').fill('corp-client');
      await page.getByLabel('Client secret').fill('corp-secret');
      await page.getByLabel('Issuer URL').fill('https://idp.example.com');
      await page.getByLabel('Authorization endpoint').fill('https://idp.example.com/authorize');
      await page.getByLabel('Token endpoint').fill('https://idp.example.com/token');
      await page.getByLabel('UserInfo endpoint').fill('https://idp.example.com/userinfo');
      await page.getByLabel('JWKS URI').fill('https://idp.example.com/jwks');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await page.locator('tr[data-provider="Corp"]').waitFor();
      await shot('identity-providers');
      const { IdentityProvider } = await admin.send(new DescribeIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Corp' }));
      assert.equal(IdentityProvider.AttributeMapping.email, 'email');

      // A user's page: MFA factors and passkey.
      const grace = await createUser(pool.poolId, { username: 'grace-hopper' });
      await page.goto(`${url}/console/pools/${pool.poolId}/user?username=${grace.username}`);
      await page.getByRole('heading', { name: 'MFA factors' }).waitFor();
      await page.getByText('No passkey.').waitFor();
      await shot('user-mfa');

      // Identity pools, from the overview.
      await page.goto(`${url}/console`);
      await page.getByRole('link', { name: 'Identity pools' }).click();
      const idName = unique('console_ids').replace(/-/g, '_');
      await page.getByLabel('Name', { exact: true }).fill(idName);
      await page.getByLabel('Allow guests').check();
      await page.getByLabel('User pool ID').fill(pool.poolId);
      await page.getByLabel('App client ID').fill(pool.clientId);
      await page.getByRole('button', { name: 'Create identity pool' }).click();
      const row = page.locator(`tr[data-identity-pool="${idName}"]`);
      await row.waitFor();
      await shot('identity-pools');
      await row.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { name: 'Identity pools' }).waitFor();
      assert.equal(await row.count(), 0);

      const unexpected = errors.filter((e) => !/^Failed to load resource: the server responded with a status of (400|404)/.test(e));
      assert.deepEqual(unexpected, [], 'no console errors (CSP or script)');
    } finally {
      await context.close();
      await admin.send(new DeleteUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: prefix })).catch(() => {});
      await pool.delete();
    }
  });
});
