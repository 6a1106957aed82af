// amazon-cognito-identity-js, unmodified, in Node against Tessera: sign-up with the code read
// from the outbox, SRP and USER_PASSWORD_AUTH sign-in, attributes, refresh, global sign-out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import identity from 'amazon-cognito-identity-js';

import {
  createPool,
  decodeJwt,
  getUser,
  lastCode,
  password,
  refresh,
  rejectsWith,
  unique,
  url,
} from './lib/tessera.mjs';

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = identity;

/** Per-pool storage with localStorage's contract (getItem answers null for a missing key). */
class BrowserLikeStorage {
  #items = new Map();
  setItem(key, value) {
    this.#items.set(key, String(value));
  }
  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  removeItem(key) {
    this.#items.delete(key);
  }
  clear() {
    this.#items.clear();
  }
}

// --- promisified identity-js calls ------------------------------------------------------

const signUp = (pool, username, pw, attributes) =>
  new Promise((resolve, reject) =>
    pool.signUp(username, pw, attributes, null, (err, result) => (err ? reject(err) : resolve(result))),
  );

const confirmRegistration = (user, code) =>
  new Promise((resolve, reject) =>
    user.confirmRegistration(code, true, (err, result) => (err ? reject(err) : resolve(result))),
  );

/** authenticateUser; any challenge instead of tokens is a failure that names the challenge. */
const authenticate = (user, username, pw) =>
  new Promise((resolve, reject) => {
    const unexpected = (name) => (...args) =>
      reject(new Error(`unexpected ${name} challenge instead of tokens: ${JSON.stringify(args)}`));
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), {
      onSuccess: (session) => resolve(session),
      onFailure: (err) => reject(err),
      newPasswordRequired: unexpected('NEW_PASSWORD_REQUIRED'),
      mfaRequired: unexpected('SMS_MFA'),
      totpRequired: unexpected('SOFTWARE_TOKEN_MFA'),
      customChallenge: unexpected('CUSTOM_CHALLENGE'),
      mfaSetup: unexpected('MFA_SETUP'),
      selectMFAType: unexpected('SELECT_MFA_TYPE'),
    });
  });

const getUserAttributes = (user) =>
  new Promise((resolve, reject) =>
    user.getUserAttributes((err, attrs) => (err ? reject(err) : resolve(attrs))),
  );

const refreshSession = (user, refreshToken) =>
  new Promise((resolve, reject) =>
    user.refreshSession(refreshToken, (err, session) => (err ? reject(err) : resolve(session))),
  );

/** signOut with a callback: RevokeToken for the session's refresh token, then local clean-up. */
const revokingSignOut = (user) =>
  new Promise((resolve, reject) => user.signOut((err) => (err ? reject(err) : resolve())));

const globalSignOut = (user) =>
  new Promise((resolve, reject) => user.globalSignOut({ onSuccess: resolve, onFailure: reject }));

// --- the suite ---------------------------------------------------------------------------

describe('amazon-cognito-identity-js', { timeout: 120_000 }, () => {
  let tessera;
  let userPool;
  const username = unique('alice');
  const email = `${username}@example.com`;
  const pw = password();
  let confirmed; // the sign-up and confirmation, done once, awaited by every test that signs in

  const newUser = () => new CognitoUser({ Username: username, Pool: userPool, Storage: userPool.storage });
  const signIn = async (flow) => {
    await confirmed;
    const user = newUser();
    if (flow) user.setAuthenticationFlowType(flow);
    const session = await authenticate(user, username, pw);
    return { user, session };
  };

  before(async () => {
    tessera = await createPool();
    userPool = new CognitoUserPool({
      UserPoolId: tessera.poolId,
      ClientId: tessera.clientId,
      endpoint: url,
      Storage: new BrowserLikeStorage(),
    });
    confirmed = (async () => {
      const attrs = [new CognitoUserAttribute({ Name: 'email', Value: email })];
      const result = await signUp(userPool, username, pw, attrs);
      const code = await lastCode(email);
      await confirmRegistration(newUser(), code);
      return result;
    })();
    confirmed.catch(() => {}); // reported by the sign-up test; the others fail on await
  });

  after(async () => {
    await tessera?.delete();
  });

  test('signUp with an email attribute, then confirmRegistration with the emailed code', async () => {
    const result = await confirmed;
    assert.equal(result.userConfirmed, false);
    assert.equal(result.codeDeliveryDetails?.DeliveryMedium, 'EMAIL');
    assert.equal(result.codeDeliveryDetails?.AttributeName, 'email');
    assert.match(result.userSub, /^[0-9a-f-]{36}$/);
  });

  test('SRP sign-in (the default flow) returns valid ID, access and refresh tokens', async () => {
    const { user, session } = await signIn();
    assert.equal(session.isValid(), true, 'the session is valid by its tokens\' exp');
    const id = decodeJwt(session.getIdToken().getJwtToken());
    const access = decodeJwt(session.getAccessToken().getJwtToken());
    assert.equal(id.header.alg, 'RS256');
    assert.equal(id.payload.token_use, 'id');
    assert.equal(id.payload['cognito:username'], username);
    assert.equal(id.payload.email, email);
    assert.equal(id.payload.aud, tessera.clientId);
    assert.equal(id.payload.iss, tessera.issuer);
    assert.equal(access.payload.token_use, 'access');
    assert.equal(access.payload.client_id, tessera.clientId);
    assert.equal(access.payload.username, username);
    assert.equal(access.payload.sub, id.payload.sub);
    assert.ok(session.getRefreshToken().getToken(), 'a refresh token');
    // identity-js keeps the user id the server named in USER_ID_FOR_SRP.
    assert.equal(user.getUsername(), username);
  });

  test('a wrong password is refused with NotAuthorizedException (SRP and USER_PASSWORD_AUTH)', async () => {
    await confirmed;
    await rejectsWith(authenticate(newUser(), username, `${pw}x`), 'NotAuthorizedException', 'SRP with a wrong password');
    const user = newUser();
    user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
    await rejectsWith(authenticate(user, username, `${pw}x`), 'NotAuthorizedException', 'USER_PASSWORD_AUTH with a wrong password');
  });

  test('getUserAttributes reads the user with the access token', async () => {
    const { user, session } = await signIn();
    const attrs = Object.fromEntries((await getUserAttributes(user)).map((a) => [a.getName(), a.getValue()]));
    assert.equal(attrs.email, email);
    assert.equal(attrs.email_verified, 'true');
    assert.equal(attrs.sub, decodeJwt(session.getIdToken().getJwtToken()).payload.sub);
  });

  test('refreshSession with the refresh token gives a new access token', async () => {
    const { user, session } = await signIn();
    const before = session.getAccessToken().getJwtToken();
    const fresh = await refreshSession(user, session.getRefreshToken());
    const after = fresh.getAccessToken().getJwtToken();
    assert.notEqual(after, before, 'the refreshed access token differs');
    const old = decodeJwt(before).payload;
    const now = decodeJwt(after).payload;
    assert.notEqual(now.jti, old.jti);
    assert.equal(now.sub, old.sub);
    assert.equal(now.origin_jti, old.origin_jti, 'a refresh keeps the sign-in\'s origin_jti');
    assert.equal(now.auth_time, old.auth_time, 'a refresh keeps auth_time');
    assert.equal(fresh.isValid(), true);
    // The new access token works.
    const attrs = await getUserAttributes(user);
    assert.ok(attrs.some((a) => a.getName() === 'email'));
  });

  test('USER_PASSWORD_AUTH sign-in', async () => {
    const { user, session } = await signIn('USER_PASSWORD_AUTH');
    assert.equal(session.isValid(), true);
    assert.equal(decodeJwt(session.getIdToken().getJwtToken()).payload['cognito:username'], username);
    assert.ok(session.getRefreshToken().getToken());
    assert.ok((await getUserAttributes(user)).length > 0);
  });

  test('signOut with a callback revokes that session only (RevokeToken)', async () => {
    const mine = await signIn();
    const access = mine.session.getAccessToken().getJwtToken();
    const refreshToken = mine.session.getRefreshToken().getToken();
    const other = await signIn('USER_PASSWORD_AUTH');

    await revokingSignOut(mine.user);

    await rejectsWith(refresh(tessera.clientId, refreshToken), 'NotAuthorizedException', 'REFRESH_TOKEN_AUTH with the revoked refresh token');
    await rejectsWith(getUser(access), 'NotAuthorizedException', 'GetUser with the revoked session\'s access token');
    assert.ok((await getUserAttributes(other.user)).length > 0, 'the other session lives on');
  });

  test('globalSignOut revokes every session\'s access and refresh tokens', async () => {
    const srp = await signIn();
    const other = await signIn('USER_PASSWORD_AUTH'); // a second session of the same user
    const oldAccess = srp.session.getAccessToken().getJwtToken();
    const oldRefresh = srp.session.getRefreshToken();
    const otherAccess = other.session.getAccessToken().getJwtToken();
    const otherRefresh = other.session.getRefreshToken().getToken();

    await globalSignOut(srp.user);

    await rejectsWith(getUser(oldAccess), 'NotAuthorizedException', 'GetUser with the signed-out access token');
    await rejectsWith(getUser(otherAccess), 'NotAuthorizedException', 'GetUser with the other session\'s access token');
    // The client's own view: a user holding the old session is refused too.
    const stale = newUser();
    stale.setSignInUserSession(srp.session);
    await rejectsWith(getUserAttributes(stale), 'NotAuthorizedException', 'getUserAttributes after globalSignOut');
    await rejectsWith(refresh(tessera.clientId, otherRefresh), 'NotAuthorizedException', 'REFRESH_TOKEN_AUTH with the other session\'s refresh token');
    // identity-js retries every refresh error for about six seconds before giving up.
    await rejectsWith(refreshSession(newUser(), oldRefresh), 'NotAuthorizedException', 'refreshSession with the signed-out refresh token');
  });
});
