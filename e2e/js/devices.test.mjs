// Remembered devices with amazon-cognito-identity-js, unmodified, in Node against Tessera: a
// pool that tracks devices (a challenge on a new device, remembered only when the user says
// so) and a user with SMS MFA. The first sign-in answers the SMS code and gets
// NewDeviceMetadata, which identity-js confirms by itself (ConfirmDevice with the device's SRP
// verifier); once the device is marked remembered, the next sign-in proves the device with
// DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER instead of MFA; a forgotten device asks for MFA
// again. The device key, group key and random password live in the Storage handed to
// identity-js, shared by the CognitoUser objects as a browser's localStorage would be.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  AdminListDevicesCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminUpdateUserAttributesCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import identity from 'amazon-cognito-identity-js';

import { admin, createPool, createUser, decodeJwt, getUser, lastCode, outbox, url } from './lib/tessera.mjs';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = identity;

/** Storage with localStorage's contract (getItem answers null for a missing key). */
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

// --- identity-js, promisified --------------------------------------------------------------

/**
 * authenticateUser (SRP); resolves with the callback identity-js called: `{ step: 'onSuccess',
 * session, userConfirmationNecessary }` or `{ step: 'mfaRequired' | …, name, params }`.
 */
const authenticate = (user, username, pw) =>
  new Promise((resolve, reject) => {
    const step = (name) => (challenge, params) => resolve({ step: name, name: challenge, params });
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), {
      onSuccess: (session, userConfirmationNecessary) => resolve({ step: 'onSuccess', session, userConfirmationNecessary }),
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

/** sendMFACode; resolves with the session and identity-js's userConfirmationNecessary. */
const sendMFACode = (user, code) =>
  new Promise((resolve, reject) =>
    user.sendMFACode(code, {
      onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }),
      onFailure: reject,
    }),
  );

/** The device calls of identity-js, all `{ onSuccess, onFailure }` (listDevices takes more). */
const deviceCall = (user, method, ...args) =>
  new Promise((resolve, reject) => user[method](...args, { onSuccess: resolve, onFailure: reject }));

// --- the suite ---------------------------------------------------------------------------

describe('remembered devices with amazon-cognito-identity-js', { timeout: 120_000 }, () => {
  const phone = '+15555550188';
  const storage = new BrowserLikeStorage(); // shared by every CognitoUser below: the "browser"
  let tessera;
  let pool;
  let username;
  let pw;
  let deviceKey; // confirmed by identity-js at the first sign-in
  let firstUser; // the CognitoUser of the first sign-in, still signed in

  /** A fresh CognitoUser (as after a page reload) over the shared storage. */
  const newUser = () => new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  /** What identity-js keeps for the device, under its documented storage keys. */
  const stored = (item) => storage.getItem(`CognitoIdentityServiceProvider.${tessera.clientId}.${username}.${item}`);
  const smsCount = async () => (await outbox({ destination: phone })).filter((m) => m.destination === phone).length;
  const adminDevices = async () =>
    (await admin.send(new AdminListDevicesCommand({ UserPoolId: tessera.poolId, Username: username }))).Devices;
  const attr = (device, name) => device.DeviceAttributes.find((a) => a.Name === name)?.Value;

  /** SMS MFA from mfaRequired to tokens; the result of sendMFACode. */
  async function signInWithSms(user) {
    const challenge = await expectStep(user, username, pw, 'mfaRequired');
    assert.equal(challenge.name, 'SMS_MFA');
    return sendMFACode(user, await lastCode(phone));
  }

  before(async () => {
    tessera = await createPool({
      poolProps: { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } },
    });
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: tessera.poolId,
        MfaConfiguration: 'OPTIONAL',
        SmsMfaConfiguration: {
          SmsAuthenticationMessage: 'Your code: {####}',
          SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::123456789012:role/tessera-sms', ExternalId: 'e2e' },
        },
      }),
    );
    ({ username, password: pw } = await createUser(tessera.poolId));
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
    pool = new CognitoUserPool({ UserPoolId: tessera.poolId, ClientId: tessera.clientId, endpoint: url, Storage: storage });
  });

  after(async () => {
    await tessera?.delete();
  });

  // Each test builds on the one before: the device confirmed here is remembered, used, forgotten.
  test('first sign-in: SMS MFA, then identity-js confirms the new device (userConfirmationNecessary)', async () => {
    const user = (firstUser = newUser());
    const { session, userConfirmationNecessary } = await signInWithSms(user);
    // NewDeviceMetadata came back with the tokens: identity-js sent ConfirmDevice and, as the
    // pool remembers devices only on the user's prompt, passes UserConfirmationNecessary on.
    assert.equal(userConfirmationNecessary, true, 'onSuccess(session, userConfirmationNecessary === true)');
    deviceKey = stored('deviceKey');
    assert.match(deviceKey ?? '', /^us-east-1_[0-9a-f-]{36}$/, `the device key identity-js stored: ${deviceKey}`);
    assert.ok(stored('deviceGroupKey'), 'the device group key is stored');
    assert.ok(stored('randomPasswordKey'), "the device's random password is stored");
    assert.equal(decodeJwt(session.getAccessToken().getJwtToken()).payload.device_key, deviceKey);

    // Confirmed, but not remembered until the user says so.
    const [device, ...others] = await adminDevices();
    assert.deepEqual(others, [], 'one device');
    assert.equal(device.DeviceKey, deviceKey);
    assert.equal(attr(device, 'device_remembered_status'), 'not_remembered');
    assert.equal(attr(device, 'device_name'), 'nodejs', "identity-js names the device after the user agent ('nodejs' in Node)");

    // The user says "remember this device".
    assert.equal(await deviceCall(user, 'setDeviceStatusRemembered'), 'SUCCESS');
    const [remembered] = await adminDevices();
    assert.equal(remembered.DeviceKey, deviceKey);
    assert.equal(attr(remembered, 'device_remembered_status'), 'remembered');

    // GetDevice and ListDevices with the user's own access token.
    const { Device } = await deviceCall(user, 'getDevice');
    assert.equal(Device.DeviceKey, deviceKey);
    assert.equal(attr(Device, 'device_remembered_status'), 'remembered');
    const listed = await deviceCall(user, 'listDevices', 10, null);
    assert.deepEqual(
      listed.Devices.map((d) => d.DeviceKey),
      [deviceKey],
    );
  });

  test('second sign-in on the remembered device: device SRP instead of MFA', async () => {
    assert.ok(deviceKey, 'needs the device of the first test');
    const sent = await smsCount();
    // A new CognitoUser reads the device from storage only once InitiateAuth has answered, so
    // DEVICE_KEY goes with the PASSWORD_VERIFIER responses, not with InitiateAuth (Cognito
    // takes it there); the server answers DEVICE_SRP_AUTH and identity-js proves the device
    // (getDeviceResponse) before onSuccess. An mfaRequired here means the device was not used.
    const user = newUser();
    const { session, userConfirmationNecessary } = await expectStep(user, username, pw, 'onSuccess');
    assert.equal(userConfirmationNecessary, undefined, 'no new device to confirm');
    assert.equal(await smsCount(), sent, 'no SMS code sent');
    assert.equal(decodeJwt(session.getAccessToken().getJwtToken()).payload.device_key, deviceKey);
    assert.equal((await getUser(session.getAccessToken().getJwtToken())).Username, username);
    assert.equal(stored('deviceKey'), deviceKey, 'the same device');
    assert.deepEqual(
      (await adminDevices()).map((d) => d.DeviceKey),
      [deviceKey],
      'no other device was tracked',
    );
  });

  test('forgetDevice, then sign-in asks for MFA again', async () => {
    assert.ok(firstUser, 'needs the sign-in of the first test');
    // The user, still signed in from the first test, forgets this device (ForgetDevice with
    // the device key identity-js holds); identity-js clears it from storage.
    assert.equal(await deviceCall(firstUser, 'forgetDevice'), 'SUCCESS');
    assert.equal(stored('deviceKey'), null, 'identity-js drops the device from storage');
    assert.deepEqual(await adminDevices(), [], 'the server forgot it');

    // No device now: SMS MFA, and a new device to confirm.
    const again = newUser();
    const { session, userConfirmationNecessary } = await signInWithSms(again);
    assert.equal(userConfirmationNecessary, true);
    const fresh = stored('deviceKey');
    assert.ok(fresh && fresh !== deviceKey, `a new device key (${fresh}), not the forgotten one`);
    assert.equal(decodeJwt(session.getAccessToken().getJwtToken()).payload.device_key, fresh);
  });
});
