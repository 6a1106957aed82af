// Passkeys with Amplify JS v6, unmodified and bundled by esbuild, in Debian's Chromium against
// Tessera, with a virtual authenticator (Chrome DevTools Protocol, WebAuthn domain) that
// answers navigator.credentials.create/get without a person. The user signs in with a password
// (SRP), registers a passkey with associateWebAuthnCredential (StartWebAuthnRegistration +
// CompleteWebAuthnRegistration), lists it, signs out, signs in again with USER_AUTH and the
// WEB_AUTHN challenge only, then deletes the passkey. The page is served as
// http://localhost:<port> (WebAuthn refuses IP addresses; localhost is a secure context) and
// the pool's relying party id is `localhost`. This file bundles its own page into
// dist/passkeys/; screenshots land in e2e/artifacts/passkeys/ (gitignored).
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { AdminGetUserAuthFactorsCommand, SetUserPoolMfaConfigCommand } from '@aws-sdk/client-cognito-identity-provider';
import { build } from 'esbuild';

import { call, launch, openPage } from './lib/browser.mjs';
import { admin, akid, createPool, createUser, decodeJwt, getUser, secret, url } from './lib/tessera.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist', 'passkeys');
const shots = join(here, '..', 'artifacts', 'passkeys');

// The page: window.tessera has one function per step; each shows its result in #status (for
// the screenshots) and rejects with an Error naming the step and Amplify's error.
const PAGE = `
import { Amplify } from 'aws-amplify';
import {
  associateWebAuthnCredential, confirmSignIn, deleteWebAuthnCredential, fetchAuthSession,
  getCurrentUser, listWebAuthnCredentials, signIn, signOut,
} from 'aws-amplify/auth';

const q = new URLSearchParams(location.search);
Amplify.configure({ Auth: { Cognito: {
  userPoolId: q.get('userPoolId'),
  userPoolClientId: q.get('userPoolClientId'),
  userPoolEndpoint: q.get('userPoolEndpoint'),
} } });

const show = (text) => { document.getElementById('status').textContent = text; };
async function step(name, fn) {
  show(name + '…');
  try {
    const out = (await fn()) ?? null;
    show(name + ': done\\n' + JSON.stringify(out, null, 2));
    return out;
  } catch (err) {
    const under = err && err.underlyingError ? ' (underlying: ' + err.underlyingError.name + ': ' + err.underlyingError.message + ')' : '';
    const e = new Error(name + ' failed: ' + (err && err.name) + ': ' + (err && err.message) + under);
    show(e.message);
    throw e;
  }
}

window.tessera = {
  passwordSignIn: ({ username, password }) => step('signIn (SRP)', () => signIn({ username, password })),
  register: () => step('associateWebAuthnCredential', () => associateWebAuthnCredential()),
  list: () => step('listWebAuthnCredentials', () => listWebAuthnCredentials()),
  signOut: () => step('signOut', () => signOut()),
  passkeySignIn: ({ username }) => step('signIn (USER_AUTH, WEB_AUTHN)', async () => {
    const first = await signIn({ username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } });
    let final = first;
    // Should the server offer a choice instead, take WEB_AUTHN.
    if (first.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION') {
      final = await confirmSignIn({ challengeResponse: 'WEB_AUTHN' });
    }
    return { first, final };
  }),
  session: () => step('fetchAuthSession', async () => {
    const s = await fetchAuthSession();
    return {
      accessToken: s.tokens?.accessToken?.toString() ?? null,
      idToken: s.tokens?.idToken?.toString() ?? null,
      user: await getCurrentUser(),
    };
  }),
  remove: ({ credentialId }) => step('deleteWebAuthnCredential', () => deleteWebAuthnCredential({ credentialId })),
};
show('ready');
`;

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>Tessera × Amplify JS v6: passkeys</title>
<link rel="icon" href="data:," /></head>
<body><h1>Tessera × Amplify JS v6: passkeys</h1><pre id="status">loading…</pre>
<script src="page.js"></script></body></html>`;

/** Bundles the page into dist/passkeys and serves it on 127.0.0.1, opened as http://localhost:<port>. */
async function bundleAndServe() {
  await mkdir(dist, { recursive: true });
  await build({
    stdin: { contents: PAGE, resolveDir: here, sourcefile: 'passkeys-page.js', loader: 'js' },
    outfile: join(dist, 'page.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120'],
    logLevel: 'warning',
  });
  await writeFile(join(dist, 'index.html'), HTML);
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = { '/': 'index.html', '/index.html': 'index.html', '/page.js': 'page.js' }[path];
    if (!file) return res.writeHead(404).end('not found');
    const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(await readFile(join(dist, file)));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

const b64url = (b64) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// Single use under concurrency (docs/adr/0014): the browser's next `op` call to Tessera is
// sent five times at once from here instead; exactly one may win, and the browser gets the
// winner's answer. The answers are pushed onto `seen`. (Unrouting inside the handler would
// let Playwright continue the request itself, so a flag passes later calls through.)
async function raceNext(page, op, seen) {
  const isTessera = (u) => u.href.startsWith(url);
  let done = false;
  const handler = async (route) => {
    const req = route.request();
    const target = req.headers()['x-amz-target'] ?? '';
    if (done || req.method() !== 'POST' || !target.endsWith(`.${op}`)) return route.continue();
    done = true;
    const headers = { 'content-type': req.headers()['content-type'], 'x-amz-target': target };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(req.url(), { method: 'POST', headers, body: req.postData() }).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        })),
      ),
    );
    seen.push(...answers);
    const win = answers.find((a) => a.status === 200) ?? answers[0];
    return route.fulfill({
      status: win.status,
      body: win.body,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'access-control-allow-origin': req.headers()['origin'] ?? '*',
      },
    });
  };
  await page.route(isTessera, handler);
}

const outcome = (answers) => answers.map((a) => (a.status === 200 ? 'ok' : JSON.parse(a.body).__type));

describe('passkeys with Amplify JS v6 in Chromium and a virtual authenticator', { timeout: 120_000 }, () => {
  let browser;
  let site;
  let tessera;

  before(async () => {
    [browser, site, tessera] = await Promise.all([
      launch(),
      bundleAndServe(),
      createPool({
        poolProps: { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } } },
        clientProps: { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
      }),
    ]);
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: tessera.poolId,
        MfaConfiguration: 'OFF',
        WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'preferred' },
      }),
    );
    await mkdir(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await tessera?.delete();
  });

  const factors = async (username) =>
    (await admin.send(new AdminGetUserAuthFactorsCommand({ UserPoolId: tessera.poolId, Username: username })))
      .ConfiguredUserAuthFactors ?? [];

  test('register a passkey after a password sign-in, sign in with it, delete it', async () => {
    const user = await createUser(tessera.poolId);
    const opened = await openPage(
      browser,
      site.origin,
      { userPoolId: tessera.poolId, userPoolClientId: tessera.clientId, userPoolEndpoint: url },
      url,
    );
    const ctx = () => `\n${opened.describe()}`;
    const shot = (name) => opened.page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    const run = async (name, fn, arg) => {
      try {
        return await call(opened, fn, arg);
      } finally {
        await shot(name).catch(() => {});
      }
    };
    try {
      // The virtual authenticator: a platform authenticator with resident keys that verifies
      // the user and answers at once.
      const cdp = await opened.context.newCDPSession(opened.page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      const onAuthenticator = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
      assert.ok(!(await factors(user.username)).includes('WEB_AUTHN'), 'no passkey yet');

      // 1. Password sign-in (SRP).
      const signedIn = await run('1-password-sign-in', 'passwordSignIn', user);
      assert.equal(signedIn.isSignedIn, true, ctx());

      // 2. Register a passkey: StartWebAuthnRegistration, the authenticator, CompleteWebAuthnRegistration
      //    (sent five times at once: the registration is taken once).
      const registrations = [];
      await raceNext(opened.page, 'CompleteWebAuthnRegistration', registrations);
      await run('2-associate', 'register');
      assert.deepEqual(
        outcome(registrations).sort(),
        ['WebAuthnChallengeNotFoundException', 'WebAuthnChallengeNotFoundException', 'WebAuthnChallengeNotFoundException', 'WebAuthnChallengeNotFoundException', 'ok'],
        `one registration wins${ctx()}`,
      );
      const ops = opened.log.calls.map((c) => `${c.op} ${c.status}`);
      assert.ok(ops.includes('StartWebAuthnRegistration 200'), ctx());
      assert.ok(ops.includes('CompleteWebAuthnRegistration 200'), ctx());
      const stored = await onAuthenticator();
      assert.equal(stored.length, 1, `the authenticator holds one credential${ctx()}`);
      assert.equal(stored[0].rpId, 'localhost');
      const credentialId = b64url(stored[0].credentialId);

      // 3. The list shows it, for relying party localhost.
      const listed = await run('3-list', 'list');
      assert.equal(listed.credentials.length, 1, `${JSON.stringify(listed)}${ctx()}`);
      const [cred] = listed.credentials;
      assert.equal(cred.credentialId, credentialId, 'the listed id is the authenticator credential id');
      assert.equal(cred.relyingPartyId, 'localhost');
      assert.ok(cred.friendlyCredentialName, JSON.stringify(cred));
      assert.ok(cred.createdAt instanceof Date && !Number.isNaN(cred.createdAt.getTime()), JSON.stringify(cred));
      assert.ok(Math.abs(cred.createdAt.getTime() - Date.now()) < 120_000, `createdAt is now: ${cred.createdAt}`);
      assert.ok((await factors(user.username)).includes('WEB_AUTHN'), 'AdminGetUserAuthFactors reports the passkey');
      // The admin console's user page lists it too (a read Cognito's API offers only to the user).
      const consoleLogin = await fetch(`${url}/console/login`, {
        method: 'POST', redirect: 'manual',
        body: new URLSearchParams({ access_key_id: akid, secret_access_key: secret }),
      });
      const cookie = consoleLogin.headers.get('set-cookie').split(';')[0];
      const userPage = await (await fetch(
        `${url}/console/pools/${tessera.poolId}/user?username=${encodeURIComponent(user.username)}`,
        { headers: { cookie } },
      )).text();
      const table = userPage.slice(userPage.indexOf('<table id="passkeys">'), userPage.indexOf('</table>', userPage.indexOf('<table id="passkeys">')));
      assert.ok(table.includes('<td>localhost</td>'), table);
      const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
      assert.ok(table.includes(`<td>${esc(cred.friendlyCredentialName)}</td>`), table);

      // 4. Sign out, then sign in with the passkey alone.
      await run('4-sign-out', 'signOut');
      const before = opened.log.calls.length;
      // The WEB_AUTHN answer is sent five times at once: one signs in.
      const assertions = [];
      await raceNext(opened.page, 'RespondToAuthChallenge', assertions);
      const { first, final } = await run('5-passkey-sign-in', 'passkeySignIn', { username: user.username });
      assert.equal(outcome(assertions).filter((o) => o === 'ok').length, 1, `one assertion wins: ${outcome(assertions)}${ctx()}`);
      assert.equal(final.isSignedIn, true, `${JSON.stringify({ first, final })}${ctx()}`);
      assert.equal(final.nextStep?.signInStep, 'DONE', ctx());
      assert.deepEqual(
        opened.log.calls.slice(before).map((c) => `${c.op} ${c.status}`),
        ['InitiateAuth 200', 'RespondToAuthChallenge 200'],
        `PREFERRED_CHALLENGE WEB_AUTHN goes straight to the WEB_AUTHN challenge${ctx()}`,
      );
      const [afterSignIn] = await onAuthenticator();
      assert.ok(afterSignIn.signCount > stored[0].signCount, `the authenticator signed: ${stored[0].signCount} -> ${afterSignIn.signCount}`);

      // 5. Tokens, accepted by the server.
      const session = await run('6-session', 'session');
      assert.ok(session.accessToken && session.idToken, ctx());
      const access = decodeJwt(session.accessToken).payload;
      assert.equal(access.username, user.username);
      assert.equal(access.client_id, tessera.clientId);
      assert.equal(session.user.username, user.username);
      assert.equal(session.user.userId, decodeJwt(session.idToken).payload.sub);
      const me = await getUser(session.accessToken);
      assert.equal(me.Username, user.username);

      // 6. Delete the passkey; the list is empty.
      await run('7-delete', 'remove', { credentialId: cred.credentialId });
      const empty = await run('8-list-empty', 'list');
      assert.deepEqual(empty.credentials, [], ctx());
      assert.ok(!(await factors(user.username)).includes('WEB_AUTHN'), 'no passkey left');

      assert.deepEqual(opened.log.failed, [], `no failed requests${ctx()}`);
      assert.deepEqual(opened.log.errors, [], `no console errors${ctx()}`);
    } finally {
      await opened.context.close();
    }
  });
});
