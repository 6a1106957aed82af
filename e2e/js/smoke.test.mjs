// The browser harness without sign-in: Debian's Chromium launches through playwright-core, the
// bundled Amplify page loads from its own origin and configures itself with each token storage,
// and Amplify's signUp / confirmSignUp reach Tessera across origins (CORS preflights included).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { call, launch, openPage, servePage } from './lib/browser.mjs';
import { admin, createPool, lastCode, password, unique, url } from './lib/tessera.mjs';

import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';

describe('browser harness', { timeout: 60_000 }, () => {
  let browser;
  let site;
  let tessera;

  before(async () => {
    [browser, site, tessera] = await Promise.all([launch(), servePage(), createPool()]);
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await tessera?.delete();
  });

  const query = (storage) => ({
    userPoolId: tessera.poolId,
    userPoolClientId: tessera.clientId,
    userPoolEndpoint: url,
    storage,
  });

  test('the page loads from another origin and configures Amplify with each token storage', async () => {
    assert.match(browser.version(), /^\d+\./);
    for (const storage of ['local', 'session', 'cookie']) {
      const opened = await openPage(browser, site.origin, query(storage), url);
      try {
        const state = await opened.page.evaluate(() => ({ status: window.tessera.status, storage: window.tessera.storage }));
        assert.deepEqual(state, { status: 'configured', storage }, opened.describe());
        assert.notEqual(new URL(site.origin).port, new URL(url).port, 'the page and Tessera are different origins');
        assert.deepEqual(opened.log.errors, [], `no console errors\n${opened.describe()}`);
      } finally {
        await opened.context.close();
      }
    }
  });

  test('Amplify signUp and confirmSignUp reach Tessera across origins', async () => {
    const opened = await openPage(browser, site.origin, query('local'), url);
    try {
      const username = unique('amp');
      const email = `${username}@example.com`;
      const up = await call(opened, 'signUpFlow', { username, password: password(), email });
      assert.equal(up.isSignUpComplete, false, opened.describe());
      assert.equal(up.nextStep?.signUpStep, 'CONFIRM_SIGN_UP', opened.describe());
      assert.equal(up.nextStep?.codeDeliveryDetails?.deliveryMedium, 'EMAIL', opened.describe());
      assert.match(up.userId ?? '', /^[0-9a-f-]{36}$/, `userId is the new user's sub\n${opened.describe()}`);

      const confirmed = await call(opened, 'confirmFlow', { username, code: await lastCode(email) });
      assert.equal(confirmed.isSignUpComplete, true, opened.describe());
      assert.equal(confirmed.nextStep?.signUpStep, 'DONE', opened.describe());

      const user = await admin.send(new AdminGetUserCommand({ UserPoolId: tessera.poolId, Username: username }));
      assert.equal(user.UserStatus, 'CONFIRMED');
      assert.deepEqual(opened.log.calls.map((c) => `${c.op} ${c.status}`), ['SignUp 200', 'ConfirmSignUp 200'], opened.describe());
      assert.deepEqual(opened.log.failed, [], opened.describe());
    } finally {
      await opened.context.close();
    }
  });
});
