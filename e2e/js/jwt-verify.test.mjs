// aws-jwt-verify, unmodified, verifying Tessera's RS256 tokens against the JWKS that Tessera
// serves at `${url}/${poolId}/.well-known/jwks.json`, found through the OpenID configuration.
//
// CognitoJwtVerifier cannot be used with a custom issuer: it derives both the issuer and the
// JWKS URI from the pool id (https://cognito-idp.<region>.amazonaws.com/<poolId>, or the
// issuer-cognito-idp form), and has no option to change them. The library's README points
// Cognito tokens from elsewhere to the generic JwtVerifier (JwtRsaVerifier is its deprecated
// alias) with `validateCognitoJwtFields` in a customJwtCheck; both ways are tested here, and a
// test pins CognitoJwtVerifier's refusal so a future version that allows it gets noticed.
//
// aws-jwt-verify's Node fetcher only speaks HTTPS (it uses node:https), so the JWKS cache is
// given a fetcher over the global fetch to reach Tessera over plain HTTP; everything else is
// the library's own code path.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { CognitoJwtVerifier, JwtRsaVerifier, JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

import {
  DEFAULT_TOKEN_SECONDS,
  createPool,
  createUser,
  decodeJwt,
  passwordSignIn,
  refresh,
} from './lib/tessera.mjs';

/** aws-jwt-verify's Fetcher interface over the global fetch (plain HTTP allowed). */
const httpFetcher = {
  async fetch(uri) {
    const res = await fetch(uri);
    if (res.status !== 200) throw new Error(`GET ${uri} answered ${res.status}: ${await res.text()}`);
    return res.arrayBuffer();
  },
};
const jwksCache = () => new SimpleJwksCache({ fetcher: httpFetcher });

async function getJson(uri) {
  const res = await fetch(uri);
  const body = await res.text();
  assert.equal(res.status, 200, `GET ${uri} answered ${res.status}: ${body}`);
  return JSON.parse(body);
}

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

/** header.payload signed RS256 with `privateKey`. */
function signJwt(header, payload, privateKey) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** The token with its payload replaced by `edit(payload)` and its original signature kept. */
function withPayload(token, edit) {
  const [h, , s] = token.split('.');
  return `${h}.${b64url(edit(decodeJwt(token).payload))}.${s}`;
}

/** aws-jwt-verify's errors keep name "Error": their class tells them apart. */
const kind = (err) => err?.constructor?.name ?? err?.name;

/** Asserts that `promise` rejects with the aws-jwt-verify error class `name` (any, if null). */
async function refused(promise, name, what) {
  let payload;
  try {
    payload = await promise;
  } catch (err) {
    if (name) assert.equal(kind(err), name, `${what}: expected ${name}, got ${kind(err)}: ${err.message}`);
    return err;
  }
  assert.fail(`${what}: the token was accepted: ${JSON.stringify(payload)}`);
}

describe('aws-jwt-verify', { timeout: 60_000 }, () => {
  let tessera;
  let user;
  let tokens; // AuthenticationResult of a USER_PASSWORD_AUTH sign-in
  let oidc;

  before(async () => {
    tessera = await createPool();
    user = await createUser(tessera.poolId);
  });

  after(async () => {
    await tessera?.delete();
  });

  // Sign-in and discovery are awaited by each test so a failure names its own cause.
  const ready = async () => {
    tokens ??= await passwordSignIn(tessera.clientId, user.username, user.password);
    oidc ??= await getJson(`${tessera.issuer}/.well-known/openid-configuration`);
    return tokens;
  };
  const idVerifier = () =>
    JwtRsaVerifier.create(
      {
        issuer: oidc.issuer,
        jwksUri: oidc.jwks_uri,
        audience: tessera.clientId,
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== 'id') throw new Error(`token_use is ${payload.token_use}, want id`);
        },
      },
      { jwksCache: jwksCache() },
    );
  const accessVerifier = () =>
    JwtRsaVerifier.create(
      {
        issuer: oidc.issuer,
        jwksUri: oidc.jwks_uri,
        audience: null, // access tokens have client_id, not aud
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== 'access') throw new Error(`token_use is ${payload.token_use}, want access`);
          if (payload.client_id !== tessera.clientId) throw new Error(`client_id is ${payload.client_id}`);
        },
      },
      { jwksCache: jwksCache() },
    );

  test('the OpenID configuration names the pool\'s issuer and JWKS; the JWKS holds public RSA keys only', async () => {
    const discovery = await getJson(`${tessera.issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.issuer, tessera.issuer);
    assert.equal(discovery.jwks_uri, tessera.jwksUri);
    assert.ok(
      discovery.id_token_signing_alg_values_supported?.includes('RS256'),
      `id_token_signing_alg_values_supported: ${discovery.id_token_signing_alg_values_supported}`,
    );
    const jwks = await getJson(discovery.jwks_uri);
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0, 'at least one key');
    for (const key of jwks.keys) {
      assert.equal(key.kty, 'RSA');
      assert.equal(key.alg, 'RS256');
      assert.equal(key.use, 'sig');
      assert.ok(key.kid && key.n && key.e, `kid, n and e: ${JSON.stringify(key)}`);
      for (const secretPart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
        assert.equal(key[secretPart], undefined, `the JWKS must not publish the private member ${secretPart}`);
      }
    }
    // Each pool is its own issuer.
    const other = await createPool();
    try {
      const otherDiscovery = await getJson(`${other.issuer}/.well-known/openid-configuration`);
      assert.equal(otherDiscovery.issuer, other.issuer);
    } finally {
      await other.delete();
    }
  });

  test('the ID token verifies (JwtRsaVerifier, audience = client id) and carries Cognito\'s claims', async () => {
    const { IdToken, AccessToken } = await ready();
    const payload = await idVerifier().verify(IdToken);
    const { header } = decodeJwt(IdToken);
    assert.equal(header.alg, 'RS256');
    const kids = (await getJson(oidc.jwks_uri)).keys.map((k) => k.kid);
    assert.ok(kids.includes(header.kid), `kid ${header.kid} is in the JWKS (${kids})`);

    assert.equal(payload.token_use, 'id');
    assert.equal(payload.iss, tessera.issuer);
    assert.equal(payload.aud, tessera.clientId);
    assert.equal(payload['cognito:username'], user.username);
    assert.equal(payload.email, user.email);
    assert.equal(payload.email_verified, true, 'email_verified is the boolean true, not a string');
    assert.match(payload.sub, /^[0-9a-f-]{36}$/);
    for (const claim of ['auth_time', 'iat', 'exp']) assert.equal(typeof payload[claim], 'number', claim);
    for (const claim of ['origin_jti', 'event_id', 'jti']) assert.equal(typeof payload[claim], 'string', claim);
    assert.equal(payload.exp - payload.iat, DEFAULT_TOKEN_SECONDS, 'ID tokens last an hour by default');
    assert.ok(payload.auth_time <= payload.iat);
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 120, `iat ${payload.iat} is now`);
    assert.equal(payload.client_id, undefined, 'ID tokens carry aud, not client_id');

    const access = decodeJwt(AccessToken).payload;
    assert.equal(access.sub, payload.sub);
    assert.equal(access.origin_jti, payload.origin_jti, 'one sign-in: one origin_jti');
    assert.equal(access.event_id, payload.event_id, 'one sign-in: one event_id');
    assert.equal(access.auth_time, payload.auth_time);
    assert.notEqual(access.jti, payload.jti);
  });

  test('the access token verifies (JwtRsaVerifier, client_id and token_use checked) and carries Cognito\'s claims', async () => {
    const { AccessToken } = await ready();
    const payload = await accessVerifier().verify(AccessToken);
    assert.equal(decodeJwt(AccessToken).header.alg, 'RS256');
    assert.equal(payload.token_use, 'access');
    assert.equal(payload.iss, tessera.issuer);
    assert.equal(payload.client_id, tessera.clientId);
    assert.equal(payload.scope, 'aws.cognito.signin.user.admin');
    assert.equal(payload.username, user.username);
    assert.equal(payload.aud, undefined, 'access tokens have no aud');
    assert.match(payload.sub, /^[0-9a-f-]{36}$/);
    for (const claim of ['auth_time', 'iat', 'exp']) assert.equal(typeof payload[claim], 'number', claim);
    for (const claim of ['origin_jti', 'event_id', 'jti']) assert.equal(typeof payload[claim], 'string', claim);
    assert.equal(payload.exp - payload.iat, DEFAULT_TOKEN_SECONDS, 'access tokens last an hour by default');
  });

  test('the generic JwtVerifier with validateCognitoJwtFields (the README\'s way for Cognito tokens) accepts both', async () => {
    const { IdToken, AccessToken } = await ready();
    const verifier = (tokenUse) =>
      JwtVerifier.create(
        {
          issuer: oidc.issuer,
          jwksUri: oidc.jwks_uri,
          audience: null,
          customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId: tessera.clientId }),
        },
        { jwksCache: jwksCache() },
      );
    assert.equal((await verifier('id').verify(IdToken)).token_use, 'id');
    assert.equal((await verifier('access').verify(AccessToken)).token_use, 'access');
    await refused(verifier('access').verify(IdToken), 'CognitoJwtInvalidTokenUseError', 'an ID token as an access token');
    await refused(verifier('id').verify(AccessToken), 'CognitoJwtInvalidTokenUseError', 'an access token as an ID token');
  });

  test('CognitoJwtVerifier has no custom issuer: it refuses Tessera\'s tokens even with Tessera\'s JWKS cached', async () => {
    const { AccessToken } = await ready();
    const verifier = CognitoJwtVerifier.create({ userPoolId: tessera.poolId, tokenUse: 'access', clientId: tessera.clientId });
    verifier.cacheJwks(await getJson(oidc.jwks_uri));
    const err = await refused(verifier.verify(AccessToken), null, 'CognitoJwtVerifier with a non-AWS issuer');
    assert.ok(
      ['JwtInvalidIssuerError', 'ParameterValidationError'].includes(kind(err)),
      `refused for its issuer, got ${kind(err)}: ${err.message}`,
    );
  });

  test('tampered, re-signed, unsigned and expired-looking tokens are refused', async () => {
    const { IdToken, AccessToken } = await ready();
    const ids = idVerifier();
    const accesses = accessVerifier();
    assert.ok(await ids.verify(IdToken)); // loads the JWKS: the refusals below are about the tokens

    // One character of a claim changed, the signature kept.
    const renamed = withPayload(IdToken, (p) => ({ ...p, 'cognito:username': `${p['cognito:username'].slice(0, -1)}X` }));
    await refused(ids.verify(renamed), 'JwtInvalidSignatureError', 'a changed claim');
    // One raw character of the encoded payload flipped.
    const [h, p, s] = AccessToken.split('.');
    const i = Math.floor(p.length / 2);
    const flipped = `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`;
    await refused(accesses.verify(flipped), null, 'a flipped payload character');

    // Re-signed with another RSA key that claims the same kid.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { header, payload } = decodeJwt(AccessToken);
    await refused(accesses.verify(signJwt(header, payload, privateKey)), 'JwtInvalidSignatureError', 'a token signed by another key with the same kid');

    // alg "none", no signature.
    const unsigned = `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`;
    await refused(accesses.verify(unsigned), null, 'an unsigned token');

    // Expired-looking: exp (and iat) moved an hour into the past, the signature kept.
    const now = Math.floor(Date.now() / 1000);
    const expired = withPayload(AccessToken, (pl) => ({ ...pl, iat: now - 7200, exp: now - 3600 }));
    await refused(accesses.verify(expired), null, 'an expired-looking token');

    // The verifiers used here do enforce exp: an expired token that is otherwise valid for a
    // verifier trusting our own key is refused as expired.
    const mine = JwtRsaVerifier.create({ issuer: oidc.issuer, audience: null, jwksUri: oidc.jwks_uri });
    const { publicKey, privateKey: key2 } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mine.cacheJwks({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'mine', alg: 'RS256', use: 'sig' }] });
    const own = signJwt({ alg: 'RS256', kid: 'mine' }, { ...payload, iat: now - 7200, exp: now - 3600 }, key2);
    await refused(mine.verify(own), 'JwtExpiredError', 'an expired token signed by a trusted key');

    // The ID token is not an access token, and the access token has no audience.
    await refused(accesses.verify(IdToken), null, 'an ID token given as an access token');
    await refused(ids.verify(AccessToken), null, 'an access token given as an ID token');
  });

  test('another pool\'s tokens are refused (per-pool issuer)', async () => {
    await ready();
    const other = await createPool();
    try {
      const u = await createUser(other.poolId);
      const theirs = await passwordSignIn(other.clientId, u.username, u.password);
      await refused(accessVerifier().verify(theirs.AccessToken), null, 'an access token from another pool');
      const payload = decodeJwt(theirs.AccessToken).payload;
      assert.equal(payload.iss, other.issuer);
    } finally {
      await other.delete();
    }
  });

  test('tokens from REFRESH_TOKEN_AUTH verify too and keep the sign-in\'s identity', async () => {
    const { RefreshToken, AccessToken } = await ready();
    const { AuthenticationResult: fresh } = await refresh(tessera.clientId, RefreshToken);
    assert.ok(fresh?.AccessToken && fresh?.IdToken, 'new access and ID tokens');
    const access = await accessVerifier().verify(fresh.AccessToken);
    const id = await idVerifier().verify(fresh.IdToken);
    const first = decodeJwt(AccessToken).payload;
    assert.equal(access.sub, first.sub);
    assert.equal(access.origin_jti, first.origin_jti);
    assert.equal(id.origin_jti, first.origin_jti);
    assert.equal(access.auth_time, first.auth_time);
    assert.notEqual(access.jti, first.jti);
  });
});
