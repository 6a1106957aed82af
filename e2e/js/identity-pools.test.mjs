// Identity pools (the cognito-identity service) through the AWS SDK for JavaScript v3:
// @aws-sdk/client-cognito-identity (CreateIdentityPool and SetIdentityPoolRoles signed with the
// admin key; GetId, GetCredentialsForIdentity and GetOpenIdToken unsigned, as apps call them)
// and @aws-sdk/credential-providers' fromCognitoIdentityPool, for a guest and for a user-pool
// user signed in with USER_PASSWORD_AUTH. The credentials are moto's (the STS e2e/run.sh
// starts): @aws-sdk/client-sts GetCallerIdentity names the role Tessera chose. Every web
// identity token Tessera sent to STS is verified with aws-jwt-verify against Tessera's identity
// JWKS, and GetOpenIdToken's token with jose via the identity issuer's discovery document.
//
// The second part is an external OpenID Connect provider: npm's oidc-provider, started here on
// 127.0.0.1 with one client, signs a user in through its development interactions (driven
// with fetch and a cookie jar: authorization code + PKCE); a tessera of its own
// ($TESSERA_BIN serve) has the provider in [[identity_oidc_provider]], and the provider's ID
// token gets credentials of the role the pool's rules pick; a token for another audience and a
// tampered one are refused.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as ci from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider from 'oidc-provider';

import {
  ROLE,
  assertAssumed,
  callerArn,
  cognitoProvider,
  identityAdmin,
  identityAnonymous,
  identityIssuer,
  issuerProvider,
  motoUrl,
  verifyOpenIdToken,
  withStsToken,
} from './lib/identity.mjs';
import { startTessera } from './lib/serve.mjs';
import { createClient, createPool, createUser, decodeJwt, passwordSignIn, region, rejectsWith, unique, url } from './lib/tessera.mjs';

const GUID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('identity pools through the AWS SDK v3', { timeout: 120_000 }, () => {
  const admin = identityAdmin();
  const anonymous = identityAnonymous();
  let userPool;
  let identityPoolId;
  let provider; // cognito-idp.us-east-1.amazonaws.com/<user pool id>

  before(async () => {
    userPool = await createPool();
    provider = cognitoProvider(userPool.poolId);
    const created = await admin.send(
      new ci.CreateIdentityPoolCommand({
        IdentityPoolName: unique('js_ids').replace(/-/g, '_'),
        AllowUnauthenticatedIdentities: true,
        CognitoIdentityProviders: [{ ProviderName: provider, ClientId: userPool.clientId, ServerSideTokenCheck: false }],
      }),
    );
    identityPoolId = created.IdentityPoolId;
    await admin.send(new ci.SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: ROLE }));
  });

  after(async () => {
    if (identityPoolId) await admin.send(new ci.DeleteIdentityPoolCommand({ IdentityPoolId: identityPoolId })).catch(() => {});
    await userPool?.delete();
    admin.destroy();
    anonymous.destroy();
  });

  test('CreateIdentityPool, DescribeIdentityPool and GetIdentityPoolRoles, signed with the admin key', async () => {
    assert.match(identityPoolId, GUID);
    const described = await admin.send(new ci.DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
    assert.equal(described.AllowUnauthenticatedIdentities, true);
    assert.deepEqual(described.CognitoIdentityProviders, [
      { ProviderName: provider, ClientId: userPool.clientId, ServerSideTokenCheck: false },
    ]);
    const roles = await admin.send(new ci.GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }));
    assert.deepEqual(roles.Roles, ROLE);

    // Administration is for the admin key only: another key's signature is refused.
    const stranger = identityAdmin(url, { accessKeyId: 'AKIAEXAMPLESTRANGER1', secretAccessKey: 'not-the-secret' });
    const err = await stranger
      .send(new ci.DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }))
      .then(() => assert.fail('DescribeIdentityPool with an unknown key succeeded'), (e) => e);
    assert.ok(err.$metadata?.httpStatusCode >= 400 && err.$metadata.httpStatusCode < 500, `refused with a 4xx: ${err.name} ${err.$metadata?.httpStatusCode}`);
    stranger.destroy();
  });

  test('a guest: GetId, GetCredentialsForIdentity (the guest role) and GetOpenIdToken, unsigned', async () => {
    const { IdentityId } = await anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId }));
    assert.match(IdentityId, GUID);

    const [out, sent] = await withStsToken(
      () => anonymous.send(new ci.GetCredentialsForIdentityCommand({ IdentityId })),
      'GetCredentialsForIdentity for a guest',
    );
    assert.equal(out.IdentityId, IdentityId);
    assert.ok(out.Credentials.AccessKeyId && out.Credentials.SecretKey && out.Credentials.SessionToken, 'three parts of credentials');
    assert.ok(out.Credentials.Expiration instanceof Date && out.Credentials.Expiration > new Date(), `expires later: ${out.Credentials.Expiration}`);
    assertAssumed(await callerArn(out.Credentials), ROLE.unauthenticated, 'guest credentials');

    // The token Tessera gave STS is its own OpenID token for this identity.
    const claims = await verifyOpenIdToken(sent, identityPoolId);
    assert.equal(claims.sub, IdentityId);
    assert.deepEqual(claims.amr, ['unauthenticated']);

    // GetOpenIdToken: verified by jose with the JWKS named by the issuer's discovery document.
    const token = await anonymous.send(new ci.GetOpenIdTokenCommand({ IdentityId }));
    assert.equal(token.IdentityId, IdentityId);
    const discovery = await (await fetch(`${identityIssuer}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, identityIssuer);
    const { payload, protectedHeader } = await jwtVerify(token.Token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: identityIssuer,
      audience: identityPoolId,
      algorithms: ['RS256'],
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.ok(protectedHeader.kid, 'a kid');
    assert.equal(payload.sub, IdentityId);
    assert.deepEqual(payload.amr, ['unauthenticated']);
    assert.ok(payload.exp - payload.iat <= 600 && payload.exp - payload.iat > 0, `a short-lived token: ${payload.exp - payload.iat} s`);

    // A tampered token does not verify.
    const [h, , s] = token.Token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'us-east-1:00000000-0000-0000-0000-000000000000' })).toString('base64url');
    await assert.rejects(verifyOpenIdToken(`${h}.${forged}.${s}`, identityPoolId), /signature/i, 'a tampered OpenID token is refused');
  });

  test('fromCognitoIdentityPool for a signed-in user: the authenticated role, one identity for both Logins keys', async () => {
    const user = await createUser(userPool.poolId);
    const { IdToken } = await passwordSignIn(userPool.clientId, user.username, user.password);
    const { sub } = decodeJwt(IdToken).payload;

    const [creds, sent] = await withStsToken(
      () => fromCognitoIdentityPool({ identityPoolId, logins: { [provider]: IdToken }, clientConfig: { endpoint: url, region } })(),
      'fromCognitoIdentityPool with the user-pool login',
    );
    assert.match(creds.identityId, GUID);
    assert.ok(creds.accessKeyId && creds.secretAccessKey && creds.sessionToken, 'credentials');
    assert.ok(creds.expiration > new Date(), 'not expired');
    assertAssumed(await callerArn(creds), ROLE.authenticated, 'the signed-in user\'s credentials');

    const claims = await verifyOpenIdToken(sent, identityPoolId);
    assert.equal(claims.sub, creds.identityId);
    assert.deepEqual(claims.amr, ['authenticated', provider, `${provider}:CognitoSignIn:${sub}`]);

    // The issuer-without-scheme key (what Amplify sends) proves the same login: same identity.
    const again = await fromCognitoIdentityPool({
      identityPoolId,
      logins: { [issuerProvider(userPool.poolId)]: IdToken },
      clientConfig: { endpoint: url, region },
    })();
    assert.equal(again.identityId, creds.identityId, 'the issuer spelling of the Logins key finds the same identity');
    assertAssumed(await callerArn(again), ROLE.authenticated, 'credentials through the issuer spelling');

    // GetId and GetOpenIdToken with the login, from the plain client.
    const { IdentityId } = await anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [provider]: IdToken } }));
    assert.equal(IdentityId, creds.identityId);
    const open = await anonymous.send(new ci.GetOpenIdTokenCommand({ IdentityId, Logins: { [provider]: IdToken } }));
    const openClaims = await verifyOpenIdToken(open.Token, identityPoolId);
    assert.deepEqual(openClaims.amr, ['authenticated', provider, `${provider}:CognitoSignIn:${sub}`]);

    // The identity lists the login; the guest identity does not answer for it.
    const described = await admin.send(new ci.DescribeIdentityCommand({ IdentityId }));
    assert.deepEqual(described.Logins, [provider]);
    await rejectsWith(
      anonymous.send(new ci.GetOpenIdTokenCommand({ IdentityId })),
      'NotAuthorizedException',
      'GetOpenIdToken without logins for an authenticated identity',
    );

    // An ID token of another app client of the same pool is not this provider's.
    const other = await createClient(userPool.poolId);
    const foreign = await passwordSignIn(other.ClientId, user.username, user.password);
    await rejectsWith(
      anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [provider]: foreign.IdToken } })),
      'NotAuthorizedException',
      'GetId with an ID token of another app client',
    );
    // Nor is an access token.
    const { AccessToken } = await passwordSignIn(userPool.clientId, user.username, user.password);
    await rejectsWith(
      anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [provider]: AccessToken } })),
      'NotAuthorizedException',
      'GetId with an access token',
    );
  });

  test('fromCognitoIdentityPool for a guest: the guest role, and no guests once the pool refuses them', async () => {
    const [creds, sent] = await withStsToken(
      () => fromCognitoIdentityPool({ identityPoolId, clientConfig: { endpoint: url, region } })(),
      'fromCognitoIdentityPool without logins',
    );
    assert.match(creds.identityId, GUID);
    assertAssumed(await callerArn(creds), ROLE.unauthenticated, 'guest credentials from fromCognitoIdentityPool');
    const claims = await verifyOpenIdToken(sent, identityPoolId);
    assert.equal(claims.sub, creds.identityId);
    assert.deepEqual(claims.amr, ['unauthenticated']);

    const guests = await admin.send(new ci.CreateIdentityPoolCommand({
      IdentityPoolName: unique('js_noguests').replace(/-/g, '_'),
      AllowUnauthenticatedIdentities: false,
    }));
    try {
      await rejectsWith(
        fromCognitoIdentityPool({ identityPoolId: guests.IdentityPoolId, clientConfig: { endpoint: url, region } })(),
        'NotAuthorizedException',
        'guest credentials from a pool without guest access',
      );
    } finally {
      await admin.send(new ci.DeleteIdentityPoolCommand({ IdentityPoolId: guests.IdentityPoolId })).catch(() => {});
    }
  });
});

// --- an external OpenID Connect provider -------------------------------------------------------

/** A cookie jar for fetch: cookies by name and path, sent where their path matches. */
class Jar {
  cookies = new Map(); // `${path}\n${name}` -> { name, value, path }

  store(res, requestUrl) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      const attr = Object.fromEntries(attrs.map((a) => { const j = a.indexOf('='); return j < 0 ? [a.toLowerCase(), ''] : [a.slice(0, j).toLowerCase(), a.slice(j + 1)]; }));
      const path = attr.path || new URL(requestUrl).pathname.replace(/\/[^/]*$/, '') || '/';
      const key = `${path}\n${name}`;
      const expired = attr['max-age'] === '0' || (attr.expires && new Date(attr.expires) <= new Date());
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  header(requestUrl) {
    const path = new URL(requestUrl).pathname;
    return [...this.cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** fetch without following redirects, with the jar's cookies; stores what comes back. */
  async fetch(target, init = {}) {
    const res = await fetch(target, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: this.header(target) } });
    this.store(res, target);
    return res;
  }
}

/**
 * The authorization code flow through oidc-provider's development interactions (login form,
 * then consent), as a browser would follow it: returns the token endpoint's answer.
 */
async function signInAtProvider(issuer, client, redirectUri, login) {
  const jar = new Jar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email',
    state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  let next = auth.href;
  const visited = [];
  for (let hop = 0; hop < 12; hop += 1) {
    const res = await jar.fetch(next);
    visited.push(`${res.status} ${new URL(next).pathname}`);
    if (res.status >= 300 && res.status < 400) {
      next = new URL(res.headers.get('location'), next).href;
      if (next.startsWith(redirectUri)) break;
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, `${next} answered ${res.status}: ${html.slice(0, 300)}`);
    // A dev interaction page: a form to post (login with any password, or consent).
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    assert.ok(action, `no form on ${next} (visited: ${visited.join(', ')}): ${html.slice(0, 500)}`);
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input[^>]*>/g)) {
      const name = m[0].match(/name="([^"]+)"/)?.[1];
      if (!name) continue;
      const value = m[0].match(/value="([^"]*)"/)?.[1] ?? '';
      fields.set(name, name === 'login' ? login : name === 'password' ? 'any-password' : value);
    }
    const post = await jar.fetch(new URL(action, next).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
    visited.push(`${post.status} POST ${action}`);
    assert.ok(post.status >= 300 && post.status < 400, `POST ${action} answered ${post.status}: ${(await post.text()).slice(0, 300)}`);
    next = new URL(post.headers.get('location'), next).href;
  }
  assert.ok(next.startsWith(redirectUri), `the flow ended at ${next}, not the redirect URI (visited: ${visited.join(', ')})`);
  const back = new URL(next);
  assert.equal(back.searchParams.get('state'), state);
  const code = back.searchParams.get('code');
  assert.ok(code, `a code in ${next}`);

  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `token endpoint: ${JSON.stringify(body)}`);
  return body;
}

describe('identity pools with an external OpenID Connect provider (oidc-provider)', { timeout: 120_000 }, () => {
  const client = { client_id: 'e2e-app', client_secret: randomBytes(16).toString('hex') };
  const ALICE_ROLE = 'arn:aws:iam::123456789012:role/e2e-oidc-alice';
  const OIDC_ROLE = 'arn:aws:iam::123456789012:role/e2e-oidc';
  let server; // node:http serving the provider
  let issuer; // http://127.0.0.1:PORT
  let providerName; // 127.0.0.1:PORT: the Logins key
  let providerArn;
  let signingKey; // { privateKey, kid }: the provider's own key, to forge a token for another audience
  let redirectUri;
  let dir;
  let tessera;
  let admin;
  let anonymous;
  let identityPoolId;

  before(async () => {
    const bin = process.env.TESSERA_BIN;
    if (!bin) throw new Error('TESSERA_BIN is not set: run through e2e/run.sh, or export TESSERA_BIN=<path to the tessera binary>');

    // The provider: one confidential client, RS256 ID tokens carrying email, dev interactions.
    server = createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${server.address().port}`;
    providerName = issuer.replace(/^http:\/\//, '');
    providerArn = `arn:aws:iam::123456789012:oidc-provider/${providerName}`;
    redirectUri = `${issuer}/callback`; // never fetched: the flow stops at the redirect
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'e2e-rs256', alg: 'RS256', use: 'sig' };
    signingKey = { privateKey, kid: jwk.kid };
    const oidc = new Provider(issuer, {
      clients: [{ ...client, redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'], id_token_signed_response_alg: 'RS256' }],
      jwks: { keys: [jwk] },
      claims: { email: ['email', 'email_verified'] },
      conformIdTokenClaims: false, // the scope's claims in the ID token itself
      features: { devInteractions: { enabled: true } },
      ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 }, // quiets its notices
      async findAccount(_ctx, id) {
        return { accountId: id, claims: async () => ({ sub: id, email: `${id}@example.org`, email_verified: true }) };
      },
    });
    server.on('request', oidc.callback());

    // A tessera that knows the provider (its JWKS at /jwks, not the default path).
    dir = await mkdtemp(join(tmpdir(), 'tessera-oidc-'));
    const toml = [
      '[[identity_oidc_provider]]',
      `arn = "${providerArn}"`,
      `issuer = "${issuer}"`,
      `jwks_uri = "${issuer}/jwks"`,
      `audiences = ["${client.client_id}"]`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'tessera.toml'), toml);
    // moto directly as the STS: these tokens need not be recorded.
    tessera = await startTessera(bin, { config: join(dir, 'tessera.toml'), dataDir: join(dir, 'data'), args: ['--sts-endpoint', motoUrl] });
    admin = identityAdmin(tessera.url, { accessKeyId: tessera.akid, secretAccessKey: tessera.secret });
    anonymous = identityAnonymous(tessera.url);

    const created = await admin.send(new ci.CreateIdentityPoolCommand({
      IdentityPoolName: 'js_oidc',
      AllowUnauthenticatedIdentities: false,
      OpenIdConnectProviderARNs: [providerArn],
    }));
    identityPoolId = created.IdentityPoolId;
    // The authenticated role by default; alice (by her email claim) gets her own.
    await admin.send(new ci.SetIdentityPoolRolesCommand({
      IdentityPoolId: identityPoolId,
      Roles: { authenticated: OIDC_ROLE },
      RoleMappings: {
        [providerName]: {
          Type: 'Rules',
          AmbiguousRoleResolution: 'AuthenticatedRole',
          RulesConfiguration: { Rules: [{ Claim: 'email', MatchType: 'Equals', Value: 'alice@example.org', RoleARN: ALICE_ROLE }] },
        },
      },
    }));
  });

  after(async () => {
    admin?.destroy();
    anonymous?.destroy();
    if (tessera?.proc.exitCode === null) {
      const exited = new Promise((resolve) => tessera.proc.once('exit', resolve));
      tessera.proc.kill('SIGTERM');
      setTimeout(() => tessera.proc.kill('SIGKILL'), 5_000).unref();
      await exited;
    }
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The provider's ID token for `login`, through the authorization code flow. */
  async function idTokenFor(login) {
    const tokens = await signInAtProvider(issuer, client, redirectUri, login);
    assert.ok(tokens.id_token, `an ID token: ${JSON.stringify(tokens)}`);
    const { header, payload } = decodeJwt(tokens.id_token);
    assert.equal(header.alg, 'RS256');
    assert.equal(payload.iss, issuer);
    assert.equal(payload.aud, client.client_id);
    assert.equal(payload.sub, login);
    assert.equal(payload.email, `${login}@example.org`, 'the email claim is in the ID token');
    return tokens.id_token;
  }

  test('an ID token from oidc-provider gets credentials; the role rules look at its claims', async () => {
    const bob = await idTokenFor('bob');
    const { IdentityId } = await anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: bob } }));
    assert.match(IdentityId, GUID);
    const out = await anonymous.send(new ci.GetCredentialsForIdentityCommand({ IdentityId, Logins: { [providerName]: bob } }));
    assert.equal(out.IdentityId, IdentityId);
    assertAssumed(await callerArn(out.Credentials), OIDC_ROLE, 'bob (no rule matches)');

    // The same user signing in again is the same identity.
    const bobAgain = await idTokenFor('bob');
    assert.notEqual(bobAgain, bob, 'a fresh ID token');
    const again = await anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: bobAgain } }));
    assert.equal(again.IdentityId, IdentityId);

    // GetOpenIdToken: Tessera's token (this tessera's issuer) about the identity and the provider.
    const open = await anonymous.send(new ci.GetOpenIdTokenCommand({ IdentityId, Logins: { [providerName]: bob } }));
    const claims = await verifyOpenIdToken(open.Token, identityPoolId, tessera.url);
    assert.equal(claims.sub, IdentityId);
    assert.equal(claims.amr[0], 'authenticated');
    assert.ok(claims.amr.includes(providerName), `amr names the provider: ${JSON.stringify(claims.amr)}`);
    const described = await admin.send(new ci.DescribeIdentityCommand({ IdentityId }));
    assert.deepEqual(described.Logins, [providerName]);

    // alice matches the rule on email: her own role.
    const alice = await idTokenFor('alice');
    const { IdentityId: aliceId } = await anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: alice } }));
    assert.notEqual(aliceId, IdentityId);
    const hers = await anonymous.send(new ci.GetCredentialsForIdentityCommand({ IdentityId: aliceId, Logins: { [providerName]: alice } }));
    assertAssumed(await callerArn(hers.Credentials), ALICE_ROLE, 'alice (the email rule matches)');
  });

  test('a token for another audience, a tampered token and no guests are refused', async () => {
    const bob = await idTokenFor('bob');
    const { payload } = decodeJwt(bob);
    // Signed with the provider's own key, so only the audience is wrong.
    const otherAudience = await new SignJWT({ ...payload, aud: 'another-app' })
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
      .sign(signingKey.privateKey);
    await rejectsWith(
      anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: otherAudience } })),
      'NotAuthorizedException',
      'GetId with an ID token for another audience',
    );
    // The same forgery with the right audience is accepted: the audience alone was the matter.
    const rightAudience = await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
      .sign(signingKey.privateKey);
    await anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: rightAudience } }));

    const [h, , s] = bob.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url')}.${s}`;
    await rejectsWith(
      anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: tampered } })),
      'NotAuthorizedException',
      'GetId with a tampered ID token',
    );
    await rejectsWith(
      anonymous.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId })),
      'NotAuthorizedException',
      'GetId without logins in a pool without guest access',
    );
  });
});
