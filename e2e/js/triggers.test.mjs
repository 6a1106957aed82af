// Lambda triggers delivered to a webhook: this suite starts its own tessera ($TESSERA_BIN
// serve) with a config whose [[trigger]] entries map function ARNs to a receiver running here
// on node:http, which answers like the Lambda functions would (the event JSON back, with
// `response` filled in). Driven by unmodified clients: amazon-cognito-identity-js for
// CUSTOM_AUTH (define → create → verify, "What is 6 x 7?") and SRP, aws-jwt-verify for the
// tokens a pre token generation V2 trigger changed, and the AWS SDK v3 for the failure paths
// of PreSignUp (the function's error, an answer that is not JSON; no user is left behind).
// A CustomEmailSender receives the sign-up code encrypted with the [[kms_key]] configured for
// the pool's KMSKeyID and decrypts it with node's own AES-GCM, as a sender would.
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as idp from '@aws-sdk/client-cognito-identity-provider';
import identity from 'amazon-cognito-identity-js';
import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

import { startTessera } from './lib/serve.mjs';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = identity;
const SECRET = randomBytes(16).toString('hex'); // the receiver checks X-Tessera-Signature with it
const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const QUESTION = 'What is 6 x 7?';
const KMS_KEY_ID = 'arn:aws:kms:us-east-1:123456789012:key/e2e-sender';
const KMS_KEY = randomBytes(32); // the [[kms_key]] tessera encrypts sender codes with

/** A custom sender's `request.code`: base64(nonce ‖ ciphertext ‖ tag), AES-256-GCM. */
function decryptCode(code) {
  const raw = Buffer.from(code, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', KMS_KEY, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
}

// --- the receiver: one "function" per path --------------------------------------------------

/** Every event received: { path, event, signed } (signed: the HMAC header matched the body). */
const seen = [];

function answer(path, event) {
  const e = structuredClone(event);
  switch (path) {
    case '/define': { // three tries: tokens after a right answer, failure after three wrong ones
      const session = e.request.session ?? [];
      if (session.at(-1)?.challengeResult === true) e.response = { issueTokens: true, failAuthentication: false };
      else if (session.length >= 3) e.response = { issueTokens: false, failAuthentication: true };
      else e.response = { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false };
      return [200, e];
    }
    case '/create':
      e.response = {
        publicChallengeParameters: { question: QUESTION },
        privateChallengeParameters: { answer: '42' },
        challengeMetadata: 'MULTIPLY',
      };
      return [200, e];
    case '/verify':
      e.response = { answerCorrect: e.request.challengeAnswer === e.request.privateChallengeParameters.answer };
      return [200, e];
    case '/tokens': // V2: a claim in both tokens, email out of the ID token, a scope, and a forged sub
      e.response = {
        claimsAndScopeOverrideDetails: {
          idTokenGeneration: { claimsToAddOrOverride: { department: 'research', sub: 'forged' }, claimsToSuppress: ['email'] },
          accessTokenGeneration: { claimsToAddOrOverride: { department: 'research', sub: 'forged' }, scopesToAdd: ['reports/read'] },
        },
      };
      return [200, e];
    case '/sender': // delivers the message itself (here: keeps the event)
      return [200, e];
    case '/refuse':
      return [500, { errorMessage: 'no thanks' }];
    case '/garbage':
      return [200, 'this is not json'];
    default:
      return [404, { errorMessage: `no function at ${path}` }];
  }
}

const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const event = JSON.parse(body.toString('utf8'));
    seen.push({ path: req.url, event, signed: req.headers['x-tessera-signature'] === expected });
    const [status, out] = answer(req.url, event);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof out === 'string' ? out : JSON.stringify(out));
  });
});

/** The events one pool's triggers sent, in order. */
const eventsOf = (poolId) => seen.filter((s) => s.event.userPoolId === poolId);

// --- tessera ---------------------------------------------------------------------------------

// --- helpers ---------------------------------------------------------------------------------

const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const errorName = (err) => (err?.name && err.name !== 'Error' ? err.name : (err?.code ?? err?.name));

/** Awaits `promise`, asserting it fails with the Cognito error `name`; returns the error. */
async function rejectsWith(promise, name, what) {
  const result = await promise.then(
    (ok) => assert.fail(`${what}: expected ${name}, but it succeeded: ${JSON.stringify(ok)?.slice(0, 300)}`),
    (err) => err,
  );
  assert.equal(errorName(result), name, `${what}: expected ${name}, got ${errorName(result)}: ${result?.message}`);
  return result;
}

/** aws-jwt-verify's Fetcher over the global fetch: its own fetcher speaks HTTPS only. */
const fetcher = {
  async fetch(uri) {
    const res = await fetch(uri);
    if (res.status !== 200) throw new Error(`GET ${uri} answered ${res.status}`);
    return res.arrayBuffer();
  },
};
const jwksCache = () => new SimpleJwksCache({ fetcher });

// --- the suite -------------------------------------------------------------------------------

describe('Lambda triggers over webhooks', { timeout: 120_000 }, () => {
  let dir;
  let tessera; // { proc, url, akid, secret }
  let admin; // SDK v3 client, signed with the admin key
  let anonymous; // SDK v3 client without credentials, as apps call the public operations

  before(async () => {
    const bin = process.env.TESSERA_BIN;
    if (!bin) throw new Error('TESSERA_BIN is not set: run through e2e/run.sh, or export TESSERA_BIN=<path to the tessera binary>');
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve)); // first: its port goes in the config
    const base = `http://127.0.0.1:${receiver.address().port}`;
    dir = await mkdtemp(join(tmpdir(), 'tessera-triggers-'));
    const toml = ['define', 'create', 'verify', 'tokens', 'refuse', 'garbage', 'sender']
      .map((n) => `[[trigger]]\narn = "${arn(n)}"\nurl = "${base}/${n}"\nsecret = "${SECRET}"\n`)
      .join('\n') + `\n[[kms_key]]\nid = "${KMS_KEY_ID}"\nkey = "${KMS_KEY.toString('base64')}"\n`;
    await writeFile(join(dir, 'tessera.toml'), toml);
    tessera = await startTessera(bin, { config: join(dir, 'tessera.toml'), dataDir: join(dir, 'data') });
    const common = { endpoint: tessera.url, region: 'us-east-1', maxAttempts: 1 };
    const credentials = { accessKeyId: tessera.akid, secretAccessKey: tessera.secret };
    admin = new idp.CognitoIdentityProviderClient({ ...common, credentials });
    anonymous = new idp.CognitoIdentityProviderClient(common);
  });

  after(async () => {
    admin?.destroy();
    anonymous?.destroy();
    if (tessera?.proc.exitCode === null) {
      const exited = new Promise((resolve) => tessera.proc.once('exit', resolve));
      tessera.proc.kill('SIGTERM');
      setTimeout(() => tessera.proc.kill('SIGKILL'), 5_000).unref(); // should it not stop
      await exited;
    }
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A pool with `LambdaConfig`, an app client without a secret, and a confirmed user. */
  async function setup(LambdaConfig, ExplicitAuthFlows) {
    const { UserPool } = await admin.send(new idp.CreateUserPoolCommand({ PoolName: `trg-${randomBytes(3).toString('hex')}`, LambdaConfig }));
    const { UserPoolClient } = await admin.send(
      new idp.CreateUserPoolClientCommand({ UserPoolId: UserPool.Id, ClientName: 'js-triggers', ExplicitAuthFlows }),
    );
    const username = `user-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-9aZ!`;
    const UserAttributes = [{ Name: 'email', Value: `${username}@example.com` }, { Name: 'email_verified', Value: 'true' }];
    await admin.send(new idp.AdminCreateUserCommand({ UserPoolId: UserPool.Id, Username: username, MessageAction: 'SUPPRESS', UserAttributes }));
    await admin.send(new idp.AdminSetUserPasswordCommand({ UserPoolId: UserPool.Id, Username: username, Password: password, Permanent: true }));
    const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint: tessera.url });
    return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId, username, password, pool };
  }

  test('CUSTOM_AUTH through identity-js: a wrong answer, another challenge, the right answer, tokens', async () => {
    const t = await setup(
      { DefineAuthChallenge: arn('define'), CreateAuthChallenge: arn('create'), VerifyAuthChallengeResponse: arn('verify') },
      ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    );
    const user = new CognitoUser({ Username: t.username, Pool: t.pool });
    user.setAuthenticationFlowType('CUSTOM_AUTH');
    const questions = [];
    const session = await new Promise((resolve, reject) => {
      const callbacks = {
        customChallenge(params) {
          questions.push(params);
          // The first answer is wrong; Define asks again, and the second is right.
          user.sendCustomChallengeAnswer(questions.length === 1 ? '41' : '42', callbacks);
        },
        onSuccess: resolve,
        onFailure: reject,
      };
      user.initiateAuth(new AuthenticationDetails({ Username: t.username }), callbacks);
    });
    assert.equal(questions.length, 2, 'two challenges: after 41, another one');
    for (const q of questions) assert.equal(q.question, QUESTION);
    assert.equal(session.isValid(), true);
    const access = session.getAccessToken().getJwtToken();
    const me = await anonymous.send(new idp.GetUserCommand({ AccessToken: access }));
    assert.equal(me.Username, t.username);
    assert.equal(decode(access).client_id, t.clientId);
    assert.ok(session.getRefreshToken().getToken(), 'a refresh token');

    // define → create → verify (41) → define → create → verify (42) → define (issueTokens).
    const events = eventsOf(t.poolId);
    assert.deepEqual(events.map((s) => s.path), ['/define', '/create', '/verify', '/define', '/create', '/verify', '/define']);
    assert.ok(events.every((s) => s.signed), 'every event carries a valid X-Tessera-Signature');
    const [d1, c1, v1, d2, c2, v2, d3] = events.map((s) => s.event);
    const wrong = { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'MULTIPLY' };
    const right = { ...wrong, challengeResult: true };
    assert.deepEqual([d1, d2, d3].map((e) => e.request.session), [[], [wrong], [wrong, right]]);
    assert.deepEqual([c1, c2].map((e) => e.request.session), [[], [wrong]]);
    assert.deepEqual([d1, c1, v1].map((e) => e.triggerSource), [
      'DefineAuthChallenge_Authentication', 'CreateAuthChallenge_Authentication', 'VerifyAuthChallengeResponse_Authentication',
    ]);
    assert.equal(c1.request.challengeName, 'CUSTOM_CHALLENGE');
    assert.deepEqual([v1, v2].map((e) => e.request.challengeAnswer), ['41', '42']);
    assert.deepEqual(v1.request.privateChallengeParameters, { answer: '42' });
    for (const e of [d1, c1, v1]) {
      assert.equal(e.userName, t.username);
      assert.equal(e.callerContext.clientId, t.clientId);
      assert.notEqual(e.request.userNotFound, true);
      assert.equal(e.request.userAttributes.email, `${t.username}@example.com`);
    }

    // Three wrong answers: Define fails the sign-in.
    const again = new CognitoUser({ Username: t.username, Pool: t.pool });
    again.setAuthenticationFlowType('CUSTOM_AUTH');
    let tries = 0;
    await rejectsWith(new Promise((resolve, reject) => {
      const callbacks = { customChallenge: () => again.sendCustomChallengeAnswer(String(tries++), callbacks), onSuccess: resolve, onFailure: reject };
      again.initiateAuth(new AuthenticationDetails({ Username: t.username }), callbacks);
    }), 'NotAuthorizedException', 'three wrong answers');
    assert.equal(tries, 3);
  });

  test('pre token generation V2: a claim added to both tokens, email suppressed, a scope added (aws-jwt-verify)', async () => {
    const t = await setup(
      { PreTokenGenerationConfig: { LambdaArn: arn('tokens'), LambdaVersion: 'V2_0' } },
      ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    );
    const user = new CognitoUser({ Username: t.username, Pool: t.pool });
    const session = await new Promise((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: t.username, Password: t.password }), { onSuccess: resolve, onFailure: reject }),
    );
    const issuer = `${tessera.url}/${t.poolId}`;
    const common = { issuer, jwksUri: `${issuer}/.well-known/jwks.json` };
    const id = await JwtVerifier.create(
      { ...common, audience: t.clientId, customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'id', clientId: t.clientId }) },
      { jwksCache: jwksCache() },
    ).verify(session.getIdToken().getJwtToken());
    const access = await JwtVerifier.create(
      {
        ...common,
        audience: null, // access tokens carry client_id, checked by validateCognitoJwtFields
        scope: 'reports/read', // aws-jwt-verify's own scope check
        customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: t.clientId }),
      },
      { jwksCache: jwksCache() },
    ).verify(session.getAccessToken().getJwtToken());

    const { UserAttributes } = await admin.send(new idp.AdminGetUserCommand({ UserPoolId: t.poolId, Username: t.username }));
    const sub = UserAttributes.find((a) => a.Name === 'sub').Value;
    assert.equal(id.department, 'research');
    assert.equal(access.department, 'research');
    assert.equal(id.email, undefined, 'email suppressed from the ID token');
    assert.equal(id.email_verified, true, 'only email was suppressed');
    assert.equal(access.scope, 'aws.cognito.signin.user.admin reports/read');
    assert.equal(id.sub, sub, 'sub is protected in the ID token');
    assert.equal(access.sub, sub, 'sub is protected in the access token');
    assert.equal(id['cognito:username'], t.username);

    const [event] = eventsOf(t.poolId).map((s) => s.event);
    assert.equal(event.version, '2');
    assert.equal(event.triggerSource, 'TokenGeneration_Authentication');
    assert.deepEqual(event.request.scopes, ['aws.cognito.signin.user.admin']);
    assert.equal(event.request.userAttributes.sub, sub);
    assert.ok(event.request.groupConfiguration, 'groupConfiguration');
  });

  test('CustomEmailSender: identity-js signs up, the sender decrypts the code, identity-js confirms and signs in', async () => {
    const { UserPool } = await admin.send(new idp.CreateUserPoolCommand({
      PoolName: `trg-${randomBytes(3).toString('hex')}`,
      AutoVerifiedAttributes: ['email'],
      LambdaConfig: { CustomEmailSender: { LambdaArn: arn('sender'), LambdaVersion: 'V1_0' }, KMSKeyID: KMS_KEY_ID },
    }));
    const { UserPoolClient } = await admin.send(new idp.CreateUserPoolClientCommand({
      UserPoolId: UserPool.Id, ClientName: 'js-sender', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }));
    const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint: tessera.url });
    const username = `sender-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-9aZ!`;
    const email = new identity.CognitoUserAttribute({ Name: 'email', Value: `${username}@example.com` });
    const signedUp = await new Promise((resolve, reject) =>
      pool.signUp(username, password, [email], [], (err, r) => (err ? reject(err) : resolve(r)), { campaign: 'e2e' }),
    );
    assert.equal(signedUp.userConfirmed, false);
    assert.equal(signedUp.codeDeliveryDetails.DeliveryMedium, 'EMAIL');

    const [sent] = eventsOf(UserPool.Id);
    assert.equal(sent.path, '/sender');
    assert.ok(sent.signed);
    assert.equal(sent.event.triggerSource, 'CustomEmailSender_SignUp');
    assert.equal(sent.event.request.type, 'customEmailSenderRequestV1');
    assert.equal(sent.event.request.userAttributes.email, `${username}@example.com`);
    assert.deepEqual(sent.event.request.clientMetadata, { campaign: 'e2e' });
    const code = decryptCode(sent.event.request.code);
    assert.match(code, /^\d{6}$/);

    const user = new CognitoUser({ Username: username, Pool: pool });
    await new Promise((resolve, reject) => user.confirmRegistration(code, true, (err, r) => (err ? reject(err) : resolve(r))));
    const session = await new Promise((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), { onSuccess: resolve, onFailure: reject }),
    );
    assert.equal(decode(session.getIdToken().getJwtToken()).email_verified, true);
  });

  test('PreSignUp failures: the function\'s error, an answer that is not JSON; no user is created', async () => {
    // The pool's user is created first: PreSignUp also judges AdminCreateUser.
    const t = await setup({}, ['ALLOW_USER_SRP_AUTH']);
    await admin.send(new idp.UpdateUserPoolCommand({ UserPoolId: t.poolId, LambdaConfig: { PreSignUp: arn('refuse') } }));
    const signUp = (Username) => anonymous.send(new idp.SignUpCommand({
      ClientId: t.clientId, Username, Password: t.password, UserAttributes: [{ Name: 'email', Value: `${Username}@example.com` }],
    }));
    const gone = (Username, what) =>
      rejectsWith(admin.send(new idp.AdminGetUserCommand({ UserPoolId: t.poolId, Username })), 'UserNotFoundException', what);

    const refused = await rejectsWith(signUp('refused'), 'UserLambdaValidationException', 'PreSignUp answering 500');
    assert.equal(refused.message, 'PreSignUp failed with error no thanks.');
    await gone('refused', 'the refused user');

    await admin.send(new idp.UpdateUserPoolCommand({ UserPoolId: t.poolId, LambdaConfig: { PreSignUp: arn('garbage') } }));
    await rejectsWith(signUp('garbled'), 'InvalidLambdaResponseException', 'PreSignUp answering text');
    await gone('garbled', 'the user of the garbled answer');

    const events = eventsOf(t.poolId);
    assert.deepEqual(events.map((s) => [s.path, s.event.triggerSource, s.event.userName]), [
      ['/refuse', 'PreSignUp_SignUp', 'refused'],
      ['/garbage', 'PreSignUp_SignUp', 'garbled'],
    ]);
    assert.ok(events.every((s) => s.signed));
  });
});
