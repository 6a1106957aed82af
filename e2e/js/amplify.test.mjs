// Amplify JS v6, unmodified and bundled by esbuild, in Debian's Chromium against Tessera: SRP
// sign-in, session, attributes, forced refresh and global sign-out, once per token storage
// (localStorage, sessionStorage, CookieStorage). The page is served from its own origin, so
// every call is a CORS call. A fourth run uses an app client with refresh-token rotation.
// After the browser signed out, the server is asked from Node
// whether the old tokens are really dead: Amplify's signOut swallows GlobalSignOut's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, launch, openPage, servePage } from './lib/browser.mjs';
import {
  ROTATION,
  createClient,
  createPool,
  createUser,
  decodeJwt,
  getTokensFromRefreshToken,
  getUser,
  refresh,
  rejectsWith,
  url,
} from './lib/tessera.mjs';

const PREFIX = 'CognitoIdentityServiceProvider';
const COOKIE_LIMIT = 4096; // bytes of name + value; browsers drop larger cookies without a word

describe('Amplify JS v6 in Chromium', { timeout: 150_000 }, () => {
  let browser;
  let site;
  let tessera;
  let rotating; // an app client with refresh-token rotation

  before(async () => {
    [browser, site, tessera] = await Promise.all([launch(), servePage(), createPool()]);
    rotating = await createClient(tessera.poolId, { RefreshTokenRotation: ROTATION });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await tessera?.delete();
  });

  const runs = [
    { storage: 'local' },
    { storage: 'session' },
    { storage: 'cookie' },
    { storage: 'local', rotation: true },
  ];
  for (const { storage, rotation } of runs) {
    const name = `signIn (SRP), fetchUserAttributes, forced refresh and global signOut with ${storage} storage${rotation ? ' and refresh-token rotation' : ''}`;
    test(name, async () => {
      const clientId = rotation ? rotating.ClientId : tessera.clientId;
      const user = await createUser(tessera.poolId);
      const opened = await openPage(
        browser,
        site.origin,
        {
          userPoolId: tessera.poolId,
          userPoolClientId: clientId,
          userPoolEndpoint: url,
          storage,
          // The page is served as http://localhost:<port>: CookieStorage gets that domain.
          ...(storage === 'cookie' ? { cookieDomain: 'localhost' } : {}),
        },
        url,
      );
      const context = () => `\n${opened.describe()}`;
      try {
        const out = await call(opened, 'signInFlow', { username: user.username, password: user.password });

        // Sign-in.
        assert.equal(out.signIn.isSignedIn, true, context());
        assert.equal(out.signIn.nextStep?.signInStep, 'DONE', context());
        const ops = opened.log.calls.map((c) => c.op);
        assert.deepEqual(ops.slice(0, 2), ['InitiateAuth', 'RespondToAuthChallenge'], `SRP: InitiateAuth then PASSWORD_VERIFIER${context()}`);
        const first = decodeJwt(out.first.accessToken).payload;
        const firstId = decodeJwt(out.first.idToken).payload;
        assert.equal(out.currentUser.username, user.username, context());
        assert.equal(out.currentUser.userId, firstId.sub, context());
        assert.equal(first.username, user.username);
        assert.equal(first.client_id, clientId);
        assert.ok(out.first.refreshToken, `the refresh token is in the ${storage} storage${context()}`);

        // Attributes, before and after the refresh.
        assert.equal(out.attributes.email, user.email, context());
        assert.equal(out.attributes.email_verified, 'true', context());
        assert.equal(out.attributes.sub, firstId.sub, context());
        assert.equal(out.attributesAfterRefresh.email, user.email, context());

        // Forced refresh: Amplify v6 calls GetTokensFromRefreshToken.
        assert.ok(ops.includes('GetTokensFromRefreshToken'), `the forced refresh called GetTokensFromRefreshToken${context()}`);
        assert.notEqual(out.refreshed.accessToken, out.first.accessToken, `a new access token${context()}`);
        const refreshed = decodeJwt(out.refreshed.accessToken).payload;
        assert.equal(refreshed.sub, first.sub);
        assert.equal(refreshed.origin_jti, first.origin_jti, 'the refresh keeps origin_jti');
        assert.ok(refreshed.exp >= first.exp, 'the refreshed token does not expire earlier');

        // Amplify keeps the refresh token it has unless the answer brings a new one (rotation).
        if (rotation) {
          assert.ok(out.refreshed.refreshToken, context());
          assert.notEqual(out.refreshed.refreshToken, out.first.refreshToken, `Amplify stored the rotated refresh token${context()}`);
        } else {
          assert.equal(out.refreshed.refreshToken, out.first.refreshToken, context());
        }

        // Where the tokens were kept.
        const kept = out.storedWhileSignedIn;
        const names = { local: kept.local, session: kept.session, cookie: kept.cookies.map((c) => c.name) }[storage];
        for (const kind of ['accessToken', 'idToken', 'refreshToken', 'clockDrift']) {
          const key = `${PREFIX}.${clientId}.${user.username}.${kind}`;
          assert.ok(names.includes(key), `${key} is in the ${storage} storage: ${JSON.stringify(kept)}`);
        }
        assert.ok(names.includes(`${PREFIX}.${clientId}.LastAuthUser`), JSON.stringify(kept));
        for (const other of ['local', 'session', 'cookie'].filter((s) => s !== storage)) {
          const there = { local: kept.local, session: kept.session, cookie: kept.cookies }[other];
          assert.deepEqual(there, [], `nothing of Amplify's in the ${other} storage`);
        }
        if (storage === 'cookie') {
          for (const cookie of kept.cookies) {
            assert.ok(cookie.size <= COOKIE_LIMIT, `cookie ${cookie.name} is ${cookie.size} bytes, over ${COOKIE_LIMIT}`);
          }
          const sizes = Object.fromEntries(kept.cookies.map((c) => [c.name.split('.').pop(), c.size]));
          assert.ok(sizes.idToken > 0 && sizes.accessToken > 0 && sizes.refreshToken > 0, `every token kept: ${JSON.stringify(sizes)}`);
        }

        // Global sign-out: the call succeeded, the browser forgot the tokens…
        const signOutCall = opened.log.calls.find((c) => c.op === 'GlobalSignOut');
        assert.equal(signOutCall?.status, 200, `GlobalSignOut answered 200${context()}`);
        assert.equal(out.afterSignOut.accessToken, null, context());
        const gone = out.storedAfterSignOut;
        const left = [...gone.local, ...gone.session, ...gone.cookies.map((c) => c.name)].filter((k) => /Token$/.test(k));
        assert.deepEqual(left, [], 'no token left in the browser');
        // …and the server refuses the old tokens.
        for (const [what, token] of [['first', out.first.accessToken], ['refreshed', out.refreshed.accessToken]]) {
          await rejectsWith(getUser(token), 'NotAuthorizedException', `GetUser with the ${what} access token after the global sign-out`);
        }
        // Rotation: the current refresh token is refused for the sign-out; the rotated-out one
        // may be refused either for that or as reused.
        await rejectsWith(
          (rotation ? getTokensFromRefreshToken : refresh)(clientId, out.refreshed.refreshToken),
          'NotAuthorizedException',
          'refreshing after the global sign-out',
        );
        if (!rotation) {
          await rejectsWith(getTokensFromRefreshToken(clientId, out.first.refreshToken), 'NotAuthorizedException', 'GetTokensFromRefreshToken after the global sign-out');
        }
        assert.deepEqual(opened.log.errors, [], `no console errors${context()}`);
        assert.deepEqual(opened.log.failed, [], `no failed requests${context()}`);
      } finally {
        await opened.context.close();
      }
    });
  }
});
