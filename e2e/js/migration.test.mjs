// Live migration from Amazon Cognito (issue 21): the source is moto's Cognito (the server
// e2e/run.sh starts, TESSERA_E2E_MOTO_URL), an implementation nobody here wrote. Users made
// there sign in to a tessera of this suite's own with their existing passwords through
// amazon-cognito-identity-js: USER_PASSWORD_AUTH first (SRP never carries the password, so it
// cannot migrate a user, as with Cognito's own UserMigration trigger), then SRP with the same
// password. The tessera signs its calls to moto with the [default] profile of a shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE), and `tessera migrate link` / `status` run
// against its live database; `tessera migrate copy` brings a second moto pool over ahead
// of time (same pool and client ids) and its users sign in with their moto passwords.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import * as idp from '@aws-sdk/client-cognito-identity-provider';
import identity from 'amazon-cognito-identity-js';

import { startTessera } from './lib/serve.mjs';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = identity;
const run = promisify(execFile);
const region = 'us-east-1';
const motoUrl = (process.env.TESSERA_E2E_MOTO_URL ?? '').replace(/\/+$/, '');
const bin = process.env.TESSERA_BIN;
const PASSWORD = 'Moto-passw0rd!';

const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

/** authenticateUser with the given flow; tokens, or the error. */
function signIn(poolId, clientId, username, pw, flow) {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: signIn.endpoint });
  const user = new CognitoUser({ Username: username, Pool: pool });
  user.setAuthenticationFlowType(flow);
  return new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
    }),
  );
}

describe('live migration from a Cognito pool (moto)', { timeout: 120_000 }, () => {
  let dir;
  let tessera;
  let moto;
  let admin;
  let source; // { poolId, clientId }
  let target; // { poolId, clientId }

  before(async () => {
    assert.ok(motoUrl, 'TESSERA_E2E_MOTO_URL (moto, started by e2e/run.sh) is required');
    dir = await mkdtemp(join(tmpdir(), 'tessera-migration-'));
    const credentials = join(dir, 'aws-credentials');
    await writeFile(credentials, '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    // Only the profile file: no keys in the environment, so the chain's file path is used.
    const saved = { ...process.env };
    for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[v];
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    try {
      tessera = await startTessera(bin, { dataDir: join(dir, 'data') });
    } finally {
      process.env = saved;
    }
    signIn.endpoint = tessera.url;
    admin = new idp.CognitoIdentityProviderClient({
      endpoint: tessera.url, region, maxAttempts: 1,
      credentials: { accessKeyId: tessera.akid, secretAccessKey: tessera.secret },
    });
    moto = new idp.CognitoIdentityProviderClient({
      endpoint: motoUrl, region, maxAttempts: 1,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });

    // The source: a pool at moto with a group and users with permanent passwords.
    const { UserPool: sp } = await moto.send(new idp.CreateUserPoolCommand({ PoolName: 'legacy' }));
    const { UserPoolClient: sc } = await moto.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: sp.Id, ClientName: 'migration', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'],
    }));
    source = { poolId: sp.Id, clientId: sc.ClientId };
    await moto.send(new idp.CreateGroupCommand({ UserPoolId: sp.Id, GroupName: 'staff' }));
    for (const name of ['maria', 'nils', 'olga']) {
      await moto.send(new idp.AdminCreateUserCommand({
        UserPoolId: sp.Id, Username: name, MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: `${name}@example.com` }, { Name: 'email_verified', Value: 'true' }],
      }));
      await moto.send(new idp.AdminSetUserPasswordCommand({ UserPoolId: sp.Id, Username: name, Password: PASSWORD, Permanent: true }));
    }
    await moto.send(new idp.AdminAddUserToGroupCommand({ UserPoolId: sp.Id, Username: 'maria', GroupName: 'staff' }));

    // The target at Tessera, linked to the source with the CLI against the live database.
    const { UserPool: tp } = await admin.send(new idp.CreateUserPoolCommand({ PoolName: 'migrated' }));
    const { UserPoolClient: tc } = await admin.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: tp.Id, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }));
    target = { poolId: tp.Id, clientId: tc.ClientId };
    await admin.send(new idp.CreateGroupCommand({ UserPoolId: tp.Id, GroupName: 'staff' }));
    const { stdout } = await run(bin, [
      'migrate', 'link', '--data-dir', join(dir, 'data'), '--user-pool-id', tp.Id,
      '--source-region', region, '--source-user-pool-id', sp.Id, '--source-client-id', sc.ClientId,
      '--source-endpoint', motoUrl,
    ]);
    assert.match(stdout, new RegExp(`${tp.Id} now brings in its missing users from ${sp.Id}`));
  });

  after(async () => {
    admin?.destroy();
    moto?.destroy();
    if (tessera?.proc.exitCode === null) {
      const exited = new Promise((resolve) => tessera.proc.once('exit', resolve));
      tessera.proc.kill('SIGTERM');
      setTimeout(() => tessera.proc.kill('SIGKILL'), 5_000).unref();
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a moto user signs in with their password, then SRP works with it', async () => {
    const session = await signIn(target.poolId, target.clientId, 'maria', PASSWORD, 'USER_PASSWORD_AUTH');
    const id = decode(session.getIdToken().getJwtToken());
    const { UserAttributes } = await moto.send(new idp.AdminGetUserCommand({ UserPoolId: source.poolId, Username: 'maria' }));
    assert.equal(id.sub, UserAttributes.find((a) => a.Name === 'sub').Value, 'the source sub is kept');
    assert.deepEqual(id['cognito:groups'], ['staff']);
    assert.equal(id.email, 'maria@example.com');
    assert.equal(id.iss, `${tessera.url}/${target.poolId}`);
    // Now a Tessera user: the default flow (SRP) with the same password.
    const srp = await signIn(target.poolId, target.clientId, 'maria', PASSWORD, 'USER_SRP_AUTH');
    assert.equal(decode(srp.getAccessToken().getJwtToken()).username, 'maria');
    const got = await admin.send(new idp.AdminGetUserCommand({ UserPoolId: target.poolId, Username: 'maria' }));
    assert.equal(got.UserStatus, 'CONFIRMED');
  });

  test('a wrong password is refused and nothing is brought in', async () => {
    await assert.rejects(signIn(target.poolId, target.clientId, 'nils', 'Wrong-passw0rd!', 'USER_PASSWORD_AUTH'), (e) => e.code === 'NotAuthorizedException');
    await assert.rejects(admin.send(new idp.AdminGetUserCommand({ UserPoolId: target.poolId, Username: 'nils' })), (e) => e.name === 'UserNotFoundException');
    await assert.rejects(signIn(target.poolId, target.clientId, 'nobody', PASSWORD, 'USER_PASSWORD_AUTH'), (e) => e.code === 'UserNotFoundException');
  });

  test('concurrent first sign-ins bring a user in once', async () => {
    const all = await Promise.all(Array.from({ length: 4 }, () => signIn(target.poolId, target.clientId, 'olga', PASSWORD, 'USER_PASSWORD_AUTH')));
    assert.equal(new Set(all.map((s) => decode(s.getIdToken().getJwtToken()).sub)).size, 1);
    const { Users } = await admin.send(new idp.ListUsersCommand({ UserPoolId: target.poolId, Filter: 'username = "olga"' }));
    assert.equal(Users.length, 1);
  });

  test('tessera migrate copy brings a moto pool, its clients and users ahead of time', async () => {
    const { UserPool: sp } = await moto.send(new idp.CreateUserPoolCommand({
      PoolName: 'legacy-copy', Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false } },
    }));
    const { UserPoolClient: web } = await moto.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: sp.Id, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'],
    }));
    await moto.send(new idp.CreateGroupCommand({ UserPoolId: sp.Id, GroupName: 'admins', Precedence: 1 }));
    for (const name of ['pia', 'quinn']) {
      await moto.send(new idp.AdminCreateUserCommand({
        UserPoolId: sp.Id, Username: name, MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: `${name}@example.com` }, { Name: 'email_verified', Value: 'true' }],
      }));
      await moto.send(new idp.AdminSetUserPasswordCommand({ UserPoolId: sp.Id, Username: name, Password: PASSWORD, Permanent: true }));
    }
    await moto.send(new idp.AdminAddUserToGroupCommand({ UserPoolId: sp.Id, Username: 'pia', GroupName: 'admins' }));
    // The CLI signs with its own environment's keys (moto takes any).
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const { stdout } = await run(bin, [
      'migrate', 'copy', '--data-dir', join(dir, 'data'), '--source-region', region,
      '--source-user-pool-id', sp.Id, '--source-client-id', web.ClientId, '--source-endpoint', motoUrl,
    ], { env });
    const report = JSON.parse(stdout);
    assert.equal(report.userPoolId, sp.Id, 'the pool id is kept');
    assert.deepEqual(report.clients, [[web.ClientId, web.ClientId]], 'the client id is kept');
    assert.equal(report.groups, 1);
    assert.equal(report.usersCopied, 2);
    assert.equal(report.memberships, 1);
    const here = await admin.send(new idp.DescribeUserPoolCommand({ UserPoolId: sp.Id }));
    assert.equal(here.UserPool.Policies.PasswordPolicy.MinimumLength, 10);
    // The app keeps its configuration (pool id and client id) and signs in with the moto password.
    const session = await signIn(sp.Id, web.ClientId, 'pia', PASSWORD, 'USER_PASSWORD_AUTH');
    const id = decode(session.getIdToken().getJwtToken());
    assert.deepEqual(id['cognito:groups'], ['admins']);
    const srp = await signIn(sp.Id, web.ClientId, 'pia', PASSWORD, 'USER_SRP_AUTH');
    assert.equal(decode(srp.getIdToken().getJwtToken()).sub, id.sub);
    // Quinn is here, pending: a wrong password is still refused by moto's answer.
    await assert.rejects(signIn(sp.Id, web.ClientId, 'quinn', 'Wrong-passw0rd!', 'USER_PASSWORD_AUTH'), (e) => e.code === 'NotAuthorizedException');
  });

  test('the status command and the metrics show the migration', async () => {
    const { stdout } = await run(bin, ['migrate', 'status', '--data-dir', join(dir, 'data')]);
    assert.match(stdout, new RegExp(`${target.poolId}: source ${source.poolId} \\(us-east-1, client ${source.clientId}\\), live, 2 users here`));
    const metrics = await (await fetch(`${tessera.url}/tessera/metrics`, {
      headers: { authorization: `Basic ${Buffer.from(`${tessera.akid}:${tessera.secret}`).toString('base64')}` },
    })).text();
    assert.match(metrics, /tessera_migration_users_total\{[^}]*outcome="created"[^}]*\} 2/);
    assert.match(metrics, /tessera_migration_source_requests_total\{[^}]*operation="AdminInitiateAuth"[^}]*outcome="ok"/);
  });
});
