// Helpers for the identity-pool suites (identity-pools.test.mjs, amplify-identity.test.mjs):
// cognito-identity clients from the AWS SDK v3, the STS that Tessera hands credentials out of
// (moto's server, started by e2e/run.sh behind e2e/sts_recorder.py), the web identity tokens
// that recorder kept, and their verification against Tessera's identity issuer.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

import { akid, region, secret, url } from './tessera.mjs';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: the identity-pool suites need the STS that e2e/run.sh starts (moto's server ` +
        'behind e2e/sts_recorder.py), which exports TESSERA_E2E_MOTO_URL and TESSERA_E2E_STS_TOKENS',
    );
  }
  return value;
}

/** moto's server itself: the endpoint of STS clients calling GetCallerIdentity. */
export const motoUrl = required('TESSERA_E2E_MOTO_URL').replace(/\/+$/, '');
/** The file the recorder appends every WebIdentityToken Tessera sent to, one per line. */
export const stsTokensFile = required('TESSERA_E2E_STS_TOKENS');

/** Tessera's identity issuer: OpenID tokens' `iss`. */
export const identityIssuer = `${url}/identity`;

/** Roles the pools get, so the assumed role's name tells which one Tessera chose. */
export const ROLE = {
  authenticated: 'arn:aws:iam::123456789012:role/e2e-authenticated',
  unauthenticated: 'arn:aws:iam::123456789012:role/e2e-guest',
};

/** The Logins key of a Tessera user pool as an identity pool is configured with it. */
export const cognitoProvider = (poolId) => `cognito-idp.${region}.amazonaws.com/${poolId}`;
/** The other spelling: the ID token's issuer without its scheme (what Amplify sends). */
export const issuerProvider = (poolId, base = url) => `${new URL(base).host}/${poolId}`;

/** A cognito-identity client signed with the admin key (pool administration). */
export const identityAdmin = (endpoint = url, keys = { accessKeyId: akid, secretAccessKey: secret }) =>
  new CognitoIdentityClient({ endpoint, region, credentials: keys, maxAttempts: 1 });

/**
 * A cognito-identity client without credentials, as apps call GetId, GetCredentialsForIdentity
 * and GetOpenIdToken: the SDK's auth scheme for those is "no auth", so they go unsigned.
 */
export const identityAnonymous = (endpoint = url) => new CognitoIdentityClient({ endpoint, region, maxAttempts: 1 });

/**
 * GetCallerIdentity at moto with `credentials` (SDK shape, or GetCredentialsForIdentity's
 * Credentials): the ARN of the assumed role session.
 */
export async function callerArn(credentials) {
  const c = credentials.SecretKey
    ? { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretKey, sessionToken: credentials.SessionToken }
    : { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken };
  const sts = new STSClient({ endpoint: motoUrl, region, credentials: c, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } finally {
    sts.destroy();
  }
}

/** Asserts that `arn` is a session of the role `roleArn` named CognitoIdentityCredentials. */
export function assertAssumed(arn, roleArn, what) {
  const role = roleArn.split('/').pop();
  assert.match(
    arn ?? '',
    new RegExp(`^arn:aws:sts::\\d{12}:assumed-role/${role}/CognitoIdentityCredentials$`),
    `${what}: GetCallerIdentity should name the role ${role}, got ${arn}`,
  );
}

/** The web identity tokens Tessera sent to STS so far. */
export function stsTokens() {
  if (!existsSync(stsTokensFile)) return [];
  return readFileSync(stsTokensFile, 'utf8').split('\n').filter(Boolean);
}

/**
 * Runs `fn` and returns [its result, the one web identity token Tessera sent to STS meanwhile];
 * fails unless exactly one was sent.
 */
export async function withStsToken(fn, what) {
  const before = stsTokens().length;
  const result = await fn();
  const sent = stsTokens().slice(before);
  assert.equal(sent.length, 1, `${what}: Tessera should have called AssumeRoleWithWebIdentity once, it did ${sent.length} times`);
  return [result, sent[0]];
}

/** aws-jwt-verify's Fetcher over the global fetch: its own fetcher speaks HTTPS only. */
const fetcher = {
  async fetch(uri) {
    const res = await fetch(uri);
    if (res.status !== 200) throw new Error(`GET ${uri} answered ${res.status}`);
    return res.arrayBuffer();
  },
};

/**
 * Verifies an OpenID token of Tessera's identity issuer with aws-jwt-verify's JwtRsaVerifier
 * (signature against the identity JWKS, RS256, iss, aud = the identity pool, exp); the payload.
 */
export async function verifyOpenIdToken(token, identityPoolId, base = url) {
  const verifier = JwtRsaVerifier.create(
    { issuer: `${base}/identity`, audience: identityPoolId, jwksUri: `${base}/identity/.well-known/jwks.json` },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );
  return verifier.verify(token);
}
