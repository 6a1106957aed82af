// Cognito's managed login and OAuth 2.0 endpoints, judged by clients nobody here wrote:
// openid-client v6 as the relying party (discovery, PKCE, state, nonce, code exchange,
// userInfo), Debian's Chromium (playwright-core) as the user's browser on Tessera's sign-in
// page, and aws-jwt-verify re-checking every token's signature against the pool's JWKS.
//
// The relying party is a small node:http server on 127.0.0.1 with its own port, so the
// browser really travels RP → /oauth2/authorize → /login → RP /callback, and the code is
// exchanged server-side with the client secret (client_secret_basic), as a web app does.
// openid-client is told to allow plain HTTP (allowInsecureRequests); everything else is the
// library's own checks (issuer, state, nonce, aud, alg, sub of userInfo). It does not check
// ID token signatures from the token endpoint, hence aws-jwt-verify on top. aws-jwt-verify's
// Node fetcher only speaks HTTPS, so its JWKS cache gets a fetcher over the global fetch.
//
// Screenshots of each page the user sees land in e2e/artifacts/oauth/ (gitignored).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  CreateResourceServerCommand,
  CreateUserPoolDomainCommand,
  DeleteUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import * as oidc from 'openid-client';

import { launch } from './lib/browser.mjs';
import { admin, createClient, createPool, createUser, decodeJwt, unique, url } from './lib/tessera.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'oauth');
const SCOPE = 'openid email profile';

/** aws-jwt-verify's Fetcher interface over the global fetch (plain HTTP allowed). */
const httpFetcher = {
  async fetch(uri) {
    const res = await fetch(uri);
    if (res.status !== 200) throw new Error(`GET ${uri} answered ${res.status}: ${await res.text()}`);
    return res.arrayBuffer();
  },
};

/** A JwtVerifier for Tessera's tokens of `tokenUse` issued to `clientId` (Cognito's field checks). */
const verifier = (meta, tokenUse, clientId, extra = {}) =>
  JwtVerifier.create(
    {
      issuer: meta.issuer,
      jwksUri: meta.jwks_uri,
      audience: tokenUse === 'id' ? clientId : null, // access tokens carry client_id, not aud
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId }),
      ...extra,
    },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
  );

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** What an openid-client or aws-jwt-verify error says, down its chain of causes. */
function why(err) {
  const parts = [];
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (!(e instanceof Error)) {
      try {
        parts.push(JSON.stringify(e).slice(0, 600));
      } catch {
        parts.push(String(e));
      }
      break;
    }
    parts.push([e.message, e.code, e.error, e.error_description].filter(Boolean).join(' '));
  }
  return parts.join(' <- ');
}
const html = (res, status, body) =>
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><body>${body}</body>`);

/**
 * The relying party. Listens first (its port goes into the app client's callback URL), then
 * `configure` runs openid-client's discovery once the client exists. Each /start keeps its
 * PKCE verifier and nonce under a random state, which the browser carries in a cookie, as a
 * web app's session would; /callback records what it got in `results` for the tests.
 * (Cookies do not tell ports apart: Tessera on the same host sees rp_state, and the RP sees
 * Tessera's session cookie; neither cares.)
 */
async function startRp() {
  const rp = { pending: new Map(), results: [] };
  const server = createServer((req, res) => handle(req, res).catch((err) => {
    rp.results.push({ error: err });
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`relying party: ${why(err)}`);
  }));
  async function handle(req, res) {
    const here = new URL(req.url, rp.origin);
    if (here.pathname === '/start') {
      const state = oidc.randomState();
      const entry = { verifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce(), state };
      rp.pending.set(state, entry);
      const to = oidc.buildAuthorizationUrl(rp.config, {
        redirect_uri: rp.callback,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(entry.verifier),
        code_challenge_method: 'S256',
        state,
        nonce: entry.nonce,
      });
      res.writeHead(302, { location: to.href, 'set-cookie': `rp_state=${state}; Path=/; HttpOnly; SameSite=Lax` }).end();
    } else if (here.pathname === '/callback') {
      const state = /(?:^|;\s*)rp_state=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const entry = rp.pending.get(state);
      if (!entry) throw new Error(`no login in progress for the cookie ${state}`);
      rp.pending.delete(state);
      const tokens = await oidc.authorizationCodeGrant(rp.config, here, {
        pkceCodeVerifier: entry.verifier,
        expectedState: entry.state,
        expectedNonce: entry.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      const userinfo = await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
      const verified = await rp.idVerifier.verify(tokens.id_token);
      rp.results.push({ ...entry, code: here.searchParams.get('code'), tokens, claims, userinfo, verified });
      html(res, 200, `<h1>Signed in</h1><p>username: <b id="username">${esc(userinfo.username)}</b></p>` +
        `<p>email: <b id="email">${esc(userinfo.email)}</b></p><p>sub: ${esc(claims.sub)}</p>`);
    } else if (here.pathname === '/logged-out') {
      html(res, 200, '<h1>Signed out</h1>');
    } else {
      res.writeHead(404).end();
    }
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  rp.origin = `http://127.0.0.1:${server.address().port}`;
  rp.callback = `${rp.origin}/callback`;
  rp.logoutUri = `${rp.origin}/logged-out`;
  rp.configure = async (issuer, clientId, clientSecret) => {
    rp.config = await oidc.discovery(new URL(issuer), clientId, clientSecret, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    rp.idVerifier = verifier(rp.config.serverMetadata(), 'id', clientId);
  };
  rp.close = () => new Promise((resolve) => server.close(resolve));
  return rp;
}

describe('managed login and OAuth 2.0 endpoints (openid-client, Chromium, aws-jwt-verify)', { timeout: 150_000 }, () => {
  let tessera; // the pool
  let domain;
  let base; // the domain's base URL, where the hosted endpoints live
  let rp;
  let web; // the code-flow app client (with secret, callback and logout URLs)
  let machine; // the client_credentials app client
  let user;
  let browser;
  let context; // one browser context for every test: the SSO session lives in its cookies
  let page;
  const trail = []; // navigations the browser made, for failure messages
  const seen = () => `\nbrowser navigations:\n  ${trail.slice(-15).join('\n  ')}`;
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  // The RP's latest result, once it has handled `count` requests; its failure, if it failed.
  const lastResult = (count) => {
    const result = rp.results.at(-1);
    if (result?.error) throw new Error(`the relying party failed: ${why(result.error)}${seen()}`);
    assert.equal(rp.results.length, count, `the relying party handled ${count} callback(s)${seen()}`);
    return result;
  };

  before(async () => {
    mkdirSync(shots, { recursive: true });
    [tessera, rp, browser] = await Promise.all([createPool(), startRp(), launch()]);
    domain = unique('e2e');
    base = `${url}/domain/${domain}`;
    await admin.send(new CreateUserPoolDomainCommand({ UserPoolId: tessera.poolId, Domain: domain }));
    await admin.send(new CreateResourceServerCommand({
      UserPoolId: tessera.poolId,
      Identifier: 'orders',
      Name: 'Orders API',
      Scopes: [{ ScopeName: 'read', ScopeDescription: 'read' }],
    }));
    const oauth = { GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO'] };
    // The callback and logout URLs name the RP's port: the RP listens before the client exists.
    web = await createClient(tessera.poolId, {
      ...oauth,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [rp.callback],
      LogoutURLs: [rp.logoutUri],
    });
    machine = await createClient(tessera.poolId, { ...oauth, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['orders/read'] });
    user = await createUser(tessera.poolId);
    context = await browser.newContext();
    page = await context.newPage();
    page.on('response', (res) => {
      if (res.request().isNavigationRequest()) trail.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('requestfailed', (req) => trail.push(`failed ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  });

  after(async () => {
    await browser?.close();
    await rp?.close();
    // Cognito refuses to delete a pool that still has a domain.
    if (domain) await admin.send(new DeleteUserPoolDomainCommand({ UserPoolId: tessera.poolId, Domain: domain })).catch(() => {});
    await tessera?.delete();
  });

  test('the OpenID configuration names the hosted endpoints under the domain', async () => {
    await rp.configure(tessera.issuer, web.ClientId, web.ClientSecret); // discovery; checks the issuer
    const meta = rp.config.serverMetadata();
    assert.equal(meta.issuer, tessera.issuer);
    assert.equal(meta.jwks_uri, tessera.jwksUri);
    assert.equal(meta.authorization_endpoint, `${base}/oauth2/authorize`);
    assert.equal(meta.token_endpoint, `${base}/oauth2/token`);
    assert.equal(meta.userinfo_endpoint, `${base}/oauth2/userInfo`);
    assert.equal(meta.revocation_endpoint, `${base}/oauth2/revoke`);
    assert.equal(meta.end_session_endpoint, `${base}/logout`);
    for (const method of ['client_secret_basic', 'client_secret_post']) {
      assert.ok(meta.token_endpoint_auth_methods_supported?.includes(method), `${method}: ${meta.token_endpoint_auth_methods_supported}`);
    }
  });

  test('authorization code + PKCE in Chromium: sign-in page, wrong then right password, code exchange, userInfo', async () => {
    assert.ok(rp.config, 'discovery (the previous test) succeeded');
    await page.goto(`${rp.origin}/start`);
    const login = new URL(page.url());
    assert.equal(`${login.origin}${login.pathname}`, `${base}/login`, `/oauth2/authorize redirected to the sign-in page${seen()}`);
    await page.locator('input[name="password"]').waitFor({ timeout: 10_000 });
    await shot('1-sign-in-page');

    // A wrong password: the page comes back with an alert and the form, and no code is issued.
    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', `${user.password}-wrong`);
    await page.click('button[type="submit"]');
    const alert = page.locator('[role="alert"]');
    await alert.waitFor({ timeout: 10_000 });
    assert.match(await alert.textContent(), /incorrect|invalid|wrong/i, `the alert says why${seen()}`);
    assert.ok(page.url().startsWith(`${base}/login`), `still on the sign-in page: ${page.url()}`);
    assert.equal(rp.results.length, 0, 'no callback after a wrong password');
    await shot('2-wrong-password');

    // The right one: Tessera redirects to the callback, where the RP does the rest.
    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/callback', { timeout: 15_000 });
    const { tokens, claims, userinfo, verified, code, verifier: codeVerifier, nonce } = lastResult(1);
    assert.equal(await page.textContent('#username'), user.username);
    assert.equal(await page.textContent('#email'), user.email);
    await shot('3-callback-signed-in');

    // The ID token (openid-client checked iss, aud, nonce; aws-jwt-verify the signature).
    assert.equal(verified.sub, claims.sub);
    assert.equal(decodeJwt(tokens.id_token).header.alg, 'RS256');
    assert.equal(claims.token_use, 'id');
    assert.equal(claims.aud, web.ClientId);
    assert.equal(claims.iss, tessera.issuer);
    assert.equal(claims.nonce, nonce);
    assert.equal(claims['cognito:username'], user.username);
    assert.equal(claims.email, user.email);
    assert.equal(typeof claims.auth_time, 'number', 'auth_time');
    // at_hash: the left half of SHA-256 over the access token, base64url (OIDC Core 3.1.3.6).
    const atHash = createHash('sha256').update(tokens.access_token).digest().subarray(0, 16).toString('base64url');
    assert.equal(claims.at_hash, atHash, 'at_hash matches the access token');

    // The access token: verified, and it carries the granted scopes.
    const access = await verifier(rp.config.serverMetadata(), 'access', web.ClientId).verify(tokens.access_token);
    assert.equal(access.sub, claims.sub);
    assert.equal(access.username, user.username);
    const scopes = access.scope.split(' ');
    for (const s of SCOPE.split(' ')) assert.ok(scopes.includes(s), `scope ${s} granted: ${access.scope}`);
    assert.equal(tokens.token_type, 'bearer'); // openid-client lowercases it
    assert.ok(tokens.expires_in > 0, `expires_in: ${tokens.expires_in}`);

    // userInfo (openid-client checked that its sub is the ID token's).
    assert.equal(userinfo.sub, claims.sub);
    assert.equal(userinfo.username, user.username);
    assert.equal(userinfo.email, user.email);
    assert.equal(String(userinfo.email_verified), 'true'); // Cognito answers "true", a string

    // A code works once: the same exchange again is invalid_grant.
    const res = await fetch(rp.config.serverMetadata().token_endpoint, {
      method: 'POST',
      headers: { authorization: basic(web.ClientId, web.ClientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: rp.callback, code_verifier: codeVerifier }),
      redirect: 'manual',
    });
    const body = await res.text();
    assert.equal(res.status, 400, `a replayed code: ${body.slice(0, 200)}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(JSON.parse(body).error, 'invalid_grant', body);
  });

  test('single sign-on: a second authorization request skips the form', async () => {
    const first = lastResult(1);
    const from = trail.length;
    await page.goto(`${rp.origin}/start`);
    const u = new URL(page.url());
    assert.equal(`${u.origin}${u.pathname}`, rp.callback, `straight back to the callback${seen()}`);
    // The trail holds every hop, redirects included: a 200 from Tessera is a page it showed.
    const rendered = trail.slice(from).filter((t) => t.startsWith('200 ') && t.includes(base));
    assert.deepEqual(rendered, [], 'no page of Tessera\'s was shown');
    const second = lastResult(2);
    await shot('4-sso-callback');
    assert.equal(second.claims.sub, first.claims.sub);
    assert.equal(second.claims.nonce, second.nonce, 'the new request\'s nonce');
    assert.notEqual(second.code, first.code);
    assert.notEqual(second.tokens.access_token, first.tokens.access_token);
    // No new authentication happened: auth_time is the first sign-in's (OIDC Core 2).
    assert.equal(second.claims.auth_time, first.claims.auth_time, 'auth_time of the SSO tokens');
    assert.equal(second.userinfo.email, user.email);
  });

  test('client_credentials with a custom scope: an access token for the client itself', async () => {
    const config = await oidc.discovery(new URL(tessera.issuer), machine.ClientId, machine.ClientSecret,
      oidc.ClientSecretBasic(machine.ClientSecret), { execute: [oidc.allowInsecureRequests] });
    const meta = config.serverMetadata();
    const check = verifier(meta, 'access', machine.ClientId, { scope: 'orders/read' });

    // As the contract writes it: HTTP Basic with the raw id and secret.
    const res = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: { authorization: basic(machine.ClientId, machine.ClientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders/read' }),
      redirect: 'manual',
    });
    const raw = await res.text();
    assert.equal(res.status, 200, raw);
    const answer = JSON.parse(raw);
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(typeof answer.expires_in, 'number');
    assert.equal(answer.id_token, undefined, 'no ID token without a user');
    assert.equal(answer.refresh_token, undefined, 'no refresh token for client_credentials');

    // And through openid-client (which form-encodes the Basic credentials, RFC 6749 2.3.1).
    const granted = await oidc.clientCredentialsGrant(config, { scope: 'orders/read' });

    for (const token of [answer.access_token, granted.access_token]) {
      const payload = await check.verify(token);
      assert.equal(payload.token_use, 'access');
      assert.equal(payload.sub, machine.ClientId);
      assert.equal(payload.client_id, machine.ClientId);
      assert.equal(payload.scope, 'orders/read');
      assert.equal(payload.username, undefined, 'no username for a client');
      assert.equal(payload.iss, tessera.issuer);
    }
  });

  test('/logout ends the session: back to logout_uri, and the next authorization shows the form', async () => {
    assert.ok(rp.config, 'discovery succeeded');
    const to = new URL(rp.config.serverMetadata().end_session_endpoint);
    to.search = new URLSearchParams({ client_id: web.ClientId, logout_uri: rp.logoutUri }).toString();
    await page.goto(to.href);
    const back = new URL(page.url());
    assert.equal(`${back.origin}${back.pathname}`, rp.logoutUri, `/logout redirected to the registered logout_uri${seen()}`);
    await shot('5-logged-out');

    await page.goto(`${rp.origin}/start`);
    const u = new URL(page.url());
    assert.equal(`${u.origin}${u.pathname}`, `${base}/login`, `the sign-in page again${seen()}`);
    assert.ok(await page.locator('input[name="password"]').isVisible(), 'the password field is shown');
    await shot('6-sign-in-page-after-logout');
  });
});
