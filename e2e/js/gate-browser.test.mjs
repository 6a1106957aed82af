// `tessera gate` in browser mode, with Debian's Chromium as the user's browser: the gate
// sends a browser without a session to Tessera's hosted sign-in page (code + PKCE, as a
// confidential client), keeps the tokens in sealed HttpOnly cookies, and calls the backend
// with `Authorization: Bearer` and the verified claims in headers. The page's own JavaScript
// never holds a token: no readable cookie, nothing in localStorage or sessionStorage.
//
// The gate is the real binary (`$TESSERA_BIN gate --config gate.toml`, TESSERA_BIN as
// e2e/run.sh exports it) on a port picked before the app client exists, since its callback
// and logout URLs name it. The backend is a node:http server on 127.0.0.1 serving an HTML
// page whose inline script calls the API through the gate and writes down what it got.
// Access tokens carry no email (as Cognito's), so `/api/profile` is an `id` route and the
// page reads the email there.
//
// Screenshots of each page the user sees land in e2e/artifacts/gate-browser/ (gitignored).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

import { CreateUserPoolDomainCommand, DeleteUserPoolDomainCommand } from '@aws-sdk/client-cognito-identity-provider';

import { launch } from './lib/browser.mjs';
import { admin, createClient, createPool, createUser, url } from './lib/tessera.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'gate-browser');
const SESSION = 'tessera_gate_session';

/** A free port on 127.0.0.1: listen on 0, note the port, close. */
const freePort = () => new Promise((resolve, reject) => {
  const s = createTcpServer().once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** Resolves once something accepts connections on `port`; fails if `child` exits first. */
async function waitForPort(port, child, log) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`tessera gate exited with ${child.exitCode}:\n${log.join('')}`);
    const up = await new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1', () => { sock.destroy(); resolve(true); }).once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tessera gate did not listen on ${port}:\n${log.join('')}`);
}

// The page: its script calls the API as any single-page app would (same origin, the browser
// adds whatever cookies it holds) and writes down what it got and what JavaScript can see.
const APP = `<!doctype html><meta charset="utf-8"><title>app</title><h1>app</h1>
<p>username: <b id="username"></b> email: <b id="email"></b></p>
<p>backend saw authorization: <b id="authorization"></b>, cookie: <b id="backend-cookie"></b></p>
<p>document.cookie: <b id="cookie"></b> localStorage: <b id="local"></b> sessionStorage: <b id="session"></b></p>
<pre id="result" style="white-space:pre-wrap"></pre>
<script>
(async () => {
  const get = async (p) => { const r = await fetch(p); return { status: r.status, body: await r.json().catch(() => null) }; };
  const me = await get('/api/me');
  const profile = await get('/api/profile');
  const out = { me, profile, cookie: document.cookie, local: localStorage.length, session: sessionStorage.length };
  const set = (id, v) => { document.getElementById(id).textContent = String(v); };
  set('username', me.body?.username); set('email', profile.body?.email);
  set('authorization', me.body?.authorization); set('backend-cookie', me.body?.cookie);
  set('cookie', JSON.stringify(out.cookie)); set('local', out.local); set('session', out.session);
  set('result', JSON.stringify(out)); // written last: the test waits for it
})();
</script>`;

/** The backend behind the gate; `seen` keeps every request's headers for the test. */
async function startBackend() {
  const seen = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    seen.push({ path, headers: req.headers });
    const h = req.headers;
    if (path === '/app') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(APP);
    } else if (path.startsWith('/api/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        username: h['x-auth-username'] ?? null,
        email: h['x-auth-email'] ?? null,
        authorization: Boolean(h.authorization), // presence only: the page must not get the token
        cookie: h.cookie ?? '',
      }));
    } else if (path === '/public/bye') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><h1 id="bye">signed out</h1>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { seen, origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('tessera gate browser mode in Chromium: hosted sign-in, API through the gate, no token in the page', { timeout: 120_000 }, () => {
  let pool, domain, client, user, backend, gatePort, gateUrl, gate, dir, browser, context, page;
  const gateLog = []; // the gate's output, for failure messages
  const trail = []; // navigations the browser made
  const seen = () => `\nbrowser navigations:\n  ${trail.slice(-12).join('\n  ')}\ngate log:\n${gateLog.join('').slice(-3000)}`;
  const shot = (p, name) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  /** fetch(path) from inside `p` (same origin as the gate): its status. */
  const fetchStatus = (p, path) => p.evaluate((u) => fetch(u).then((r) => r.status), path);

  before(async () => {
    const bin = process.env.TESSERA_BIN;
    if (!bin) throw new Error('TESSERA_BIN is not set: run through e2e/run.sh, or export TESSERA_BIN=<path to the tessera binary>');
    mkdirSync(shots, { recursive: true });
    [pool, backend, gatePort, browser] = await Promise.all([createPool(), startBackend(), freePort(), launch()]);
    gateUrl = `http://127.0.0.1:${gatePort}`;

    // 1. A prefix domain (the hosted pages), a user, and a confidential code-flow client whose
    //    callback and logout URLs are the gate's.
    domain = `gb-${randomBytes(4).toString('hex')}`;
    await admin.send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: domain }));
    user = await createUser(pool.poolId);
    client = await createClient(pool.poolId, {
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [`${gateUrl}/_tessera/callback`],
      LogoutURLs: [`${gateUrl}/public/bye`],
      SupportedIdentityProviders: ['COGNITO'],
    });

    // 3. gate.toml (JSON strings are valid TOML basic strings), then the gate itself.
    const q = JSON.stringify;
    const route = (path, auth) => `[[route]]\npath = ${q(path)}\nbackend = ${q(backend.origin)}\nauth = ${q(auth)}\n`;
    dir = mkdtempSync(join(tmpdir(), 'gate-browser-'));
    const config = join(dir, 'gate.toml');
    writeFileSync(config, [
      `listen = ${q(`127.0.0.1:${gatePort}`)}`,
      `[issuer]\nissuer = ${q(pool.issuer)}\naudiences = [${q(client.ClientId)}]`,
      `[browser]\nclient_id = ${q(client.ClientId)}\nclient_secret = ${q(client.ClientSecret)}`,
      `public_url = ${q(gateUrl)}\nscopes = ["openid", "email"]\nafter_logout = "/public/bye"`,
      route('/public/*', 'public'),
      route('/app', 'access'), // a page: without a session the browser is sent to sign in
      route('/api/profile', 'id'), // before /api/*: the first matching route wins
      route('/api/*', 'access'),
    ].join('\n'));
    gate = spawn(bin, ['gate', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    gate.stdout.on('data', (d) => gateLog.push(String(d)));
    gate.stderr.on('data', (d) => gateLog.push(String(d)));
    await waitForPort(gatePort, gate, gateLog);

    context = await browser.newContext();
    page = await context.newPage();
    page.on('response', (res) => {
      if (res.request().isNavigationRequest()) trail.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
  });

  after(async () => {
    if (gate && gate.exitCode === null) {
      const exited = new Promise((r) => gate.once('exit', r));
      gate.kill('SIGTERM');
      await exited;
    }
    await browser?.close();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (domain) await admin.send(new DeleteUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: domain })).catch(() => {});
    await pool?.delete();
  });

  test('a page without a session signs in on Tessera\'s page and calls the API with no token in reach of JavaScript', async () => {
    // 4. The page needs a session: off to the gate's login, then Tessera's hosted sign-in.
    await page.goto(`${gateUrl}/app`);
    const login = new URL(page.url());
    assert.equal(`${login.origin}${login.pathname}`, `${url}/domain/${domain}/login`, `on Tessera's sign-in page${seen()}`);
    await page.locator('input[name="password"]').waitFor({ timeout: 10_000 });
    await shot(page, '1-sign-in-page');

    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    // Tessera → the gate's callback (code exchanged, cookies set) → back where the user started.
    await page.waitForURL(`${gateUrl}/app`, { timeout: 15_000 }).catch((err) => { throw new Error(`${err.message}${seen()}`); });
    await page.locator('#result:not(:empty)').waitFor({ timeout: 10_000 });
    await shot(page, '2-app-signed-in');
    const got = JSON.parse(await page.textContent('#result'));

    // The backend got the verified claims and a bearer token; the page only what it echoed.
    assert.equal(got.me.status, 200, `GET /api/me through the gate: ${JSON.stringify(got.me)}${seen()}`);
    assert.equal(got.profile.status, 200, `GET /api/profile through the gate: ${JSON.stringify(got.profile)}`);
    assert.equal(await page.textContent('#username'), user.username);
    assert.equal(await page.textContent('#email'), user.email);
    assert.equal(got.me.body.authorization, true, 'the backend saw an Authorization header');
    const api = backend.seen.filter((s) => s.path === '/api/me').at(-1);
    assert.match(api.headers.authorization, /^Bearer eyJ/, 'the gate sent the access token as a bearer token');
    assert.ok(!got.me.body.cookie.includes('tessera_gate_'), `the gate's cookies are not forwarded: ${got.me.body.cookie}`);

    // Nothing for page JavaScript: the gate's cookies are HttpOnly, and no web storage is used.
    assert.equal(got.cookie, '', 'document.cookie is empty');
    assert.equal(got.local, 0, 'localStorage is empty');
    assert.equal(got.session, 0, 'sessionStorage is empty');

    // The browser does hold the session: HttpOnly, SameSite=Lax, and sealed (not a JWT).
    const session = (await context.cookies(gateUrl)).find((c) => c.name === SESSION);
    assert.ok(session, `the browser holds ${SESSION}${seen()}`);
    assert.equal(session.httpOnly, true, 'HttpOnly');
    assert.equal(session.sameSite, 'Lax', 'SameSite=Lax');
    assert.equal(session.secure, false, 'not Secure: the gate\'s public URL is plain http');
    // Sealed base64url has no dots; a JWT does ("eyJ" can occur in random text).
    assert.ok(!session.value.includes('.'), 'the cookie is sealed, not a JWT');
  });

  // 5. No cookie, no API.
  test('a browser without the session cookie gets 401 from the API', async () => {
    const fresh = await browser.newContext();
    try {
      const p = await fresh.newPage();
      await p.goto(`${gateUrl}/public/bye`); // a public page of the gate's origin to fetch from
      assert.equal(await p.textContent('#bye'), 'signed out');
      assert.equal(await fetchStatus(p, '/api/me'), 401, 'fetch() asks for JSON, so 401 rather than a redirect');
    } finally {
      await fresh.close();
    }
  });

  // 6. Signing out.
  test('/_tessera/logout ends the session here and at Tessera, then the API answers 401', async () => {
    assert.equal(await fetchStatus(page, '/api/me'), 200, 'still signed in before logout');
    await page.goto(`${gateUrl}/_tessera/logout`);
    assert.equal(page.url(), `${gateUrl}/public/bye`, `back on the after_logout page${seen()}`);
    assert.equal(await page.textContent('#bye'), 'signed out');
    await shot(page, '3-signed-out');
    const left = (await context.cookies(gateUrl)).filter((c) => c.name.startsWith(SESSION));
    assert.deepEqual(left, [], 'the session cookies are gone');
    assert.equal(await fetchStatus(page, '/api/me'), 401);
  });
});
