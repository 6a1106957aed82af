// Shared helpers for the JavaScript end-to-end suites: the Tessera under test (started by
// e2e/run.sh, which exports TESSERA_URL, TESSERA_AKID and TESSERA_SECRET), an admin client
// from the AWS SDK for JavaScript v3, the development outbox, and small assertion helpers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run these suites through e2e/run.sh (or e2e/js/run.sh with ` +
        'TESSERA_URL, TESSERA_AKID and TESSERA_SECRET exported for a running tessera)',
    );
  }
  return value;
}

/** The server's public URL, without a trailing slash (tokens' `iss` is `${url}/${poolId}`). */
export const url = required('TESSERA_URL').replace(/\/+$/, '');
export const akid = required('TESSERA_AKID');
export const secret = required('TESSERA_SECRET');
export const region = 'us-east-1';

/** A SigV4-signed client with the admin key (admin operations and public ones alike). */
export const admin = new CognitoIdentityProviderClient({
  endpoint: url,
  region,
  credentials: { accessKeyId: akid, secretAccessKey: secret },
  maxAttempts: 1,
});

/**
 * A client without credentials, as a browser or a mobile app calls the public operations
 * (InitiateAuth, GetUser, …): the SDK's auth scheme for those is "no auth", so it sends
 * them unsigned.
 */
export const anonymous = new CognitoIdentityProviderClient({ endpoint: url, region, maxAttempts: 1 });

export const unique = (prefix = 'e2e') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A password that satisfies Cognito's default policy. */
export const password = () => `Pw-${randomBytes(6).toString('hex')}-9aZ!`;

export const AUTH_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

/**
 * Creates a user pool (email auto-verified, so SignUp sends a code) and an app client without
 * a secret that allows SRP, password and refresh-token sign-in. Returns ids plus a cleanup.
 */
export async function createPool({ clientProps = {}, poolProps = {} } = {}) {
  const { UserPool } = await admin.send(
    new CreateUserPoolCommand({
      PoolName: unique('js'),
      AutoVerifiedAttributes: ['email'],
      ...poolProps,
    }),
  );
  const { UserPoolClient } = await admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: UserPool.Id,
      ClientName: 'js-app',
      ExplicitAuthFlows: AUTH_FLOWS,
      ...clientProps,
    }),
  );
  return {
    poolId: UserPool.Id,
    clientId: UserPoolClient.ClientId,
    clientSecret: UserPoolClient.ClientSecret,
    issuer: `${url}/${UserPool.Id}`,
    jwksUri: `${url}/${UserPool.Id}/.well-known/jwks.json`,
    async delete() {
      await admin.send(new DeleteUserPoolCommand({ UserPoolId: UserPool.Id })).catch(() => {});
    },
  };
}

/** Another app client in an existing pool. */
export async function createClient(poolId, props = {}) {
  const { UserPoolClient } = await admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: unique('client'),
      ExplicitAuthFlows: AUTH_FLOWS,
      ...props,
    }),
  );
  return UserPoolClient;
}

/** A confirmed user with a verified email and a permanent password, made with admin calls. */
export async function createUser(poolId, { username = unique('user'), email } = {}) {
  const pw = password();
  const mail = email ?? `${username}@example.com`;
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: mail },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await admin.send(
    new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: pw, Permanent: true }),
  );
  return { username, password: pw, email: mail };
}

/** Messages in the development outbox (admin endpoint, HTTP Basic with the admin key). */
export async function outbox(filters = {}) {
  const q = new URLSearchParams(filters).toString();
  const res = await fetch(`${url}/tessera/outbox?${q}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${akid}:${secret}`).toString('base64')}` },
  });
  const body = await res.text();
  assert.equal(res.status, 200, `GET /tessera/outbox answered ${res.status}: ${body}`);
  return JSON.parse(body).messages;
}

/** The code of the last message sent to `destination`. */
export async function lastCode(destination) {
  const found = (await outbox({ destination })).filter((m) => m.destination === destination);
  assert.ok(found.length > 0, `no message to ${destination} in the outbox`);
  return found.at(-1).code;
}

/** The decoded (unverified) header and payload of a JWT. */
export function decodeJwt(token) {
  assert.equal(typeof token, 'string', `not a token: ${token}`);
  const parts = token.split('.');
  assert.equal(parts.length, 3, `a JWT has three parts, got ${parts.length}`);
  const [header, payload] = parts.slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
  return { header, payload };
}

/** The error's Cognito name, whatever the client that raised it (SDK v3, identity-js, Amplify). */
export function errorName(err) {
  return err?.name && err.name !== 'Error' ? err.name : (err?.code ?? err?.name);
}

/**
 * Awaits `promise` and asserts that it fails with the Cognito error `name`; the message says
 * what happened instead (success, or another error and its message).
 */
export async function rejectsWith(promise, name, what = 'the call') {
  let result;
  try {
    result = await promise;
  } catch (err) {
    assert.equal(
      errorName(err),
      name,
      `${what}: expected ${name}, got ${errorName(err)}: ${err?.message}`,
    );
    return err;
  }
  assert.fail(`${what}: expected ${name}, but it succeeded with ${JSON.stringify(result)?.slice(0, 300)}`);
}

/** GetUser with `accessToken`, unsigned, as the browser SDKs call it. */
export const getUser = (accessToken) => anonymous.send(new GetUserCommand({ AccessToken: accessToken }));

/** InitiateAuth REFRESH_TOKEN_AUTH, unsigned. */
export const refresh = (clientId, refreshToken, extra = {}) =>
  anonymous.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: refreshToken, ...extra },
    }),
  );

/** GetTokensFromRefreshToken, unsigned (what Amplify v6 calls to refresh). */
export const getTokensFromRefreshToken = (clientId, refreshToken) =>
  anonymous.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: refreshToken }));

/** RevokeToken, unsigned. */
export const revokeToken = (clientId, token) => anonymous.send(new RevokeTokenCommand({ ClientId: clientId, Token: token }));

/** InitiateAuth USER_PASSWORD_AUTH, unsigned; the AuthenticationResult. */
export async function passwordSignIn(clientId, username, pw) {
  const out = await anonymous.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: pw },
    }),
  );
  assert.ok(out.AuthenticationResult, `tokens expected, got challenge ${out.ChallengeName}`);
  return out.AuthenticationResult;
}

/** Refresh-token rotation as CreateUserPoolClient takes it: no grace period. */
export const ROTATION = { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 };

/** Cognito's token lifetimes when the app client sets none: 60 minutes for ID and access tokens. */
export const DEFAULT_TOKEN_SECONDS = 3600;
