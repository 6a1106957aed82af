// User-pool federation (sign-in through another identity provider), driven by clients nobody
// here wrote: npm's oidc-provider is the upstream OpenID Provider (its development login and
// consent pages), openid-client v6 is the relying party of Tessera's hosted endpoints, and
// Debian's Chromium (playwright-core) is the user's browser that travels
//   RP /start → Tessera /oauth2/authorize?identity_provider=… → oidc-provider's login and
//   consent → Tessera /oauth2/idpresponse → RP /callback,
// where the RP exchanges the code with openid-client (discovery, PKCE, state, nonce) and jose
// checks the ID token's signature against the pool's JWKS.
//
// What is checked: the identity-provider operations of the AWS SDK v3 (Create with discovery
// of the issuer, Describe, List, Update with IdpIdentifiers, GetIdentityProviderByIdentifier,
// GetSigningCertificate, Delete); the redirect Tessera sends upstream (client_id, the domain's
// /oauth2/idpresponse, state, nonce, S256 PKCE); the federated user (username
// `myoidc_<sub>` in a case-insensitive pool, EXTERNAL_PROVIDER, `identities`, the group
// `<pool id>_MyOIDC`, the mapped attributes read from the upstream's userInfo, re-applied at
// the next sign-in); AdminLinkProviderForUser (the upstream user signs in as the native user;
// a user who already signed in cannot be merged) and AdminDisableProviderForUser; the sign-in
// page's "Continue with MyOIDC" button and its corporate-email field. The failures are driven
// with fetch against a small OpenID provider written here (discovery, JWKS, a token endpoint
// signing what each case needs): a wrong nonce, issuer, audience, signature or expiry, a
// refused code and a userInfo about someone else each send the browser back to the RP with
// error=invalid_request; a replayed or forged state is a 400 page ("Invalid state"). Last,
// a Google provider through a tessera of its own whose [[federation_endpoint]] points Google's
// endpoints at oidc-provider. On that tessera too, Sign in with Apple: a second oidc-provider
// (the email in its ID token, only response_mode=form_post) behind a hop in front of its token
// endpoint that checks Apple's ES256 client secret (jose, the .p8 key's public half) and swaps
// in the secret oidc-provider knows; Chromium carries the form post to /oauth2/idpresponse
// with Apple's `user` field added, and a provider signing with another key gets the RP
// "SignInWithApple Error - 401 error getting token".
//
// Screenshots of the pages the user sees land in e2e/artifacts/federation/ (gitignored).
import assert from 'node:assert/strict';
import { X509Certificate, createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as idp from '@aws-sdk/client-cognito-identity-provider';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import * as oidc from 'openid-client';

import { launch } from './lib/browser.mjs';
import { startTessera } from './lib/serve.mjs';
import { admin, createClient, createPool, decodeJwt, password, region, rejectsWith, unique, url } from './lib/tessera.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'federation');
const SCOPE = 'openid email profile';
const STATUS_FILTER = 'cognito:user_status = "EXTERNAL_PROVIDER"';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const html = (res, status, body) =>
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><body>${body}</body>`);
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const close = (server) => {
  if (!server?.listening) return undefined;
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};
/** The request's body as text. */
const body = (req) => new Promise((resolve, reject) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (text += d));
  req.on('end', () => resolve(text));
  req.on('error', reject);
});
/** What an openid-client or jose error says, down its chain of causes. */
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
/** An attribute's value in AdminGetUser's or ListUsers' answer. */
const attr = (attributes, name) => attributes?.find((a) => a.Name === name)?.Value;

// --- the upstream: oidc-provider ----------------------------------------------------------------

/**
 * oidc-provider on 127.0.0.1 with one confidential client per Tessera (client_secret_post,
 * its redirect URI the domain's /oauth2/idpresponse), RS256 ID tokens and the development
 * login and consent pages (any login, any password). Its users' claims come from `accounts`,
 * read at every request, so a test can change them between sign-ins. The ID token carries
 * only `sub` (and nonce…): email and name are served by its userInfo endpoint (/me), which
 * Tessera must call. `config` is merged over this configuration and each client's metadata
 * over the defaults (the Sign in with Apple stand-in puts the email in the ID token and
 * answers with a form post).
 */
async function startUpstream(config = {}) {
  const server = createServer();
  const issuer = await listen(server);
  const accounts = new Map(); // login -> { email, email_verified, name }
  const claimsOf = (id) => accounts.get(id) ?? { email: `${id.toLowerCase()}@example.org`, email_verified: true, name: `User ${id}` };
  const up = {
    server,
    issuer,
    accounts,
    /** Registers the clients (once their redirect URIs are known) and starts answering. */
    async start(clients) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: 'upstream-rs256', alg: 'RS256', use: 'sig' };
      const provider = new Provider(issuer, {
        clients: clients.map((c) => ({
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_post',
          id_token_signed_response_alg: 'RS256',
          ...c,
        })),
        jwks: { keys: [jwk] },
        cookies: { keys: [randomBytes(16).toString('hex')] },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        features: { devInteractions: { enabled: true } },
        ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
        async findAccount(_ctx, id) {
          return { accountId: id, claims: async () => ({ sub: id, ...claimsOf(id) }) };
        },
        ...config,
      });
      server.on('request', provider.callback());
    },
  };
  return up;
}

// --- a hand-written OpenID provider for the failures -------------------------------------------

/**
 * A minimal OpenID provider: discovery, JWKS, a token endpoint and userInfo. Its token
 * endpoint records each request and answers with `fake.next(form)`'s ID token claims (signed
 * with its key, or `key` when the case says so), or `refuse` as a 400.
 */
async function startFake() {
  const server = createServer();
  const issuer = await listen(server);
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  const kid = 'fake-rs256';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const fake = {
    server,
    issuer,
    stranger: stranger.privateKey,
    tokenRequests: [],
    userinfoRequests: [],
    /** Set by each case: (form) => ({ claims, key?, refuse?, userinfo? }). */
    next: null,
    current: null,
  };
  const json = (res, status, value) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value));
  server.on('request', async (req, res) => {
    try {
      const path = new URL(req.url, issuer).pathname;
      if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['client_secret_post'],
        });
      }
      if (req.method === 'GET' && path === '/jwks') return json(res, 200, { keys: [jwk] });
      if (req.method === 'POST' && path === '/token') {
        const form = Object.fromEntries(new URLSearchParams(await body(req)));
        fake.tokenRequests.push({ form, headers: req.headers });
        const plan = fake.next?.(form);
        if (!plan) return json(res, 500, { error: 'server_error', error_description: 'no case set' });
        fake.current = plan;
        if (plan.refuse) return json(res, 400, { error: plan.refuse });
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: issuer, aud: form.client_id, iat: now, exp: now + 300, ...plan.claims };
        const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(plan.key ?? privateKey);
        return json(res, 200, { access_token: `fake-at-${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: 300, id_token: idToken });
      }
      if (path === '/userinfo') {
        fake.userinfoRequests.push({ method: req.method, authorization: req.headers.authorization });
        const plan = fake.current;
        if (!plan) return json(res, 401, { error: 'invalid_token' });
        return json(res, 200, plan.userinfo ?? { sub: plan.claims.sub, email: `${plan.claims.sub.toLowerCase()}@fake.example`, name: 'Fake User' });
      }
      return json(res, 404, { error: 'not_found' });
    } catch (err) {
      json(res, 500, { error: 'server_error', error_description: err.message });
    }
  });
  return fake;
}

// --- Sign in with Apple: a hop in front of oidc-provider's token endpoint ------------------------

/**
 * Apple's token endpoint takes a client secret that is an ES256 JWT signed with the developer's
 * `.p8` key (header kid = the key id; iss = the team id, sub = the client id (Services ID),
 * aud = https://appleid.apple.com, iat and exp), which oidc-provider cannot check. This hop
 * does what Apple does with it: jose verifies it against `expect.publicKey` with the exact
 * iss, sub and aud and the kid, and anything else is refused with 401 {"error":"invalid_client"}
 * as Apple refuses it; a good one is forwarded to oidc-provider's token endpoint (`target`)
 * with client_secret replaced by the static secret oidc-provider knows. Every request is
 * recorded with the verdict.
 */
async function startAppleTokenHop(target) {
  const server = createServer();
  const hop = { server, requests: [], forwarded: 0, expect: null };
  const json = (res, status, value) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value));
  server.on('request', async (req, res) => {
    const entry = { method: req.method, path: req.url, headers: req.headers };
    hop.requests.push(entry);
    try {
      if (req.method !== 'POST' || new URL(req.url, 'http://x').pathname !== '/auth/token') return json(res, 404, { error: 'not_found' });
      const form = new URLSearchParams(await body(req));
      entry.form = Object.fromEntries(form);
      const { publicKey, teamId, keyId, clientId, audience, secret } = hop.expect;
      try {
        if (form.get('client_id') !== clientId) throw new Error(`client_id ${form.get('client_id')}`);
        const { payload, protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', publicKey, {
          algorithms: ['ES256'],
          issuer: teamId,
          subject: clientId,
          audience,
          requiredClaims: ['iat', 'exp'],
        });
        if (protectedHeader.kid !== keyId) throw new Error(`kid ${protectedHeader.kid}`);
        Object.assign(entry, { verdict: 'ok', header: protectedHeader, payload });
      } catch (err) {
        entry.verdict = `refused: ${err.code ?? ''} ${err.message}`;
        return json(res, 401, { error: 'invalid_client' });
      }
      form.set('client_secret', secret);
      hop.forwarded += 1;
      const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      const text = await answer.text();
      entry.answer = { status: answer.status, body: text };
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' }).end(text);
    } catch (err) {
      entry.verdict = `failed: ${err.message}`;
      json(res, 500, { error: 'server_error', error_description: err.message });
    }
  });
  hop.origin = await listen(server);
  hop.tokenUrl = `${hop.origin}/auth/token`;
  return hop;
}

// --- the relying party --------------------------------------------------------------------------

/**
 * The relying party: node:http on 127.0.0.1 with one callback URL for every app (an app is a
 * Tessera app client, registered with openid-client's discovery of its pool's issuer).
 * `/start?app=…&idp=…` keeps a PKCE verifier and nonce under a random state (in a cookie, as a
 * web app's session would) and sends the browser to Tessera's /oauth2/authorize, naming the
 * identity provider when `idp` is given; `/callback` exchanges the code with openid-client,
 * checks the ID token's signature with jose and calls userInfo, and records what it got.
 */
async function startRp() {
  const rp = { apps: new Map(), pending: new Map(), results: [] };
  const server = createServer((req, res) => handle(req, res).catch((err) => {
    rp.results.push({ failure: err });
    html(res, 500, `<p id="rp-error">relying party: ${esc(why(err))}</p>`);
  }));
  async function handle(req, res) {
    const here = new URL(req.url, rp.origin);
    if (here.pathname === '/start') {
      const app = rp.apps.get(here.searchParams.get('app'));
      if (!app) throw new Error(`no app ${here.searchParams.get('app')}`);
      const entry = { app, verifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce(), state: oidc.randomState() };
      rp.pending.set(entry.state, entry);
      const params = {
        redirect_uri: rp.callback,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(entry.verifier),
        code_challenge_method: 'S256',
        state: entry.state,
        nonce: entry.nonce,
      };
      if (here.searchParams.get('idp')) params.identity_provider = here.searchParams.get('idp');
      const to = oidc.buildAuthorizationUrl(app.config, params);
      res.writeHead(302, { location: to.href, 'set-cookie': `rp_state=${entry.state}; Path=/; HttpOnly; SameSite=Lax` }).end();
    } else if (here.pathname === '/callback') {
      const state = /(?:^|;\s*)rp_state=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const entry = rp.pending.get(state);
      if (!entry) throw new Error(`no sign-in in progress for the cookie ${state}`);
      rp.pending.delete(state);
      if (here.searchParams.get('error')) {
        rp.results.push({ ...entry, error: here.searchParams.get('error'), description: here.searchParams.get('error_description') });
        return html(res, 200, `<p id="rp-error">${esc(here.searchParams.get('error'))}: ${esc(here.searchParams.get('error_description'))}</p>`);
      }
      const tokens = await oidc.authorizationCodeGrant(entry.app.config, here, {
        pkceCodeVerifier: entry.verifier,
        expectedState: entry.state,
        expectedNonce: entry.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      const { payload: verified } = await jwtVerify(tokens.id_token, entry.app.jwks, {
        issuer: entry.app.meta.issuer,
        audience: entry.app.clientId,
        algorithms: ['RS256'],
      });
      const userinfo = await oidc.fetchUserInfo(entry.app.config, tokens.access_token, claims.sub);
      rp.results.push({ ...entry, tokens, claims, verified, userinfo });
      html(res, 200, `<h1 id="rp-result">Signed in</h1><p>username: <b id="username">${esc(claims['cognito:username'])}</b></p>` +
        `<p>email: <b id="email">${esc(claims.email)}</b></p><p>name: <b id="name">${esc(claims.name)}</b></p>`);
    } else {
      res.writeHead(404).end();
    }
  }
  rp.origin = await listen(server);
  rp.callback = `${rp.origin}/callback`;
  /** An app: openid-client's discovery of `issuer` (Tessera's pool) for the client. */
  rp.register = async (name, issuer, clientId, clientSecret) => {
    const config = await oidc.discovery(new URL(issuer), clientId, clientSecret, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    const meta = config.serverMetadata();
    const app = { name, config, meta, clientId, jwks: createRemoteJWKSet(new URL(meta.jwks_uri)) };
    rp.apps.set(name, app);
    return app;
  };
  /**
   * The first step without a browser: Tessera's answer to the RP's authorization request
   * naming `provider` (fetch, no redirect followed), and what the RP keeps.
   */
  rp.authorize = async (name, provider) => {
    const app = rp.apps.get(name);
    const entry = { app, verifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce(), state: oidc.randomState() };
    const to = oidc.buildAuthorizationUrl(app.config, {
      redirect_uri: rp.callback,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(entry.verifier),
      code_challenge_method: 'S256',
      state: entry.state,
      nonce: entry.nonce,
      identity_provider: provider,
    });
    const res = await fetch(to, { redirect: 'manual' });
    const text = await res.text();
    assert.equal(res.status, 302, `/oauth2/authorize with identity_provider=${provider} answered ${res.status}: ${text.slice(0, 300)}`);
    // The browser binding /oauth2/idpresponse must be brought back with.
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    assert.match(cookie, /tessera_upstream=/, 'the binding cookie');
    return { entry, upstream: new URL(res.headers.get('location')), cookie };
  };
  rp.close = () => close(server);
  return rp;
}

// --- tessera of its own (the Google stand-in) -----------------------------------------------------

async function stopTessera(t) {
  if (!t || t.proc.exitCode !== null) return;
  const exited = new Promise((resolve) => t.proc.once('exit', resolve));
  t.proc.kill('SIGTERM');
  setTimeout(() => t.proc.kill('SIGKILL'), 5_000).unref();
  await exited;
}

// --- the suite ------------------------------------------------------------------------------------

describe('user-pool federation: oidc-provider upstream, openid-client RP, Chromium', { timeout: 180_000 }, () => {
  const mainClient = { client_id: 'tessera-main', client_secret: randomBytes(16).toString('hex') };
  const googleClient = { client_id: 'tessera-google.apps.example', client_secret: randomBytes(16).toString('hex') };
  const fakeClient = { client_id: 'fake-client', client_secret: randomBytes(16).toString('hex') };
  // Sign in with Apple: the Services ID is the client id; oidc-provider knows the static secret
  // the token hop swaps in for the ES256 one. The .p8 key: PKCS #8, P-256.
  const appleClient = { client_id: 'com.example.tessera.web', client_secret: randomBytes(16).toString('hex') };
  const appleKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const APPLE_TEAM = 'TEAM4E2E01';
  const APPLE_KID = 'KEYE2E0001';
  let upstream;
  let fake;
  let rp;
  let browser;
  let pool; // the case-insensitive pool on the Tessera under test
  let domain;
  let base; // ${url}/domain/<domain>
  let web; // the app client: COGNITO and MyOIDC
  let fakeWeb; // the app client of the failure cases: FakeOIDC
  let dir; // the Google stand-in's config and data
  let second; // the Google stand-in tessera
  let secondAdmin;
  let secondPool;
  let secondDomain;
  let apple; // the Sign in with Apple stand-in: oidc-provider (email in the ID token, form_post)
  let appleHop; // in front of its token endpoint: checks Apple's ES256 client secret
  let appleDomain;
  let appleBadDomain; // a pool whose provider signs with a key the hop does not know
  let firstIdpResponse; // the /oauth2/idpresponse URL of the first sign-in, to replay
  let firstSub;

  before(async () => {
    const bin = process.env.TESSERA_BIN;
    if (!bin) throw new Error('TESSERA_BIN is not set: run through e2e/run.sh, or export TESSERA_BIN=<path to the tessera binary>');
    mkdirSync(shots, { recursive: true });
    upstream = await startUpstream();
    const { issuer } = upstream;
    // Apple's ID token carries the email (there is no userInfo to call), and its code comes
    // back in a form post: oidc-provider puts the granted scopes' claims in the ID token
    // (conformIdTokenClaims off), knows Apple's `name` scope, and its client allows only
    // response_mode=form_post.
    apple = await startUpstream({
      conformIdTokenClaims: false,
      scopes: ['openid', 'email', 'name'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    });
    appleHop = await startAppleTokenHop(`${apple.issuer}/token`);

    // The Google stand-in: Google's endpoints replaced by oidc-provider's (its default paths,
    // checked against its discovery document in the last test).
    dir = await mkdtemp(join(tmpdir(), 'tessera-federation-'));
    const toml = [
      '[[federation_endpoint]]',
      'provider_type = "Google"',
      `authorize_url = "${issuer}/auth"`,
      `token_url = "${issuer}/token"`,
      `attributes_url = "${issuer}/me"`,
      `oidc_issuer = "${issuer}"`,
      `jwks_uri = "${issuer}/jwks"`,
      '',
      // Sign in with Apple: oidc-provider, but the code exchange through the hop.
      '[[federation_endpoint]]',
      'provider_type = "SignInWithApple"',
      `authorize_url = "${apple.issuer}/auth"`,
      `token_url = "${appleHop.tokenUrl}"`,
      `oidc_issuer = "${apple.issuer}"`,
      `jwks_uri = "${apple.issuer}/jwks"`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'tessera.toml'), toml);
    domain = unique('fed');
    base = `${url}/domain/${domain}`;
    secondDomain = unique('gfed');
    appleDomain = unique('afed');
    appleBadDomain = unique('abad');
    [second, fake, rp, browser] = await Promise.all([
      startTessera(bin, { config: join(dir, 'tessera.toml'), dataDir: join(dir, 'data') }),
      startFake(),
      startRp(),
      launch(),
    ]);
    await upstream.start([
      { ...mainClient, redirect_uris: [`${base}/oauth2/idpresponse`] },
      { ...googleClient, redirect_uris: [`${second.url}/domain/${secondDomain}/oauth2/idpresponse`] },
    ]);
    await apple.start([{
      ...appleClient,
      redirect_uris: [appleDomain, appleBadDomain].map((d) => `${second.url}/domain/${d}/oauth2/idpresponse`),
      response_modes: ['form_post'],
    }]);
    appleHop.expect = {
      publicKey: appleKey.publicKey,
      teamId: APPLE_TEAM,
      keyId: APPLE_KID,
      clientId: appleClient.client_id,
      audience: apple.issuer,
      secret: appleClient.client_secret,
    };
    secondAdmin = new idp.CognitoIdentityProviderClient({
      endpoint: second.url,
      region,
      credentials: { accessKeyId: second.akid, secretAccessKey: second.secret },
      maxAttempts: 1,
    });

    // The pool under test: case-insensitive usernames (as the console creates pools).
    pool = await createPool({ poolProps: { UsernameConfiguration: { CaseSensitive: false } } });
    await admin.send(new idp.CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: domain }));
  });

  after(async () => {
    await browser?.close();
    await Promise.all([rp?.close(), close(upstream?.server), close(fake?.server), close(apple?.server), close(appleHop?.server)]);
    if (pool) {
      await admin.send(new idp.DeleteUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: domain })).catch(() => {});
      await pool.delete();
    }
    secondAdmin?.destroy();
    await stopTessera(second);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh browser context that reaches only 127.0.0.1 (oidc-provider's pages link a web font). */
  async function newContext() {
    const context = await browser.newContext();
    await context.route((u) => u.hostname !== '127.0.0.1', (route) => route.abort());
    return context;
  }

  /**
   * The user's trip in a fresh browser context: `start` (the RP), then `onTessera` (on
   * Tessera's sign-in page, when the test goes there), oidc-provider's login form as `login`,
   * its consent page when shown, and the RP's callback. Returns the RP's result with every
   * navigation the browser made. `onContext` may route the context's requests first;
   * with `allowError` an error the RP got is returned rather than failing.
   */
  async function browserSignIn(start, login, { onTessera, onContext, allowError, shot, upstreamOrigin = upstream.issuer } = {}) {
    const context = await newContext();
    if (onContext) await onContext(context);
    const page = await context.newPage();
    const navigations = [];
    const trail = [];
    page.on('request', (req) => {
      if (req.isNavigationRequest()) navigations.push(req.url());
    });
    page.on('response', (res) => {
      if (res.request().isNavigationRequest()) trail.push(`${res.status()} ${res.request().method()} ${res.url().slice(0, 160)}`);
    });
    page.on('requestfailed', (req) => trail.push(`failed ${req.method()} ${req.url().slice(0, 160)}: ${req.failure()?.errorText}`));
    const seen = () => `\nbrowser navigations:\n  ${trail.slice(-15).join('\n  ')}`;
    const count = rp.results.length;
    try {
      await page.goto(start);
      if (onTessera) await onTessera(page, seen);
      const loginField = page.locator('input[name="login"]');
      await loginField.waitFor({ timeout: 15_000 }).catch(() => assert.fail(`no login form of the upstream at ${page.url()}${seen()}`));
      assert.equal(new URL(page.url()).origin, upstreamOrigin, `the upstream's login page${seen()}`);
      if (shot) await page.screenshot({ path: join(shots, `${shot}-upstream-login.png`), fullPage: true });
      await loginField.fill(login);
      await page.fill('input[name="password"]', 'any-password');
      await page.click('button[type="submit"]');
      const done = page.locator('#rp-result, #rp-error');
      // The consent form's prompt field is hidden: wait for its button.
      const consent = page.locator('form:has(input[name="prompt"][value="consent"]) button[type="submit"]');
      await done.or(consent).first().waitFor({ timeout: 15_000 }).catch(() => assert.fail(`neither consent nor the RP after the login, at ${page.url()}${seen()}`));
      if ((await done.count()) === 0) {
        await consent.click();
        await done.first().waitFor({ timeout: 15_000 }).catch(() => assert.fail(`the RP's callback after consent, not ${page.url()}${seen()}`));
      }
      if (shot) await page.screenshot({ path: join(shots, `${shot}-rp.png`), fullPage: true });
      assert.equal(rp.results.length, count + 1, `the RP handled one callback${seen()}`);
      const result = rp.results.at(-1);
      if (result.failure) assert.fail(`the relying party failed: ${why(result.failure)}${seen()}`);
      if (result.error && !allowError) assert.fail(`the RP got ${result.error}: ${result.description}${seen()}`);
      return { ...result, navigations, seen };
    } finally {
      await context.close();
    }
  }

  /** The identities claim's (or attribute's) entry for `provider`. */
  const identityOf = (list, provider) => list.find((e) => e.providerName === provider);

  test('CreateIdentityProvider reads the issuer\'s discovery document; Describe, List, Update, ByIdentifier, GetSigningCertificate, Delete', async () => {
    const { issuer } = upstream;
    const created = await admin.send(new idp.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'MyOIDC',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: mainClient.client_id,
        client_secret: mainClient.client_secret,
        attributes_request_method: 'GET',
        oidc_issuer: issuer,
        authorize_scopes: SCOPE,
      },
      AttributeMapping: { email: 'email', name: 'name' },
    }));
    assert.equal(created.IdentityProvider.ProviderName, 'MyOIDC');
    assert.equal(created.IdentityProvider.ProviderType, 'OIDC');

    const { IdentityProvider: described } = await admin.send(new idp.DescribeIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'MyOIDC' }));
    assert.equal(described.UserPoolId, pool.poolId);
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    const d = described.ProviderDetails;
    assert.equal(d.oidc_issuer, issuer);
    assert.equal(d.authorize_url, discovery.authorization_endpoint);
    assert.equal(d.token_url, discovery.token_endpoint);
    assert.equal(d.attributes_url, discovery.userinfo_endpoint);
    assert.equal(d.jwks_uri, discovery.jwks_uri);
    assert.equal(d.client_id, mainClient.client_id);
    assert.equal(d.authorize_scopes, SCOPE);
    assert.equal(d.attributes_request_method, 'GET');
    assert.deepEqual(described.AttributeMapping, { email: 'email', name: 'name', username: 'sub' }, 'username is mapped to sub by default');
    assert.ok(described.CreationDate instanceof Date && described.LastModifiedDate instanceof Date, 'dates');

    // The failure cases' provider: its issuer is the hand-written one.
    await admin.send(new idp.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'FakeOIDC',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: fakeClient.client_id,
        client_secret: fakeClient.client_secret,
        attributes_request_method: 'GET',
        oidc_issuer: fake.issuer,
        authorize_scopes: 'openid email',
      },
      AttributeMapping: { email: 'email', name: 'name' },
    }));

    // An issuer without a discovery document is refused at creation.
    await rejectsWith(admin.send(new idp.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'Nowhere',
      ProviderType: 'OIDC',
      ProviderDetails: { client_id: 'x', client_secret: 'y', attributes_request_method: 'GET', oidc_issuer: `${rp.origin}/nowhere`, authorize_scopes: 'openid' },
    })), 'InvalidParameterException', 'CreateIdentityProvider with an issuer that has no discovery document');
    await rejectsWith(admin.send(new idp.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'MyOIDC',
      ProviderType: 'OIDC',
      ProviderDetails: { client_id: 'x', client_secret: 'y', attributes_request_method: 'GET', oidc_issuer: issuer, authorize_scopes: 'openid' },
    })), 'DuplicateProviderException', 'a second provider named MyOIDC');

    // IdpIdentifiers: the sign-in page's corporate-email field finds MyOIDC by domain.
    const updated = await admin.send(new idp.UpdateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'MyOIDC', IdpIdentifiers: ['example.org'] }));
    assert.deepEqual(updated.IdentityProvider.IdpIdentifiers, ['example.org']);
    assert.equal(updated.IdentityProvider.ProviderDetails.token_url, discovery.token_endpoint, 'Update without ProviderDetails keeps them');
    const byId = await admin.send(new idp.GetIdentityProviderByIdentifierCommand({ UserPoolId: pool.poolId, IdpIdentifier: 'example.org' }));
    assert.equal(byId.IdentityProvider.ProviderName, 'MyOIDC');
    await rejectsWith(
      admin.send(new idp.GetIdentityProviderByIdentifierCommand({ UserPoolId: pool.poolId, IdpIdentifier: 'nobody.example' })),
      'ResourceNotFoundException',
      'GetIdentityProviderByIdentifier with an unknown identifier',
    );

    const listed = await admin.send(new idp.ListIdentityProvidersCommand({ UserPoolId: pool.poolId }));
    assert.deepEqual(listed.Providers.map((p) => p.ProviderName).sort(), ['FakeOIDC', 'MyOIDC']);
    assert.ok(listed.Providers.every((p) => p.ProviderType === 'OIDC'), JSON.stringify(listed.Providers));

    // The pool's SAML signing certificate: an X.509 certificate.
    const { Certificate } = await admin.send(new idp.GetSigningCertificateCommand({ UserPoolId: pool.poolId }));
    assert.ok(Certificate, 'a certificate');
    const cert = new X509Certificate(Certificate.includes('BEGIN') ? Certificate : Buffer.from(Certificate, 'base64'));
    assert.ok(new Date(cert.validTo) > new Date(), `valid until ${cert.validTo}`);

    // Delete: gone from Describe.
    await admin.send(new idp.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'Throwaway',
      ProviderType: 'OIDC',
      ProviderDetails: { client_id: 'x', client_secret: 'y', attributes_request_method: 'GET', oidc_issuer: issuer, authorize_scopes: 'openid' },
    }));
    await admin.send(new idp.DeleteIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Throwaway' }));
    await rejectsWith(
      admin.send(new idp.DescribeIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Throwaway' })),
      'ResourceNotFoundException',
      'DescribeIdentityProvider after DeleteIdentityProvider',
    );

    // App clients may name the providers once they exist.
    const oauth = {
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [rp.callback],
    };
    web = await createClient(pool.poolId, { ...oauth, SupportedIdentityProviders: ['COGNITO', 'MyOIDC'] });
    fakeWeb = await createClient(pool.poolId, { ...oauth, SupportedIdentityProviders: ['FakeOIDC'] });
    await rejectsWith(
      createClient(pool.poolId, { ...oauth, SupportedIdentityProviders: ['NoSuchProvider'] }),
      'InvalidParameterException',
      'an app client naming a provider the pool does not have',
    );
    await rp.register('main', pool.issuer, web.ClientId, web.ClientSecret);
    await rp.register('fake', pool.issuer, fakeWeb.ClientId, fakeWeb.ClientSecret);
  });

  test('OIDC sign-in in Chromium: the redirect upstream, the federated user\'s tokens, AdminGetUser and ListUsers', async () => {
    assert.ok(rp.apps.has('main'), 'the providers and the app client exist (the previous test)');
    const login = 'Ext-User-A1';
    upstream.accounts.set(login, { email: 'ext.a1@example.org', email_verified: true, name: 'Ada First' });
    const r = await browserSignIn(`${rp.origin}/start?app=main&idp=MyOIDC`, login, { shot: '1-oidc' });

    // Tessera's request to the upstream's authorization endpoint.
    const to = new URL(r.navigations.find((n) => n.startsWith(`${upstream.issuer}/auth?`)) ?? assert.fail(`no request to the upstream${r.seen()}`));
    const q = to.searchParams;
    assert.equal(q.get('client_id'), mainClient.client_id);
    assert.equal(q.get('redirect_uri'), `${base}/oauth2/idpresponse`);
    assert.equal(q.get('response_type'), 'code');
    assert.deepEqual(q.get('scope').split(' ').sort(), SCOPE.split(' ').sort());
    assert.ok(q.get('state')?.length >= 16, `an opaque state: ${q.get('state')}`);
    assert.notEqual(q.get('state'), r.state, 'not the RP\'s state');
    assert.ok(q.get('nonce')?.length >= 16, `a nonce of Tessera's: ${q.get('nonce')}`);
    assert.notEqual(q.get('nonce'), r.nonce, 'not the RP\'s nonce');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    // …and the upstream's answer came back to the domain's /oauth2/idpresponse.
    firstIdpResponse = r.navigations.find((n) => n.startsWith(`${base}/oauth2/idpresponse?`));
    assert.ok(firstIdpResponse, `the browser came back through /oauth2/idpresponse${r.seen()}`);
    assert.equal(new URL(firstIdpResponse).searchParams.get('state'), q.get('state'));

    // The ID token (openid-client checked iss, aud, state, nonce; jose the signature).
    const { claims, verified, userinfo, tokens } = r;
    const username = `myoidc_${login.toLowerCase()}`;
    assert.equal(verified.sub, claims.sub);
    assert.equal(claims.iss, pool.issuer);
    assert.equal(claims.aud, web.ClientId);
    assert.equal(claims.token_use, 'id');
    assert.equal(claims.nonce, r.nonce, 'the RP\'s nonce');
    assert.equal(claims['cognito:username'], username, 'MyOIDC_<sub>, lower-cased in a case-insensitive pool');
    assert.equal(claims.email, 'ext.a1@example.org', 'email from the upstream\'s userInfo');
    assert.equal(claims.name, 'Ada First', 'name from the upstream\'s userInfo');
    assert.ok(claims['cognito:groups']?.includes(`${pool.poolId}_MyOIDC`), `the provider's group: ${JSON.stringify(claims['cognito:groups'])}`);
    assert.ok(Array.isArray(claims.identities), `identities is a list: ${JSON.stringify(claims.identities)}`);
    assert.equal(claims.identities.length, 1);
    const identity = claims.identities[0];
    assert.deepEqual(
      { ...identity, dateCreated: undefined },
      { userId: login, providerName: 'MyOIDC', providerType: 'OIDC', issuer: upstream.issuer, primary: 'true', dateCreated: undefined },
      `the identities entry: ${JSON.stringify(identity)}`,
    );
    assert.match(identity.dateCreated, /^\d{13}$/, 'dateCreated: milliseconds, as text');
    for (const [k, v] of Object.entries(identity)) assert.equal(typeof v, 'string', `identities.${k} is text, as Cognito's: ${JSON.stringify(v)}`);
    firstSub = claims.sub;

    const access = decodeJwt(tokens.access_token).payload;
    assert.equal(access.username, username);
    assert.equal(access.sub, claims.sub);
    assert.ok(access['cognito:groups']?.includes(`${pool.poolId}_MyOIDC`), 'the group in the access token');
    assert.equal(userinfo.sub, claims.sub);
    assert.equal(userinfo.username, username);
    assert.equal(userinfo.email, 'ext.a1@example.org');

    // The user, as the admin API shows it.
    const user = await admin.send(new idp.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }));
    assert.equal(user.Username, username);
    assert.equal(user.UserStatus, 'EXTERNAL_PROVIDER');
    assert.equal(user.Enabled, true);
    assert.equal(attr(user.UserAttributes, 'sub'), claims.sub);
    assert.equal(attr(user.UserAttributes, 'email'), 'ext.a1@example.org');
    assert.equal(attr(user.UserAttributes, 'name'), 'Ada First');
    const stored = JSON.parse(attr(user.UserAttributes, 'identities') ?? 'null');
    assert.ok(Array.isArray(stored), `the identities attribute is a JSON list: ${attr(user.UserAttributes, 'identities')}`);
    assert.equal(identityOf(stored, 'MyOIDC')?.userId, login);
    const groups = await admin.send(new idp.AdminListGroupsForUserCommand({ UserPoolId: pool.poolId, Username: username }));
    assert.deepEqual(groups.Groups.map((g) => g.GroupName), [`${pool.poolId}_MyOIDC`]);

    const listed = await admin.send(new idp.ListUsersCommand({ UserPoolId: pool.poolId, Filter: STATUS_FILTER }));
    assert.deepEqual(listed.Users.map((u) => u.Username), [username], 'ListUsers by cognito:user_status');
    assert.equal(listed.Users[0].UserStatus, 'EXTERNAL_PROVIDER');

    // A federated user has no password: USER_PASSWORD_AUTH is refused.
    await rejectsWith(
      new idp.CognitoIdentityProviderClient({ endpoint: url, region, maxAttempts: 1 }).send(new idp.InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password() },
      })),
      'NotAuthorizedException',
      'a password sign-in of a federated user',
    );
  });

  test('the next sign-in applies the AttributeMapping again: new name and email in the token and the user', async () => {
    assert.ok(firstSub, 'the first sign-in succeeded');
    const login = 'Ext-User-A1';
    const username = `myoidc_${login.toLowerCase()}`;
    upstream.accounts.set(login, { email: 'ada.renamed@example.org', email_verified: true, name: 'Ada Second' });
    const { claims } = await browserSignIn(`${rp.origin}/start?app=main&idp=MyOIDC`, login);
    assert.equal(claims.sub, firstSub, 'the same user');
    assert.equal(claims['cognito:username'], username);
    assert.equal(claims.email, 'ada.renamed@example.org');
    assert.equal(claims.name, 'Ada Second');
    assert.equal(claims.identities.length, 1, 'still one identity');

    const user = await admin.send(new idp.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }));
    assert.equal(attr(user.UserAttributes, 'email'), 'ada.renamed@example.org');
    assert.equal(attr(user.UserAttributes, 'name'), 'Ada Second');
    const listed = await admin.send(new idp.ListUsersCommand({ UserPoolId: pool.poolId, Filter: STATUS_FILTER }));
    assert.equal(listed.Users.length, 1, 'no second user');
  });

  test('AdminLinkProviderForUser: the upstream user signs in as the native user; merging is refused; AdminDisableProviderForUser unlinks', async () => {
    assert.ok(firstSub, 'the first sign-in succeeded');
    const alice = `alice-${randomBytes(3).toString('hex')}`;
    await admin.send(new idp.AdminCreateUserCommand({
      UserPoolId: pool.poolId,
      Username: alice,
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: `${alice}@example.com` }, { Name: 'email_verified', Value: 'true' }],
    }));
    await admin.send(new idp.AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: alice, Password: password(), Permanent: true }));
    const aliceSub = attr((await admin.send(new idp.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: alice }))).UserAttributes, 'sub');

    const linkedLogin = 'Linked-Ext-7';
    const source = { ProviderName: 'MyOIDC', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: linkedLogin };
    await admin.send(new idp.AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: alice },
      SourceUser: source,
    }));
    const linked = await admin.send(new idp.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: alice }));
    assert.equal(linked.UserStatus, 'CONFIRMED', 'alice stays a native user');
    assert.equal(identityOf(JSON.parse(attr(linked.UserAttributes, 'identities') ?? '[]'), 'MyOIDC')?.userId, linkedLogin, 'alice\'s identities name the link');

    // The upstream user signs in: alice's tokens.
    const { claims } = await browserSignIn(`${rp.origin}/start?app=main&idp=MyOIDC`, linkedLogin, { shot: '2-linked' });
    assert.equal(claims.sub, aliceSub, 'alice\'s sub');
    assert.equal(claims['cognito:username'], alice);
    assert.equal(claims.email, `${alice}@example.com`, 'alice\'s own email');
    assert.equal(identityOf(claims.identities ?? [], 'MyOIDC')?.userId, linkedLogin, `identities in the token: ${JSON.stringify(claims.identities)}`);
    await rejectsWith(
      admin.send(new idp.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: `myoidc_${linkedLogin.toLowerCase()}` })),
      'UserNotFoundException',
      'no federated user for a linked identity',
    );

    // An upstream user who already signed in has a user of its own: no merging.
    const err = await rejectsWith(admin.send(new idp.AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: alice },
      SourceUser: { ...source, ProviderAttributeValue: 'Ext-User-A1' },
    })), 'InvalidParameterException', 'linking an upstream user who already signed in');
    assert.match(err.message, /Merging is not currently supported, provide a SourceUser that has not been signed up in order to link/);

    // AdminDisableProviderForUser removes the link.
    await admin.send(new idp.AdminDisableProviderForUserCommand({ UserPoolId: pool.poolId, User: source }));
    const unlinked = await admin.send(new idp.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: alice }));
    const left = JSON.parse(attr(unlinked.UserAttributes, 'identities') ?? '[]');
    assert.equal(identityOf(left, 'MyOIDC'), undefined, `alice's identities after the unlink: ${JSON.stringify(left)}`);
  });

  test('the sign-in page: "Continue with MyOIDC" (clicked in Chromium) and the corporate-email field', async () => {
    assert.ok(rp.apps.has('main'), 'the app client exists');
    let button;
    const login = 'Button-User-3';
    const { claims, navigations } = await browserSignIn(`${rp.origin}/start?app=main`, login, {
      shot: '3-button',
      async onTessera(page, seen) {
        const here = new URL(page.url());
        assert.equal(`${here.origin}${here.pathname}`, `${base}/login`, `/oauth2/authorize without identity_provider shows the sign-in page${seen()}`);
        button = page.locator('a.idpButton-customizable');
        await button.first().waitFor({ timeout: 10_000 });
        assert.equal(await button.count(), 1, 'one provider button');
        assert.equal((await button.textContent()).trim(), 'Continue with MyOIDC');
        const href = new URL(await button.getAttribute('href'), page.url());
        assert.equal(`${href.origin}${href.pathname}`, `${base}/oauth2/authorize`);
        assert.equal(href.searchParams.get('identity_provider'), 'MyOIDC');
        assert.equal(href.searchParams.get('client_id'), web.ClientId);
        assert.equal(href.searchParams.get('state'), here.searchParams.get('state'), 'the RP\'s state carried along');
        assert.ok(await page.locator('input[name="password"]').isVisible(), 'COGNITO too: the password form');
        assert.ok(await page.locator('input[name="idp_identifier"]').isVisible(), 'a provider with IdpIdentifiers: the email field');
        await page.screenshot({ path: join(shots, '3-button-tessera-login.png'), fullPage: true });
        await button.click();
      },
    });
    assert.ok(navigations.some((n) => n.startsWith(`${base}/oauth2/authorize?`) && new URL(n).searchParams.get('identity_provider') === 'MyOIDC'), 'the button led to /oauth2/authorize?identity_provider=MyOIDC');
    assert.equal(claims['cognito:username'], `myoidc_${login.toLowerCase()}`);

    // The email field: its domain (example.org, the IdpIdentifier) picks MyOIDC.
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${rp.origin}/start?app=main`);
      await page.fill('input[name="idp_identifier"]', 'someone@example.org');
      await page.locator('form:has(input[name="idp_identifier"]) button[type="submit"]').click();
      await page.locator('input[name="login"]').waitFor({ timeout: 15_000 });
      assert.equal(new URL(page.url()).origin, upstream.issuer, `the corporate email led to MyOIDC's login page, at ${page.url()}`);
    } finally {
      await context.close();
    }
  });

  test('failures: a replayed or forged state is a 400 page; bad ID tokens send the RP error=invalid_request', async () => {
    assert.ok(firstIdpResponse, 'the first sign-in went through /oauth2/idpresponse');
    const invalidState = async (target, what, cookie) => {
      const res = await fetch(target, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      const text = await res.text();
      assert.equal(res.status, 400, `${what}: ${res.status} ${res.headers.get('location') ?? ''} ${text.slice(0, 200)}`);
      assert.match(text, /Invalid state/, `${what}: the page says why`);
    };
    // Brought by another browser (this fetch holds no binding cookie): refused.
    await invalidState(firstIdpResponse, 'the first sign-in\'s /oauth2/idpresponse, in another browser');
    const forged = new URL(firstIdpResponse);
    const s = forged.searchParams.get('state');
    forged.searchParams.set('state', `${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`);
    await invalidState(forged.href, 'a state with its last characters changed');
    await invalidState(`${base}/oauth2/idpresponse?code=abc`, 'no state');

    // The hand-written provider's cases: Tessera's redirect to it, then /oauth2/idpresponse
    // with any code and the state, as the provider's redirect would carry them.
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      { what: 'a wrong nonce', plan: (n) => ({ claims: { sub: 'Fake-1', nonce: `${n}x` } }) },
      { what: 'another issuer', plan: (n) => ({ claims: { sub: 'Fake-1', nonce: n, iss: `${upstream.issuer}` } }) },
      { what: 'another audience', plan: (n) => ({ claims: { sub: 'Fake-1', nonce: n, aud: 'someone-else' } }) },
      { what: 'a signature by another key', plan: (n) => ({ claims: { sub: 'Fake-1', nonce: n }, key: fake.stranger }) },
      { what: 'an expired ID token', plan: (n) => ({ claims: { sub: 'Fake-1', nonce: n, iat: now - 7200, exp: now - 3600 } }) },
      { what: 'a refused code', plan: () => ({ refuse: 'invalid_grant', claims: { sub: 'Fake-1' } }), description: /token/i },
      {
        what: 'a userInfo answer about another user',
        plan: (n) => ({ claims: { sub: 'Fake-1', nonce: n }, userinfo: { sub: 'Someone-Else', email: 'x@fake.example' } }),
        description: /attributes/i,
      },
    ];
    for (const c of cases) {
      const { entry, upstream: to, cookie } = await rp.authorize('fake', 'FakeOIDC');
      assert.equal(`${to.origin}${to.pathname}`, `${fake.issuer}/authorize`, `${c.what}: Tessera sends the browser to the provider`);
      const nonce = to.searchParams.get('nonce');
      fake.next = () => c.plan(nonce);
      fake.current = null;
      const requests = fake.tokenRequests.length;
      const back = new URL(to.searchParams.get('redirect_uri'));
      back.search = new URLSearchParams({ code: `code-${randomBytes(4).toString('hex')}`, state: to.searchParams.get('state') }).toString();
      const res = await fetch(back, { redirect: 'manual', headers: { cookie } });
      const text = await res.text();
      assert.equal(res.status, 302, `${c.what}: a redirect to the RP, not ${res.status}: ${text.slice(0, 200)}`);
      const location = new URL(res.headers.get('location'));
      assert.equal(`${location.origin}${location.pathname}`, rp.callback, `${c.what}: back to the RP's redirect_uri`);
      assert.equal(location.searchParams.get('error'), 'invalid_request', `${c.what}: ${location.href}`);
      assert.match(location.searchParams.get('error_description') ?? '', c.description ?? /id_token/i, `${c.what}: ${location.href}`);
      assert.equal(location.searchParams.get('state'), entry.state, `${c.what}: the RP's state`);
      assert.equal(location.searchParams.get('code'), null, `${c.what}: no code`);
      assert.equal(fake.tokenRequests.length, requests + 1, `${c.what}: the code was exchanged once`);
      // The failure spent the state.
      const again = await fetch(back, { redirect: 'manual', headers: { cookie } });
      assert.equal(again.status, 400, `${c.what}: the same answer again`);
    }
    const signedUp = await admin.send(new idp.ListUsersCommand({ UserPoolId: pool.poolId, Filter: 'username ^= "fakeoidc_"' }));
    assert.deepEqual(signedUp.Users, [], 'no user made by a refused sign-in');

    // The control: the same provider with a good token signs in, which also shows what
    // Tessera sent its token endpoint (client_secret_post, the PKCE verifier) and userInfo.
    const { entry, upstream: to, cookie } = await rp.authorize('fake', 'FakeOIDC');
    const nonce = to.searchParams.get('nonce');
    fake.next = () => ({ claims: { sub: 'Fake-OK-2', nonce }, userinfo: { sub: 'Fake-OK-2', email: 'fake.ok@fake.example', name: 'Fake Okay' } });
    const code = `code-${randomBytes(4).toString('hex')}`;
    const back = new URL(to.searchParams.get('redirect_uri'));
    back.search = new URLSearchParams({ code, state: to.searchParams.get('state') }).toString();
    // Login CSRF: this answer brought by a browser that did not start the sign-in (no binding
    // cookie, or another sign-in's) is refused before the code is exchanged, spending nothing.
    const exchanged = fake.tokenRequests.length;
    const { cookie: otherCookie } = await rp.authorize('fake', 'FakeOIDC');
    for (const [who, c] of [['no binding cookie', undefined], ['another sign-in\'s binding cookie', otherCookie]]) {
      const planted = await fetch(back, { redirect: 'manual', headers: c ? { cookie: c } : {} });
      const text = await planted.text();
      assert.equal(planted.status, 400, `${who}: ${planted.status} ${planted.headers.get('location') ?? ''}`);
      assert.match(text, /not started in this browser/, `${who}: the page says why`);
    }
    assert.equal(fake.tokenRequests.length, exchanged, 'no code exchanged for another browser');
    const res = await fetch(back, { redirect: 'manual', headers: { cookie } });
    assert.equal(res.status, 302, `a good token: ${res.status} ${(await res.text()).slice(0, 200)}`);
    const location = new URL(res.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, rp.callback);
    assert.equal(location.searchParams.get('error'), null, `no error: ${location.href}`);
    assert.ok(location.searchParams.get('code'), `a code for the RP: ${location.href}`);
    const { form, headers } = fake.tokenRequests.at(-1);
    assert.equal(form.grant_type, 'authorization_code');
    assert.equal(form.code, code);
    assert.equal(form.redirect_uri, `${base}/oauth2/idpresponse`);
    assert.equal(form.client_id, fakeClient.client_id, 'client_secret_post: the id in the form');
    assert.equal(form.client_secret, fakeClient.client_secret, 'client_secret_post: the secret in the form');
    assert.equal(headers.authorization, undefined, 'no HTTP Basic as well');
    assert.equal(createHash('sha256').update(form.code_verifier ?? '').digest('base64url'), to.searchParams.get('code_challenge'), 'the PKCE verifier matches the challenge');
    assert.match(fake.userinfoRequests.at(-1)?.authorization ?? '', /^Bearer fake-at-/, 'userInfo called with the access token');

    const tokens = await oidc.authorizationCodeGrant(entry.app.config, location, {
      pkceCodeVerifier: entry.verifier,
      expectedState: entry.state,
      expectedNonce: entry.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    assert.equal(claims['cognito:username'], 'fakeoidc_fake-ok-2');
    assert.equal(claims.email, 'fake.ok@fake.example');
    assert.equal(claims.name, 'Fake Okay');
    assert.equal(identityOf(claims.identities, 'FakeOIDC')?.issuer, fake.issuer);
    await invalidState(back.href, 'a successful /oauth2/idpresponse, replayed', cookie);
  });

  test('a Google provider through a tessera whose [[federation_endpoint]] points Google at oidc-provider', async () => {
    const { issuer } = upstream;
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    assert.deepEqual(
      [discovery.authorization_endpoint, discovery.token_endpoint, discovery.userinfo_endpoint, discovery.jwks_uri],
      [`${issuer}/auth`, `${issuer}/token`, `${issuer}/me`, `${issuer}/jwks`],
      'the paths written into [[federation_endpoint]] are oidc-provider\'s',
    );

    const { UserPool } = await secondAdmin.send(new idp.CreateUserPoolCommand({ PoolName: unique('gfed') }));
    secondPool = UserPool.Id;
    await secondAdmin.send(new idp.CreateUserPoolDomainCommand({ UserPoolId: secondPool, Domain: secondDomain }));
    await secondAdmin.send(new idp.CreateIdentityProviderCommand({
      UserPoolId: secondPool,
      ProviderName: 'Google',
      ProviderType: 'Google',
      ProviderDetails: { client_id: googleClient.client_id, client_secret: googleClient.client_secret, authorize_scopes: SCOPE },
      AttributeMapping: { email: 'email', name: 'name' },
    }));
    const { IdentityProvider: described } = await secondAdmin.send(new idp.DescribeIdentityProviderCommand({ UserPoolId: secondPool, ProviderName: 'Google' }));
    const d = described.ProviderDetails;
    assert.equal(described.ProviderType, 'Google');
    assert.equal(d.authorize_url, `${issuer}/auth`);
    assert.equal(d.token_url, `${issuer}/token`);
    assert.equal(d.attributes_url, `${issuer}/me`);
    assert.equal(d.oidc_issuer, issuer);
    assert.equal(d.token_request_method, 'POST');
    assert.equal(d.client_id, googleClient.client_id);
    assert.equal(described.AttributeMapping.username, 'sub');

    const { UserPoolClient: client } = await secondAdmin.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: secondPool,
      ClientName: 'google-web',
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [rp.callback],
      SupportedIdentityProviders: ['Google'],
    }));
    const app = await rp.register('google', `${second.url}/${secondPool}`, client.ClientId, client.ClientSecret);
    const secondBase = `${second.url}/domain/${secondDomain}`;
    assert.equal(app.meta.authorization_endpoint, `${secondBase}/oauth2/authorize`);

    const login = 'G-User-9';
    upstream.accounts.set(login, { email: 'g.user9@gmail.example', email_verified: true, name: 'Grace Google' });
    let r;
    try {
      r = await browserSignIn(`${rp.origin}/start?app=google&idp=Google`, login, { shot: '4-google' });
    } catch (err) {
      err.message += `\nthe Google stand-in's log:\n${second.log().slice(-2000)}`;
      throw err;
    }
    const to = new URL(r.navigations.find((n) => n.startsWith(`${issuer}/auth?`)) ?? assert.fail(`no request to the upstream${r.seen()}`));
    assert.equal(to.searchParams.get('client_id'), googleClient.client_id);
    assert.equal(to.searchParams.get('redirect_uri'), `${secondBase}/oauth2/idpresponse`);

    const { claims } = r;
    assert.equal(claims.iss, `${second.url}/${secondPool}`);
    assert.equal(claims['cognito:username'], `Google_${login}`, 'Google_<sub> in a case-sensitive pool');
    assert.equal(claims.email, 'g.user9@gmail.example');
    assert.equal(claims.name, 'Grace Google');
    assert.equal(claims.nonce, r.nonce);
    assert.ok(claims['cognito:groups']?.includes(`${secondPool}_Google`), `the Google group: ${JSON.stringify(claims['cognito:groups'])}`);
    const identity = identityOf(claims.identities ?? [], 'Google');
    assert.equal(identity?.userId, login, `identities: ${JSON.stringify(claims.identities)}`);
    assert.equal(identity.providerType, 'Google');
    assert.equal(identity.primary, 'true');

    const user = await secondAdmin.send(new idp.AdminGetUserCommand({ UserPoolId: secondPool, Username: `Google_${login}` }));
    assert.equal(user.UserStatus, 'EXTERNAL_PROVIDER');
    assert.equal(attr(user.UserAttributes, 'email'), 'g.user9@gmail.example');
  });

  test('Sign in with Apple: oidc-provider behind a hop that checks the ES256 client secret, the form post in Chromium', async () => {
    assert.ok(secondPool, 'the Google stand-in test ran first (the second tessera is in use)');
    const { issuer } = apple;
    const pem = appleKey.privateKey.export({ type: 'pkcs8', format: 'pem' });
    const otherPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const attributeMapping = { email: 'email', given_name: 'firstName', family_name: 'lastName', name: 'name' };

    /** A pool on the second tessera with a domain, a SignInWithApple provider signing with `key`, and an app client. */
    async function applePool(domainName, key, appName) {
      const { UserPool } = await secondAdmin.send(new idp.CreateUserPoolCommand({ PoolName: unique('afed') }));
      await secondAdmin.send(new idp.CreateUserPoolDomainCommand({ UserPoolId: UserPool.Id, Domain: domainName }));
      await secondAdmin.send(new idp.CreateIdentityProviderCommand({
        UserPoolId: UserPool.Id,
        ProviderName: 'SignInWithApple',
        ProviderType: 'SignInWithApple',
        ProviderDetails: {
          client_id: appleClient.client_id,
          team_id: APPLE_TEAM,
          key_id: APPLE_KID,
          private_key: key,
          // Apple's discovery document lists openid, email and name; oidc-provider issues an
          // ID token (and takes a nonce) only for openid.
          authorize_scopes: 'openid email name',
        },
        AttributeMapping: attributeMapping,
      }));
      const { UserPoolClient: client } = await secondAdmin.send(new idp.CreateUserPoolClientCommand({
        UserPoolId: UserPool.Id,
        ClientName: appName,
        GenerateSecret: true,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: ['openid', 'email', 'profile'],
        CallbackURLs: [rp.callback],
        SupportedIdentityProviders: ['SignInWithApple'],
      }));
      await rp.register(appName, `${second.url}/${UserPool.Id}`, client.ClientId, client.ClientSecret);
      return { poolId: UserPool.Id, base: `${second.url}/domain/${domainName}` };
    }
    const good = await applePool(appleDomain, pem, 'apple');
    const bad = await applePool(appleBadDomain, otherPem, 'apple-bad');

    const { IdentityProvider: described } = await secondAdmin.send(new idp.DescribeIdentityProviderCommand({ UserPoolId: good.poolId, ProviderName: 'SignInWithApple' }));
    const d = described.ProviderDetails;
    assert.equal(described.ProviderType, 'SignInWithApple');
    assert.equal(d.authorize_url, `${issuer}/auth`, 'the [[federation_endpoint]] authorize_url');
    assert.equal(d.token_url, appleHop.tokenUrl, 'the [[federation_endpoint]] token_url: the hop');
    assert.equal(d.oidc_issuer, issuer);
    assert.equal(d.team_id, APPLE_TEAM);
    assert.equal(d.key_id, APPLE_KID);
    assert.equal(d.private_key, undefined, 'the private key is never shown');

    // Apple sends the user's name once, as a `user` field of the form post to
    // /oauth2/idpresponse; oidc-provider does not, so the browser's post gets it added.
    const appleUser = { name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada.l@privaterelay.appleid.example' };
    const posts = [];
    const addUser = (context) => context.route((u) => u.href === `${good.base}/oauth2/idpresponse`, async (route) => {
      const req = route.request();
      if (req.method() !== 'POST') return route.continue();
      const form = new URLSearchParams(req.postData() ?? '');
      posts.push({ form: Object.fromEntries(form), contentType: req.headers()['content-type'], navigation: req.isNavigationRequest() });
      form.set('user', JSON.stringify(appleUser));
      return route.continue({ postData: form.toString() });
    });

    const login = '001234.E2eApple0a1b.0042';
    apple.accounts.set(login, { email: appleUser.email, email_verified: true, name: 'not sent by Apple' });
    const hopBefore = appleHop.requests.length;
    const forwardedBefore = appleHop.forwarded;
    let r;
    try {
      r = await browserSignIn(`${rp.origin}/start?app=apple&idp=SignInWithApple`, login, { shot: '5-apple', upstreamOrigin: issuer, onContext: addUser });
    } catch (err) {
      err.message += `\nthe hop saw: ${JSON.stringify(appleHop.requests.slice(hopBefore)).slice(0, 1500)}\nthe Apple stand-in tessera's log:\n${second.log().slice(-2000)}`;
      throw err;
    }

    // Tessera's request to "Apple": the form post asked for, the scopes as configured.
    const to = new URL(r.navigations.find((n) => n.startsWith(`${issuer}/auth?`)) ?? assert.fail(`no request to the Apple stand-in${r.seen()}`));
    const q = to.searchParams;
    assert.equal(q.get('client_id'), appleClient.client_id);
    assert.equal(q.get('redirect_uri'), `${good.base}/oauth2/idpresponse`);
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('response_mode'), 'form_post', 'the scopes ask for name and email: a form post');
    assert.equal(q.get('scope'), 'openid email name');
    assert.ok(q.get('state')?.length >= 16 && q.get('nonce')?.length >= 16, `state and nonce: ${to.href}`);
    assert.equal(q.get('code_challenge_method'), 'S256');

    // The answer came back as a POST from oidc-provider's form_post page, not in a query.
    assert.equal(posts.length, 1, `one form post to /oauth2/idpresponse${r.seen()}`);
    const [post] = posts;
    assert.ok(post.navigation, 'the post is the page\'s navigation');
    assert.match(post.contentType ?? '', /^application\/x-www-form-urlencoded/);
    assert.equal(post.form.state, q.get('state'), 'the state comes back in the post');
    assert.ok(post.form.code, `a code in the post: ${JSON.stringify(post.form)}`);
    assert.ok(!r.navigations.some((n) => n.startsWith(`${good.base}/oauth2/idpresponse?`)), `no GET with the code in the query${r.seen()}`);

    // The code exchange, as the hop saw it: Apple's ES256 client secret, checked, then forwarded.
    const seenByHop = appleHop.requests.slice(hopBefore);
    assert.equal(seenByHop.length, 1, `one token request: ${JSON.stringify(seenByHop).slice(0, 800)}`);
    const [exchange] = seenByHop;
    assert.equal(exchange.verdict, 'ok', `the hop's verdict on the client secret: ${exchange.verdict}`);
    assert.equal(appleHop.forwarded, forwardedBefore + 1, 'forwarded to oidc-provider');
    assert.equal(exchange.answer.status, 200, `oidc-provider's token endpoint: ${JSON.stringify(exchange.answer)}`);
    assert.deepEqual(exchange.header, { alg: 'ES256', kid: APPLE_KID });
    const { payload } = exchange;
    assert.equal(payload.iss, APPLE_TEAM);
    assert.equal(payload.sub, appleClient.client_id);
    assert.equal(payload.aud, issuer);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(payload.iat - now) < 60, `iat is now: ${payload.iat}`);
    assert.ok(payload.exp > now && payload.exp - payload.iat <= 15_777_000, `exp in the future, at most Apple's six months: ${payload.exp - payload.iat} s`);
    assert.equal(exchange.form.grant_type, 'authorization_code');
    assert.equal(exchange.form.code, post.form.code);
    assert.equal(exchange.form.redirect_uri, `${good.base}/oauth2/idpresponse`);
    assert.equal(exchange.form.client_id, appleClient.client_id, 'client_secret_post');
    assert.equal(exchange.headers.authorization, undefined, 'no HTTP Basic');
    assert.equal(createHash('sha256').update(exchange.form.code_verifier ?? '').digest('base64url'), q.get('code_challenge'), 'the PKCE verifier');

    // The federated user's ID token: email from oidc-provider's ID token, the name from `user`.
    const { claims } = r;
    assert.equal(claims.iss, `${second.url}/${good.poolId}`);
    assert.equal(claims['cognito:username'], `SignInWithApple_${login}`, 'SignInWithApple_<sub> in a case-sensitive pool');
    assert.equal(claims.email, appleUser.email, 'email from the ID token');
    assert.equal(claims.given_name, 'Ada', 'given_name mapped from firstName');
    assert.equal(claims.family_name, 'Lovelace', 'family_name mapped from lastName');
    assert.equal(claims.name, 'Ada Lovelace', 'name: firstName lastName');
    assert.equal(claims.nonce, r.nonce, 'the RP\'s nonce');
    assert.ok(claims['cognito:groups']?.includes(`${good.poolId}_SignInWithApple`), `the provider's group: ${JSON.stringify(claims['cognito:groups'])}`);
    assert.equal(claims.identities?.length, 1, `identities: ${JSON.stringify(claims.identities)}`);
    const identity = claims.identities[0];
    assert.equal(identity.providerType, 'SignInWithApple');
    assert.equal(identity.providerName, 'SignInWithApple');
    assert.equal(identity.userId, login);
    assert.equal(identity.primary, 'true');
    assert.equal(identity.issuer ?? null, null, 'no issuer for a social provider');
    const user = await secondAdmin.send(new idp.AdminGetUserCommand({ UserPoolId: good.poolId, Username: `SignInWithApple_${login}` }));
    assert.equal(user.UserStatus, 'EXTERNAL_PROVIDER');
    assert.equal(attr(user.UserAttributes, 'given_name'), 'Ada');
    assert.equal(attr(user.UserAttributes, 'email'), appleUser.email);

    // The next sign-in has no `user` field (Apple sends it once): the same user, the email
    // from the new ID token.
    apple.accounts.set(login, { email: 'ada.new@privaterelay.appleid.example', email_verified: true });
    const again = await browserSignIn(`${rp.origin}/start?app=apple&idp=SignInWithApple`, login, { upstreamOrigin: issuer });
    assert.equal(again.claims.sub, claims.sub, 'the same user');
    assert.equal(again.claims['cognito:username'], `SignInWithApple_${login}`);
    assert.equal(again.claims.email, 'ada.new@privaterelay.appleid.example', 'email from the new ID token');
    assert.equal(again.claims.given_name, 'Ada', 'the name from the first sign-in is kept');
    assert.equal(appleHop.requests.at(-1).verdict, 'ok');

    // A provider whose .p8 key is not the one Apple (the hop) knows: the hop answers 401
    // invalid_client, and Tessera sends the RP Cognito's error.
    const badLogin = '001234.E2eApple0bad.0043';
    const hopBeforeBad = appleHop.requests.length;
    const forwardedBeforeBad = appleHop.forwarded;
    const refused = await browserSignIn(`${rp.origin}/start?app=apple-bad&idp=SignInWithApple`, badLogin, { shot: '6-apple-bad-key', upstreamOrigin: issuer, allowError: true });
    const badTries = appleHop.requests.slice(hopBeforeBad);
    assert.equal(badTries.length, 1, `one token request: ${JSON.stringify(badTries).slice(0, 800)}`);
    assert.match(badTries[0].verdict, /^refused: ERR_JWS_SIGNATURE_VERIFICATION_FAILED/, `the hop refused the signature: ${badTries[0].verdict}`);
    assert.equal(badTries[0].form.client_id, appleClient.client_id);
    assert.equal(appleHop.forwarded, forwardedBeforeBad, 'nothing forwarded to oidc-provider');
    assert.equal(refused.error, 'invalid_request', `the RP got: ${refused.error} ${refused.description}${refused.seen()}`);
    assert.equal(refused.description, 'SignInWithApple Error - 401 error getting token');
    const none = await secondAdmin.send(new idp.ListUsersCommand({ UserPoolId: bad.poolId }));
    assert.deepEqual(none.Users, [], 'no user made by a refused sign-in');

    for (const p of [good, bad]) {
      const domainName = p === good ? appleDomain : appleBadDomain;
      await secondAdmin.send(new idp.DeleteUserPoolDomainCommand({ UserPoolId: p.poolId, Domain: domainName })).catch(() => {});
      await secondAdmin.send(new idp.DeleteUserPoolCommand({ UserPoolId: p.poolId })).catch(() => {});
    }
  });
});
