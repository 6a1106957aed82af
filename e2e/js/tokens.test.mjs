// Refresh, rotation and revocation through the AWS SDK for JavaScript v3, called the way the
// browser SDKs call them (unsigned): GetTokensFromRefreshToken with and without refresh-token
// rotation, REFRESH_TOKEN_AUTH, RevokeToken and GlobalSignOut.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { GlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';

import {
  ROTATION,
  anonymous,
  createClient,
  createPool,
  createUser,
  decodeJwt,
  errorName,
  getTokensFromRefreshToken,
  getUser,
  passwordSignIn,
  refresh,
  rejectsWith,
  revokeToken,
} from './lib/tessera.mjs';

describe('refresh, rotation and revocation (AWS SDK v3)', { timeout: 60_000 }, () => {
  let tessera;
  let rotating; // an app client with refresh-token rotation, no grace period

  before(async () => {
    tessera = await createPool();
    rotating = await createClient(tessera.poolId, { RefreshTokenRotation: ROTATION });
  });

  after(async () => {
    await tessera?.delete();
  });

  test('GetTokensFromRefreshToken without rotation: new access and ID tokens, no new refresh token', async () => {
    const user = await createUser(tessera.poolId);
    const first = await passwordSignIn(tessera.clientId, user.username, user.password);
    const { AuthenticationResult: next } = await getTokensFromRefreshToken(tessera.clientId, first.RefreshToken);
    assert.ok(next?.AccessToken && next?.IdToken, 'new access and ID tokens');
    assert.notEqual(next.AccessToken, first.AccessToken);
    assert.equal(next.RefreshToken, undefined, 'no new refresh token without rotation');
    assert.equal(next.TokenType, 'Bearer');
    assert.equal(next.ExpiresIn, 3600);
    assert.equal(decodeJwt(next.AccessToken).payload.origin_jti, decodeJwt(first.AccessToken).payload.origin_jti);
    // The refresh token stays usable, by both operations.
    assert.ok((await getTokensFromRefreshToken(tessera.clientId, first.RefreshToken)).AuthenticationResult.AccessToken);
    assert.ok((await refresh(tessera.clientId, first.RefreshToken)).AuthenticationResult.AccessToken);
    // And it belongs to its app client.
    const other = await createClient(tessera.poolId);
    await rejectsWith(getTokensFromRefreshToken(other.ClientId, first.RefreshToken), 'NotAuthorizedException', 'a refresh token given to another app client');
  });

  test('GetTokensFromRefreshToken with rotation: a new refresh token, and the old one is dead at once', async () => {
    const user = await createUser(tessera.poolId);
    const first = await passwordSignIn(rotating.ClientId, user.username, user.password);
    const { AuthenticationResult: next } = await getTokensFromRefreshToken(rotating.ClientId, first.RefreshToken);
    assert.ok(next?.AccessToken && next?.IdToken && next?.RefreshToken, 'new access, ID and refresh tokens');
    assert.notEqual(next.RefreshToken, first.RefreshToken);
    // With RetryGracePeriodSeconds 0 the rotated-out token is refused. Cognito has a dedicated
    // error for it (RefreshTokenReuseException); Amplify treats it like NotAuthorizedException.
    let reused;
    try {
      reused = await getTokensFromRefreshToken(rotating.ClientId, first.RefreshToken);
    } catch (err) {
      assert.ok(
        ['RefreshTokenReuseException', 'NotAuthorizedException'].includes(errorName(err)),
        `the rotated-out refresh token: ${errorName(err)}: ${err.message}`,
      );
    }
    assert.equal(reused, undefined, 'the rotated-out refresh token was accepted');
    // The new one works and rotates again.
    const { AuthenticationResult: third } = await getTokensFromRefreshToken(rotating.ClientId, next.RefreshToken);
    assert.ok(third.RefreshToken && third.RefreshToken !== next.RefreshToken);
    // REFRESH_TOKEN_AUTH is not available to an app client with rotation.
    let viaInitiateAuth;
    try {
      viaInitiateAuth = await refresh(rotating.ClientId, third.RefreshToken);
    } catch {
      // refused, as Cognito does
    }
    assert.equal(viaInitiateAuth, undefined, 'REFRESH_TOKEN_AUTH worked on a client with refresh-token rotation');
  });

  test('RevokeToken ends one session (its refresh and access tokens) and leaves the others', async () => {
    const user = await createUser(tessera.poolId);
    const one = await passwordSignIn(tessera.clientId, user.username, user.password);
    const two = await passwordSignIn(tessera.clientId, user.username, user.password);
    const { AuthenticationResult: oneRefreshed } = await refresh(tessera.clientId, one.RefreshToken);

    await revokeToken(tessera.clientId, one.RefreshToken);

    await rejectsWith(refresh(tessera.clientId, one.RefreshToken), 'NotAuthorizedException', 'REFRESH_TOKEN_AUTH with a revoked refresh token');
    await rejectsWith(getUser(one.AccessToken), 'NotAuthorizedException', 'GetUser with an access token of the revoked session');
    await rejectsWith(getUser(oneRefreshed.AccessToken), 'NotAuthorizedException', 'GetUser with a refreshed access token of the revoked session');
    assert.equal((await getUser(two.AccessToken)).Username, user.username, 'the other session lives on');
    assert.ok((await refresh(tessera.clientId, two.RefreshToken)).AuthenticationResult.AccessToken);
    // Another app client cannot revoke it (whatever it answers, the token stays good).
    const other = await createClient(tessera.poolId);
    await revokeToken(other.ClientId, two.RefreshToken).catch(() => {});
    assert.ok((await refresh(tessera.clientId, two.RefreshToken)).AuthenticationResult.AccessToken, 'revoked from another app client');
  });

  test('GlobalSignOut ends every session of the user, and only that user\'s', async () => {
    const user = await createUser(tessera.poolId);
    const bystander = await createUser(tessera.poolId);
    const one = await passwordSignIn(tessera.clientId, user.username, user.password);
    const two = await passwordSignIn(rotating.ClientId, user.username, user.password);
    const theirs = await passwordSignIn(tessera.clientId, bystander.username, bystander.password);

    await anonymous.send(new GlobalSignOutCommand({ AccessToken: one.AccessToken }));

    for (const [what, token] of [['the caller', one.AccessToken], ['another app client', two.AccessToken]]) {
      await rejectsWith(getUser(token), 'NotAuthorizedException', `GetUser with ${what}'s access token`);
    }
    await rejectsWith(refresh(tessera.clientId, one.RefreshToken), 'NotAuthorizedException', 'REFRESH_TOKEN_AUTH after GlobalSignOut');
    await rejectsWith(getTokensFromRefreshToken(rotating.ClientId, two.RefreshToken), 'NotAuthorizedException', 'GetTokensFromRefreshToken after GlobalSignOut');
    await rejectsWith(
      anonymous.send(new GlobalSignOutCommand({ AccessToken: one.AccessToken })),
      'NotAuthorizedException',
      'GlobalSignOut with a signed-out access token',
    );
    assert.equal((await getUser(theirs.AccessToken)).Username, bystander.username, 'another user is not signed out');
    // A new sign-in works again.
    const again = await passwordSignIn(tessera.clientId, user.username, user.password);
    assert.equal((await getUser(again.AccessToken)).Username, user.username);
  });
});
