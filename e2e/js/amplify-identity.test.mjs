// Amplify JS v6 in Chromium with an identity pool next to the user pool (Auth.Cognito's
// identityPoolId, identityPoolEndpoint and allowGuestAccess): fetchAuthSession gives guest
// credentials before sign-in, the signed-in user's after it (the guest identity linked to the
// login: the same identity id, kept across fetchAuthSession calls and a forced refresh), and
// guest credentials again after signOut; signing in again finds the user's identity. Amplify
// sends the ID token's issuer without its scheme as the Logins key, while the pool is
// configured with the cognito-idp.us-east-1.amazonaws.com/<id> provider name. The credentials
// the page returns are moto's (the STS e2e/run.sh starts): GetCallerIdentity, called from
// Node, names the role Tessera picked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as ci from '@aws-sdk/client-cognito-identity';

import { call, launch, openPage, servePage } from './lib/browser.mjs';
import {
  ROLE,
  assertAssumed,
  callerArn,
  cognitoProvider,
  identityAdmin,
  identityAnonymous,
  issuerProvider,
} from './lib/identity.mjs';
import { createPool, createUser, decodeJwt, unique, url } from './lib/tessera.mjs';

const GUID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Amplify JS v6 in Chromium with an identity pool', { timeout: 150_000 }, () => {
  const admin = identityAdmin();
  const anonymous = identityAnonymous();
  let browser;
  let site;
  let tessera; // the user pool
  let identityPoolId;

  before(async () => {
    [browser, site, tessera] = await Promise.all([launch(), servePage(), createPool()]);
    const created = await admin.send(new ci.CreateIdentityPoolCommand({
      IdentityPoolName: unique('js_amplify').replace(/-/g, '_'),
      AllowUnauthenticatedIdentities: true,
      CognitoIdentityProviders: [{ ProviderName: cognitoProvider(tessera.poolId), ClientId: tessera.clientId }],
    }));
    identityPoolId = created.IdentityPoolId;
    await admin.send(new ci.SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: ROLE }));
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    if (identityPoolId) await admin.send(new ci.DeleteIdentityPoolCommand({ IdentityPoolId: identityPoolId })).catch(() => {});
    await tessera?.delete();
    admin.destroy();
    anonymous.destroy();
  });

  test('fetchAuthSession: guest, signed in (same identity across refreshes), guest again after signOut', async () => {
    const user = await createUser(tessera.poolId);
    const opened = await openPage(
      browser,
      site.origin,
      { userPoolId: tessera.poolId, userPoolClientId: tessera.clientId, userPoolEndpoint: url, identityPoolId },
      url,
    );
    // The Logins keys Amplify sends with GetId and GetCredentialsForIdentity.
    const logins = [];
    opened.page.on('request', (req) => {
      const target = req.headers()['x-amz-target'] ?? '';
      if (!target.startsWith('AWSCognitoIdentityService.')) return;
      const body = JSON.parse(req.postData() || '{}');
      logins.push({ op: target.split('.').pop(), keys: Object.keys(body.Logins ?? {}), identityId: body.IdentityId ?? null });
    });
    const context = () => `\nidentity calls: ${JSON.stringify(logins)}\n${opened.describe()}`;
    const session = (options) => call(opened, 'sessionStep', options);
    try {
      // A guest: GetId, then GetCredentialsForIdentity without logins; the guest role.
      const guest = await session();
      assert.equal(guest.idToken, null, context());
      assert.match(guest.identityId ?? '', GUID, `a guest identity${context()}`);
      assert.ok(guest.credentials?.accessKeyId && guest.credentials.sessionToken, `guest credentials${context()}`);
      assertAssumed(await callerArn(guest.credentials), ROLE.unauthenticated, 'Amplify\'s guest credentials');
      assert.deepEqual(logins.map((l) => l.op), ['GetId', 'GetCredentialsForIdentity'], context());
      assert.deepEqual(logins.flatMap((l) => l.keys), [], `no logins for a guest${context()}`);
      const guestAgain = await session();
      assert.equal(guestAgain.identityId, guest.identityId, 'the guest identity is kept');

      // Signed in: GetCredentialsForIdentity with the guest identity and the login links them.
      await call(opened, 'signInStep', { username: user.username, password: user.password });
      const before = logins.length;
      const signedIn = await session();
      const sub = decodeJwt(signedIn.idToken).payload.sub;
      assert.equal(signedIn.userSub, sub, context());
      const authCalls = logins.slice(before);
      assert.deepEqual(authCalls.map((l) => [l.op, l.keys, l.identityId]), [
        ['GetCredentialsForIdentity', [issuerProvider(tessera.poolId)], guest.identityId],
      ], `Amplify sends the issuer without scheme as the Logins key, with the guest identity${context()}`);
      assert.equal(signedIn.identityId, guest.identityId, `the guest identity is now the user's${context()}`);
      assert.notEqual(signedIn.credentials.accessKeyId, guest.credentials.accessKeyId, 'new credentials');
      assertAssumed(await callerArn(signedIn.credentials), ROLE.authenticated, 'Amplify\'s credentials after signIn');

      // Repeated and forced: the same identity; a forced refresh brings new tokens and credentials.
      const cached = await session();
      assert.equal(cached.identityId, signedIn.identityId, context());
      assert.equal(cached.credentials.accessKeyId, signedIn.credentials.accessKeyId, 'Amplify keeps its credentials');
      const forced = await session({ forceRefresh: true });
      assert.equal(forced.identityId, signedIn.identityId, `the same identity after forceRefresh${context()}`);
      assert.notEqual(forced.idToken, signedIn.idToken, 'a new ID token');
      assert.notEqual(forced.credentials.accessKeyId, signedIn.credentials.accessKeyId, `new credentials after forceRefresh${context()}`);
      assertAssumed(await callerArn(forced.credentials), ROLE.authenticated, 'credentials after forceRefresh');

      // The server agrees: the identity carries the login, under either spelling of its key.
      const described = await admin.send(new ci.DescribeIdentityCommand({ IdentityId: signedIn.identityId }));
      assert.deepEqual(described.Logins, [cognitoProvider(tessera.poolId)]);
      const byProvider = await anonymous.send(new ci.GetIdCommand({
        IdentityPoolId: identityPoolId,
        Logins: { [cognitoProvider(tessera.poolId)]: forced.idToken },
      }));
      assert.equal(byProvider.IdentityId, signedIn.identityId, 'GetId with the configured provider name finds it');

      // Signed out: a fresh guest identity, guest credentials.
      await call(opened, 'signOutStep');
      const afterSignOut = await session();
      assert.equal(afterSignOut.idToken, null, context());
      assert.match(afterSignOut.identityId ?? '', GUID, context());
      assert.notEqual(afterSignOut.identityId, signedIn.identityId, `Amplify forgot the user's identity${context()}`);
      assertAssumed(await callerArn(afterSignOut.credentials), ROLE.unauthenticated, 'Amplify\'s credentials after signOut');

      // Signing in again: the new guest identity comes with a login already linked to the
      // user's identity, and the answer is the user's identity.
      await call(opened, 'signInStep', { username: user.username, password: user.password });
      const back = await session();
      assert.equal(back.identityId, signedIn.identityId, `the user's identity again${context()}`);
      assertAssumed(await callerArn(back.credentials), ROLE.authenticated, 'credentials after signing in again');

      assert.deepEqual(opened.log.errors, [], `no console errors${context()}`);
      assert.deepEqual(opened.log.failed, [], `no failed requests${context()}`);
    } finally {
      await opened.context.close();
    }
  });
});
