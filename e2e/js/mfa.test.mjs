// Multi-factor sign-in with amazon-cognito-identity-js, unmodified, in Node against Tessera:
// a software token set up by a signed-in user and then asked for, SMS codes read from the
// development outbox, a token set up during sign-in when the pool requires MFA, and (with the
// AWS SDK v3, as identity-js has no callback for it) email one-time codes. TOTP codes are
// computed here (RFC 6238: HMAC-SHA1, 30-second steps, six digits) with node:crypto.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, test } from 'node:test';

import {
  AdminSetUserMFAPreferenceCommand,
  AdminUpdateUserAttributesCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import identity from 'amazon-cognito-identity-js';

import { admin, anonymous, createPool, createUser, decodeJwt, getUser, lastCode, outbox, rejectsWith, url } from './lib/tessera.mjs';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = identity;

// --- RFC 6238, written here so the server's implementation is checked by another ----------

/** RFC 4648 base32 (the SecretCode of AssociateSoftwareToken) to bytes. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    assert.ok(v >= 0, `not base32: ${text}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The six-digit code of the 30-second step that holds `ms` (Unix milliseconds). */
function totp(secret, ms = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const h = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const o = h[19] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// A time step once used (VerifySoftwareToken included) is refused afterwards; the server
// accepts one step of drift, so a sign-in right after verifying answers with the next step.
const nextCode = (secret) => totp(secret, Date.now() + 30_000);

/** A code that no step near now produces (for the wrong-code cases). */
function wrongCode(secret) {
  const near = [-30_000, 0, 30_000, 60_000].map((d) => totp(secret, Date.now() + d));
  return ['000000', '111111', '222222'].find((c) => !near.includes(c));
}

// --- identity-js, promisified --------------------------------------------------------------

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

const identityPool = (tessera) =>
  new CognitoUserPool({ UserPoolId: tessera.poolId, ClientId: tessera.clientId, endpoint: url, Storage: new BrowserLikeStorage() });

const cognitoUser = (pool, username) => new CognitoUser({ Username: username, Pool: pool, Storage: pool.storage });

/**
 * authenticateUser (SRP); resolves with the callback identity-js called: `{ step: 'onSuccess',
 * session }` or `{ step: 'totpRequired' | 'mfaRequired' | 'mfaSetup' | …, name, params }`.
 */
const authenticate = (user, username, pw) =>
  new Promise((resolve, reject) => {
    const step = (name) => (challenge, params) => resolve({ step: name, name: challenge, params });
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), {
      onSuccess: (session) => resolve({ step: 'onSuccess', session }),
      onFailure: reject,
      newPasswordRequired: step('newPasswordRequired'),
      mfaRequired: step('mfaRequired'),
      totpRequired: step('totpRequired'),
      customChallenge: step('customChallenge'),
      mfaSetup: step('mfaSetup'),
      selectMFAType: step('selectMFAType'),
    });
  });

/** authenticateUser that must end in the callback `want`; the result of authenticate. */
async function expectStep(user, username, pw, want) {
  const got = await authenticate(user, username, pw);
  assert.equal(got.step, want, `authenticateUser called ${got.step} (${got.name ?? ''}) instead of ${want}`);
  return got;
}

const sendMFACode = (user, code, mfaType) =>
  new Promise((resolve, reject) => user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, mfaType));

/** associateSoftwareToken: with the user's tokens when signed in, else with its challenge session. */
const associateSoftwareToken = (user) =>
  new Promise((resolve, reject) => user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));

const verifySoftwareToken = (user, code, deviceName) =>
  new Promise((resolve, reject) => user.verifySoftwareToken(code, deviceName, { onSuccess: resolve, onFailure: reject }));

const setUserMfaPreference = (user, sms, softwareToken) =>
  new Promise((resolve, reject) => user.setUserMfaPreference(sms, softwareToken, (err, r) => (err ? reject(err) : resolve(r))));

const getUserData = (user) =>
  new Promise((resolve, reject) => user.getUserData((err, data) => (err ? reject(err) : resolve(data)), { bypassCache: true }));

/** The session's tokens name the user and work with GetUser. */
async function assertSignedIn(session, username) {
  assert.equal(session.isValid(), true);
  assert.equal(decodeJwt(session.getIdToken().getJwtToken()).payload['cognito:username'], username);
  const me = await getUser(session.getAccessToken().getJwtToken());
  assert.equal(me.Username, username);
}

const mfaConfig = (poolId, props) => admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, ...props }));

// --- the suite ---------------------------------------------------------------------------

describe('MFA with amazon-cognito-identity-js', { timeout: 120_000 }, () => {
  const pools = [];
  const newPool = async (mfa) => {
    const tessera = await createPool();
    pools.push(tessera);
    await mfaConfig(tessera.poolId, mfa);
    return tessera;
  };

  after(async () => {
    await Promise.all(pools.map((p) => p.delete()));
  });

  test('a signed-in user sets up a software token; sign-in then asks for it (totpRequired)', async () => {
    const tessera = await newPool({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } });
    const pool = identityPool(tessera);
    const { username, password: pw } = await createUser(tessera.poolId);

    // OPTIONAL and no factor yet: the password alone signs in.
    const user = cognitoUser(pool, username);
    await expectStep(user, username, pw, 'onSuccess');

    const secret = await associateSoftwareToken(user);
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 secret');
    // A wrong code is refused with Cognito's exception, which apps check for.
    await assert.rejects(verifySoftwareToken(user, wrongCode(secret), 'phone'), (e) => {
      assert.equal(e.code ?? e.name, 'EnableSoftwareTokenMFAException');
      return true;
    });
    const verified = await verifySoftwareToken(user, totp(secret), 'phone');
    assert.equal(verified.Status, 'SUCCESS');
    assert.equal(await setUserMfaPreference(user, null, { PreferredMfa: true, Enabled: true }), 'SUCCESS');
    const data = await getUserData(user);
    assert.equal(data.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');
    assert.deepEqual(data.UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);

    // A fresh sign-in stops at SOFTWARE_TOKEN_MFA.
    const fresh = cognitoUser(pool, username);
    const challenge = await expectStep(fresh, username, pw, 'totpRequired');
    assert.equal(challenge.name, 'SOFTWARE_TOKEN_MFA');
    await rejectsWith(sendMFACode(fresh, wrongCode(secret), 'SOFTWARE_TOKEN_MFA'), 'CodeMismatchException', 'a wrong TOTP code');
    // The step VerifySoftwareToken used is spent; the same session takes the next one.
    const session = await sendMFACode(fresh, nextCode(secret), 'SOFTWARE_TOKEN_MFA');
    await assertSignedIn(session, username);
  });

  test('SMS MFA: mfaRequired with a masked destination, then the code from the outbox', async () => {
    const tessera = await newPool({
      MfaConfiguration: 'OPTIONAL',
      // Turning SMS MFA on needs an SMS configuration, as in Cognito (Tessera's own sender delivers).
      SmsMfaConfiguration: {
        SmsAuthenticationMessage: 'Your Tessera code: {####}',
        SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::123456789012:role/tessera-sms', ExternalId: 'e2e' },
      },
    });
    const { username, password: pw } = await createUser(tessera.poolId);
    const phone = '+15555550123';
    await admin.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: tessera.poolId,
        Username: username,
        UserAttributes: [{ Name: 'phone_number', Value: phone }],
      }),
    );
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: tessera.poolId, Username: username, SMSMfaSettings: { Enabled: true } }),
    );

    const user = cognitoUser(identityPool(tessera), username);
    const challenge = await expectStep(user, username, pw, 'mfaRequired');
    assert.equal(challenge.name, 'SMS_MFA');
    assert.equal(challenge.params.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
    assert.equal(challenge.params.CODE_DELIVERY_DESTINATION, '+*******0123');
    const code = await lastCode(phone);
    const sms = (await outbox({ destination: phone })).filter((m) => m.destination === phone).at(-1);
    assert.equal(sms.body, `Your Tessera code: ${code}`, 'the pool\'s SMS MFA message');

    await rejectsWith(sendMFACode(user, code === '000000' ? '111111' : '000000'), 'CodeMismatchException', 'a wrong SMS code');
    const session = await sendMFACode(user, code); // mfaType defaults to SMS_MFA
    await assertSignedIn(session, username);
  });

  test('email MFA (EMAIL_OTP) with the AWS SDK v3: identity-js has no callback for it', async () => {
    const tessera = await newPool({
      MfaConfiguration: 'OPTIONAL',
      EmailMfaConfiguration: { Subject: 'Your sign-in code', Message: 'Sign in with {####}' },
    });
    const { username, password: pw, email } = await createUser(tessera.poolId);
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: tessera.poolId,
        Username: username,
        EmailMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );

    const step = await anonymous.send(
      new InitiateAuthCommand({
        ClientId: tessera.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: pw },
      }),
    );
    assert.equal(step.ChallengeName, 'EMAIL_OTP');
    assert.equal(step.AuthenticationResult, undefined);
    assert.equal(step.ChallengeParameters.CODE_DELIVERY_DELIVERY_MEDIUM, 'EMAIL');
    assert.equal(step.ChallengeParameters.CODE_DELIVERY_DESTINATION, `${username[0]}***@e***`);
    const code = await lastCode(email);
    const mail = (await outbox({ destination: email })).filter((m) => m.destination === email).at(-1);
    assert.equal(mail.subject, 'Your sign-in code');
    assert.equal(mail.body, `Sign in with ${code}`);

    const respond = (otp) =>
      anonymous.send(
        new RespondToAuthChallengeCommand({
          ClientId: tessera.clientId,
          ChallengeName: 'EMAIL_OTP',
          Session: step.Session,
          ChallengeResponses: { USERNAME: username, EMAIL_OTP_CODE: otp },
        }),
      );
    await rejectsWith(respond(code === '000000' ? '111111' : '000000'), 'CodeMismatchException', 'a wrong email code');
    const done = await respond(code);
    assert.ok(done.AuthenticationResult?.AccessToken, 'tokens after the emailed code');
    assert.equal((await getUser(done.AuthenticationResult.AccessToken)).Username, username);
  });

  test('MFA required with only TOTP offered: mfaSetup, associate and verify, signed in', async () => {
    const tessera = await newPool({ MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } });
    const pool = identityPool(tessera);
    const { username, password: pw } = await createUser(tessera.poolId);

    const user = cognitoUser(pool, username);
    const challenge = await expectStep(user, username, pw, 'mfaSetup');
    assert.equal(challenge.name, 'MFA_SETUP');
    assert.deepEqual(JSON.parse(challenge.params.MFAS_CAN_SETUP), ['SOFTWARE_TOKEN_MFA']);
    // Not signed in, identity-js passes the MFA_SETUP session to AssociateSoftwareToken, keeps
    // the session it answers, and after VerifySoftwareToken answers MFA_SETUP with the newest.
    const secret = await associateSoftwareToken(user);
    const session = await verifySoftwareToken(user, totp(secret), 'phone');
    await assertSignedIn(session, username);
    const data = await getUserData(user);
    assert.equal(data.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA', 'the token set up at sign-in is the preferred MFA');

    // From now on sign-in asks for the token.
    const again = cognitoUser(pool, username);
    await expectStep(again, username, pw, 'totpRequired');
    await assertSignedIn(await sendMFACode(again, nextCode(secret), 'SOFTWARE_TOKEN_MFA'), username);
  });
});
