// The console's sign-in for operators without keys, in Debian's Chromium: a tessera of this
// suite's own ($TESSERA_BIN) is started, a pool with TOTP MFA and its users are made, and the
// server is started again with `--console-admin-pool` naming that pool (it must exist first).
// Then, through the sign-in page: a user of that pool without a second factor is refused
// ("needs a second factor"), a user of another pool is refused as a wrong password, and a user
// with TOTP signs in with password and code and sees their own name; screenshots in
// e2e/artifacts/console/admin-pool-*.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as idp from '@aws-sdk/client-cognito-identity-provider';

import { launch } from './lib/browser.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'console');
const bin = process.env.TESSERA_BIN;
const AKID = 'AKIDCONSOLEPOOLTEST01';
const SECRET = 'console-admin-pool-test-secret-0123456789';
const PASSWORD = 'Operat0r-passw0rd!';

/** `tessera serve` on a data folder with a fixed admin key; resolves with { proc, url }. */
function serve(dataDir, args = []) {
  const env = { ...process.env, TESSERA_ADMIN_ACCESS_KEY_ID: AKID, TESSERA_ADMIN_SECRET_ACCESS_KEY: SECRET };
  delete env.TESSERA_DATABASE_URL;
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera did not start in 20 s:\n${out}\n${err}`)), 20_000);
    proc.on('exit', (code) => reject(new Error(`tessera exited early (${code}):\n${out}\n${err}`)));
    proc.stdout.on('data', (d) => {
      out += d;
      const url = out.match(/^Tessera is listening on (.*)$/m)?.[1]?.trim();
      if (url) {
        clearTimeout(timer);
        resolve({ proc, url });
      }
    });
  });
}

async function stop(t) {
  if (t?.proc.exitCode !== null) return;
  const exited = new Promise((resolve) => t.proc.once('exit', resolve));
  t.proc.kill('SIGTERM');
  setTimeout(() => t.proc.kill('SIGKILL'), 5_000).unref();
  await exited;
}

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let value = 0;
  let bits = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238's six-digit code of the 30-second step holding `ms`. */
function totp(secret, ms) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const h = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const o = h[19] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

describe('console sign-in as a user of the admin pool', { timeout: 120_000 }, () => {
  let dir;
  let tessera;
  let browser;
  let poolId;
  let totpSecret;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'tessera-console-pool-'));
    const data = join(dir, 'data');
    tessera = await serve(data);
    const client = (url) => new idp.CognitoIdentityProviderClient({
      endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    });
    const c = client(tessera.url);
    const { UserPool } = await c.send(new idp.CreateUserPoolCommand({ PoolName: 'operators' }));
    poolId = UserPool.Id;
    await c.send(new idp.SetUserPoolMfaConfigCommand({
      UserPoolId: poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
    }));
    const { UserPoolClient } = await c.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'console', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH'],
    }));
    const { UserPool: other } = await c.send(new idp.CreateUserPoolCommand({ PoolName: 'customers' }));
    for (const [pool, name] of [[poolId, 'ada'], [poolId, 'bob'], [other.Id, 'eve']]) {
      await c.send(new idp.AdminCreateUserCommand({ UserPoolId: pool, Username: name, MessageAction: 'SUPPRESS' }));
      await c.send(new idp.AdminSetUserPasswordCommand({ UserPoolId: pool, Username: name, Password: PASSWORD, Permanent: true }));
    }
    // Ada sets up an authenticator.
    const { AuthenticationResult } = await c.send(new idp.InitiateAuthCommand({
      ClientId: UserPoolClient.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'ada', PASSWORD },
    }));
    const token = AuthenticationResult.AccessToken;
    ({ SecretCode: totpSecret } = await c.send(new idp.AssociateSoftwareTokenCommand({ AccessToken: token })));
    await c.send(new idp.VerifySoftwareTokenCommand({ AccessToken: token, UserCode: totp(totpSecret, Date.now()) }));
    await c.send(new idp.SetUserMFAPreferenceCommand({
      AccessToken: token, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }));
    c.destroy();
    await stop(tessera);
    tessera = await serve(data, ['--console-admin-pool', poolId]);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await stop(tessera);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('no second factor and another pool are refused; password and TOTP code sign in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const firstFactor = async (name) => {
      await page.goto(`${tessera.url}/console/login`);
      await page.getByLabel('Username').fill(name);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue' }).click();
    };
    try {
      await firstFactor('bob');
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /needs a second factor/);
      await page.screenshot({ path: join(shots, 'admin-pool-no-mfa.png'), fullPage: true });
      await firstFactor('eve');
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Incorrect username or password\./);
      assert.equal((await context.cookies()).filter((k) => k.name === 'tessera_console').length, 0);

      await firstFactor('ada');
      await page.getByLabel('Code from your authenticator app').waitFor();
      await page.screenshot({ path: join(shots, 'admin-pool-code.png'), fullPage: true });
      // The step after the one VerifySoftwareToken used (one step of drift is accepted).
      await page.getByLabel('Code from your authenticator app').fill(totp(totpSecret, Date.now() + 30_000));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${tessera.url}/console`);
      assert.match(await page.content(), /user:ada/);
      await page.screenshot({ path: join(shots, 'admin-pool-signed-in.png'), fullPage: true });
      const cookie = (await context.cookies()).find((k) => k.name === 'tessera_console');
      assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
      assert.equal(cookie.sameSite, 'Strict');
    } finally {
      await context.close();
    }
  });
});
