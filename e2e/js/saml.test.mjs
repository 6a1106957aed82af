// User-pool federation with SAML 2.0, with npm's samlify as the identity provider (it signs
// with a key of its own, made here with the openssl command) and Tessera as the service
// provider `urn:amazon:cognito:sp:<pool id>` whose assertion consumer service is the domain's
// /saml2/idpresponse.
//
// What is checked: CreateIdentityProvider with ProviderType SAML from samlify's metadata (as
// MetadataFile, and as MetadataURL served by a small http server), Describe's
// SSORedirectBindingURI / SLORedirectBindingURI / ActiveEncryptionCertificate, bad metadata
// refused; the SP-initiated sign-in in Chromium (RP → /oauth2/authorize?identity_provider=Corp
// → Tessera's signed HTTP-Redirect AuthnRequest, which samlify parses and whose RSA-SHA256
// query signature it verifies against GetSigningCertificate's certificate → an IdP page that
// auto-posts the signed SAMLResponse to /saml2/idpresponse → the RP's callback with a code);
// the federated user (`corp_<NameID>` in a case-insensitive pool, `Corp_<NameID>` in a
// case-sensitive one, EXTERNAL_PROVIDER, identities with providerType SAML, the
// `<pool id>_Corp` group, email and name from the assertion's attributes); IdP-initiated
// sign-in (no InResponseTo, the RelayState naming the provider and the app client), refused
// by a provider whose IDPInit is not 'true'; assertions encrypted to the pool's certificate
// (EncryptedResponses 'true'); refusals that give no code: a replayed response (SP-initiated:
// the RelayState is spent; IdP-initiated: the assertion id is), a NameID changed after
// signing, a signature by another key under the same entity id, another SP's Audience, a
// garbage RelayState; the sign-in page's "Continue with Corp" button and corporate-email field.
//
// Screenshots of the pages the user sees land in e2e/artifacts/saml/ (gitignored).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as cip from '@aws-sdk/client-cognito-identity-provider';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import saml from 'samlify';

import { launch } from './lib/browser.mjs';
import { admin, createClient, createPool, decodeJwt, rejectsWith, unique, url } from './lib/tessera.mjs';

// samlify refuses to parse anything without an XSD validator; Tessera's own checks are the
// subject here, and samlify only reads Tessera's AuthnRequests.
saml.setSchemaValidator({ validate: async () => 'skipped' });

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'saml');
const B = saml.Constants.namespace.binding;
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const NAMEID_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const SCOPE = 'openid email';

// The response template: samlify's default Response with an AuthnStatement (a real IdP sends
// one) and an AttributeStatement holding `email` and `name` (samlify expands {AttributeStatement}
// from `attributes` into {attrEmail} and {attrName} placeholders).
const TEMPLATE = saml.SamlLib.defaultLoginResponseTemplate.context.replace(
  '{AuthnStatement}',
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext>' +
    '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>' +
    '</saml:AuthnContext></saml:AuthnStatement>',
);
const ATTRIBUTES = ['email', 'name'].map((name) => ({
  name,
  valueTag: name,
  nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
  valueXsiType: 'xs:string',
}));

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const html = (res, status, body) =>
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(`<!doctype html><meta charset="utf-8"><body>${body}</body>`);
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const close = (server) => {
  if (!server?.listening) return undefined;
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};
/** An attribute's value in AdminGetUser's answer. */
const attr = (attributes, name) => attributes?.find((a) => a.Name === name)?.Value;
/** A certificate's base64 DER, whatever armour and line breaks it comes in. */
const derB64 = (cert) => String(cert).replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
/** PEM armour for a base64 DER certificate (GetSigningCertificate has none). */
const pem = (b64) => `-----BEGIN CERTIFICATE-----\n${derB64(b64).match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64').toString('utf8');

/** A fresh RSA-2048 key and self-signed certificate (PEM) from the openssl command. */
function keyPair(dir, name) {
  const key = join(dir, `${name}.key`);
  const crt = join(dir, `${name}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', `/CN=${name}.idp.example`, '-keyout', key, '-out', crt,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') };
}

/**
 * Tessera as samlify should describe it: entity id `urn:amazon:cognito:sp:<pool id>`, the
 * domain's /saml2/idpresponse (HTTP-POST), the pool's signing certificate (and, for encrypted
 * assertions, the same certificate to encrypt to), signed AuthnRequests, signed assertions.
 */
function serviceProvider(poolId, base, certificate, { encrypt = false } = {}) {
  return saml.ServiceProvider({
    entityID: `urn:amazon:cognito:sp:${poolId}`,
    authnRequestsSigned: true,
    wantAssertionsSigned: true,
    signingCert: pem(certificate),
    ...(encrypt ? { encryptCert: pem(certificate) } : {}),
    assertionConsumerService: [{ Binding: B.post, Location: `${base}/saml2/idpresponse` }],
  });
}

/**
 * A samlify identity provider at `${origin}${path}` (SingleSignOnService and SingleLogoutService
 * with the HTTP-Redirect binding) signing with `keys`.
 */
function identityProvider({ entityID, origin, path, keys, encrypt = false }) {
  return saml.IdentityProvider({
    entityID,
    privateKey: keys.key,
    signingCert: keys.cert,
    wantAuthnRequestsSigned: true,
    isAssertionEncrypted: encrypt,
    nameIDFormat: [NAMEID_FORMAT],
    singleSignOnService: [{ Binding: B.redirect, Location: `${origin}${path}/sso` }],
    singleLogoutService: [{ Binding: B.redirect, Location: `${origin}${path}/slo` }],
    loginResponseTemplate: { context: TEMPLATE, attributes: ATTRIBUTES },
  });
}

/**
 * What an IdP gets from Tessera's HTTP-Redirect: the decoded parameters, and the octet string
 * its signature covers (saml-bindings §3.4.4.1: the parameters as they were URL-encoded, in
 * the order SAMLRequest, RelayState, SigAlg).
 */
function redirectRequest(location) {
  const u = new URL(location);
  const raw = new Map(u.search.slice(1).split('&').filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
  }));
  const octetString = ['SAMLRequest', 'RelayState', 'SigAlg'].filter((k) => raw.has(k)).map((k) => `${k}=${raw.get(k)}`).join('&');
  return { query: Object.fromEntries(u.searchParams), octetString };
}

/**
 * samlify's signed Response (base64) from `idp` for `sp`: `inResponseTo` (absent for an
 * IdP-initiated sign-in), the user's NameID, email and name; `audience` replaces the SP's
 * entity id in the AudienceRestriction.
 */
async function samlResponse(idp, sp, user, { inResponseTo, audience } = {}) {
  const acs = sp.entityMeta.getAssertionConsumerService('post');
  const now = new Date();
  const later = new Date(now.getTime() + 5 * 60_000).toISOString();
  const { context } = await idp.createLoginResponse(sp, { extract: { request: inResponseTo ? { id: inResponseTo } : {} } }, 'post', {}, {
    encryptThenSign: true,
    customTagReplacement: (template) => {
      const id = `_${randomUUID()}`;
      return {
        id,
        context: saml.SamlLib.replaceTagsByValue(template, {
          ID: id,
          AssertionID: `_${randomUUID()}`,
          Destination: acs,
          Audience: audience ?? sp.entityMeta.getEntityID(),
          SubjectRecipient: acs,
          Issuer: idp.entityMeta.getEntityID(),
          IssueInstant: now.toISOString(),
          StatusCode: saml.Constants.StatusCode.Success,
          ConditionsNotBefore: now.toISOString(),
          ConditionsNotOnOrAfter: later,
          SubjectConfirmationDataNotOnOrAfter: later,
          NameIDFormat: NAMEID_FORMAT,
          NameID: user.nameId,
          InResponseTo: inResponseTo ?? undefined, // undefined drops the attribute
          SessionIndex: `_session-${randomBytes(6).toString('hex')}`,
          attrEmail: user.email,
          attrName: user.name,
        }),
      };
    },
  });
  return context;
}

/** What an HTML page says: its text without style, script and tags. */
const pageText = (page) => page.replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);

/** The hidden fields of a page's form, as a browser would post them. */
const hiddenFields = (page) => Object.fromEntries(
  [...page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)]
    .map(([, k, v]) => [k, v].map((x) => x.replaceAll('&#x2f;', '/').replaceAll('&#x27;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'))),
);

/**
 * POSTs the form an IdP's page posts to `${base}/saml2/idpresponse`, from a browser holding
 * `cookie` (the binding cookie the sign-in's /oauth2/authorize set, or none); Tessera's answer.
 * A post without the cookie gets Tessera's same-site re-post page first, which is followed as
 * its script would.
 */
async function postResponse(base, form, cookie) {
  const post = (body) => fetch(`${base}/saml2/idpresponse`, {
    method: 'POST', body: new URLSearchParams(body), redirect: 'manual', headers: cookie ? { cookie } : {},
  });
  let res = await post(form);
  let text = await res.text();
  if (res.status === 200 && text.includes('name="tessera_repost"')) {
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'nonce-/, 'the re-post page runs its script by nonce');
    res = await post(hiddenFields(text));
    text = await res.text();
  }
  const location = res.headers.get('location');
  const to = location ? new URL(location, base) : null;
  return {
    status: res.status,
    location,
    to,
    code: to?.searchParams.get('code') ?? null,
    error: to?.searchParams.get('error') ?? null,
    description: to?.searchParams.get('error_description') ?? null,
    state: to?.searchParams.get('state') ?? null,
    text,
    /** For messages: the status, where it went, or what the page says. */
    show: () => `${res.status} ${location ?? pageText(text)}`,
  };
}

// --- the identity provider's web side (for Chromium) and the relying party -------------------

/**
 * The IdP's http server: `/metadata/<name>` serves `metadata.get(name)`; `<path>/sso` (one
 * per provider in `sso`) parses the AuthnRequest with samlify, records it, and answers with a
 * page that shows nothing and auto-posts the signed SAMLResponse for the user queued in
 * `users` (by path) to the SP's assertion consumer service.
 */
async function startIdpServer() {
  const s = { metadata: new Map(), sso: new Map(), users: new Map(), requests: [], failures: [] };
  const server = createServer(async (req, res) => {
    try {
      const here = new URL(req.url, s.origin);
      if (req.method === 'GET' && here.pathname.startsWith('/metadata/')) {
        const xml = s.metadata.get(here.pathname.slice('/metadata/'.length));
        if (!xml) return res.writeHead(404).end('no such metadata');
        return res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(xml);
      }
      const path = here.pathname.replace(/\/sso$/, '');
      const entry = here.pathname.endsWith('/sso') ? s.sso.get(path) : undefined;
      if (!entry) return res.writeHead(404).end('not found');
      const request = redirectRequest(here.href);
      const parsed = await entry.idp.parseLoginRequest(entry.sp, 'redirect', request);
      s.requests.push({ path, url: here.href, parsed, query: request.query });
      const user = s.users.get(path);
      if (!user) return html(res, 200, '<p id="idp-nobody">no user queued at the IdP</p>');
      s.users.delete(path);
      const SAMLResponse = await samlResponse(entry.idp, entry.sp, user, { inResponseTo: parsed.extract.request.id });
      const acs = entry.sp.entityMeta.getAssertionConsumerService('post');
      html(res, 200, `<form id="f" method="post" action="${esc(acs)}">` +
        `<input type="hidden" name="SAMLResponse" value="${esc(SAMLResponse)}">` +
        `<input type="hidden" name="RelayState" value="${esc(request.query.RelayState ?? '')}"></form>` +
        '<script>document.getElementById("f").submit()</script>');
    } catch (err) {
      s.failures.push(err);
      html(res, 500, `<p id="idp-error">IdP: ${esc(err.message)}</p>`);
    }
  });
  // Named `localhost` while Tessera is at 127.0.0.1: another site, so the IdP's auto-posted
  // form reaches /saml2/idpresponse cross-site, without SameSite=Lax cookies, as it does in
  // production (and goes through Tessera's same-site re-post page).
  s.origin = (await listen(server)).replace('//127.0.0.1:', '//localhost:');
  s.close = () => close(server);
  return s;
}

/** The relying party's callback: records each query and shows it. */
async function startRp() {
  const rp = { results: [] };
  const server = createServer((req, res) => {
    const here = new URL(req.url, rp.origin);
    if (here.pathname !== '/callback') return res.writeHead(404).end();
    const q = Object.fromEntries(here.searchParams);
    rp.results.push(q);
    if (q.error) return html(res, 200, `<p id="rp-error">${esc(q.error)}: ${esc(q.error_description ?? '')}</p>`);
    html(res, 200, `<h1 id="rp-result">Back at the RP</h1><p>code: <b id="code">${esc(q.code ?? '')}</b></p>`);
  });
  rp.origin = await listen(server);
  rp.callback = `${rp.origin}/callback`;
  rp.close = () => close(server);
  return rp;
}

// --- the suite ----------------------------------------------------------------------------------

describe('SAML 2.0 federation: samlify as the IdP', { timeout: 180_000 }, () => {
  let dir;
  let idpServer;
  let rp;
  let browser;
  let pool; // case-insensitive, with the domain `domain`
  let domain;
  let base;
  let certificate; // GetSigningCertificate's answer (base64 DER)
  let sp; // Tessera as samlify describes it
  let spEnc; // the same with the certificate to encrypt to
  let keys; // the IdP's key and certificate
  let corp; // samlify IdP: Corp (IDPInit 'true')
  let noInit; // samlify IdP: NoInit (IDPInit 'false')
  let corpEnc; // samlify IdP: CorpEnc (encrypted assertions)
  let web; // the app client: COGNITO and every SAML provider
  let jwks;
  let second; // a case-sensitive pool whose Corp comes from a MetadataURL

  before(async () => {
    mkdirSync(shots, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'tessera-saml-'));
    keys = keyPair(dir, 'corp');
    [idpServer, rp, browser] = await Promise.all([startIdpServer(), startRp(), launch()]);
    const origin = idpServer.origin;
    corp = identityProvider({ entityID: `${origin}/corp/metadata`, origin, path: '/corp', keys });
    noInit = identityProvider({ entityID: `${origin}/noinit/metadata`, origin, path: '/noinit', keys });
    corpEnc = identityProvider({ entityID: `${origin}/enc/metadata`, origin, path: '/enc', keys, encrypt: true });

    pool = await createPool({ poolProps: { UsernameConfiguration: { CaseSensitive: false } } });
    domain = unique('saml');
    base = `${url}/domain/${domain}`;
    await admin.send(new cip.CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: domain }));
    ({ Certificate: certificate } = await admin.send(new cip.GetSigningCertificateCommand({ UserPoolId: pool.poolId })));
    assert.ok(certificate, 'GetSigningCertificate gives a certificate');
    sp = serviceProvider(pool.poolId, base, certificate);
    spEnc = serviceProvider(pool.poolId, base, certificate, { encrypt: true });
    idpServer.sso.set('/corp', { idp: corp, sp });
    idpServer.sso.set('/noinit', { idp: noInit, sp });
    idpServer.sso.set('/enc', { idp: corpEnc, sp: spEnc });
    jwks = createRemoteJWKSet(new URL(pool.jwksUri));
  });

  after(async () => {
    await browser?.close();
    await Promise.all([idpServer?.close(), rp?.close()]);
    for (const p of [pool, second?.pool]) {
      if (!p) continue;
      await admin.send(new cip.DeleteUserPoolDomainCommand({ UserPoolId: p.poolId, Domain: p === pool ? domain : second.domain })).catch(() => {});
      await p.delete();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const samlDetails = (extra) => ({ IDPInit: 'true', EncryptedResponses: 'false', RequestSigningAlgorithm: 'rsa-sha256', ...extra });

  /** GET /oauth2/authorize naming `provider` (no redirect followed): Tessera's 302 upstream. */
  async function authorize(client, provider, { b = base, callback = rp.callback } = {}) {
    const state = `rp-${randomBytes(12).toString('hex')}`;
    const to = new URL(`${b}/oauth2/authorize`);
    to.search = new URLSearchParams({
      response_type: 'code', client_id: client.ClientId, redirect_uri: callback, scope: SCOPE, state, identity_provider: provider,
    }).toString();
    const res = await fetch(to, { redirect: 'manual' });
    const text = await res.text();
    assert.equal(res.status, 302, `GET ${to.href} answered ${res.status}: ${text.slice(0, 300)}`);
    // The browser binding the answer must come back with.
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    assert.match(cookie, /tessera_upstream=/, 'the binding cookie');
    return { state, location: new URL(res.headers.get('location')), authorizeUrl: to.href, cookie };
  }

  /** samlify (as `idp`) reads Tessera's redirect: the AuthnRequest, its query signature checked. */
  async function parseRequest(idp, forSp, location) {
    const request = redirectRequest(location);
    try {
      return { ...request, parsed: await idp.parseLoginRequest(forSp, 'redirect', request) };
    } catch (err) {
      assert.fail(`samlify refused Tessera's AuthnRequest (${err.message}): ${location}\n${unb64deflated(request.query.SAMLRequest)}`);
    }
  }
  const unb64deflated = (s) => {
    try {
      return saml.Utility.inflateString(s);
    } catch (err) {
      return `(not deflated base64: ${err.message})`;
    }
  };

  /** The code exchanged at the token endpoint (client_secret_basic); the ID token verified. */
  async function exchange(client, code, { b = base, callback = rp.callback, p = pool, keySet = jwks } = {}) {
    const res = await fetch(`${b}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.ClientId}:${client.ClientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callback, client_id: client.ClientId }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `the token endpoint answered ${res.status}: ${text.slice(0, 300)}`);
    const tokens = JSON.parse(text);
    const { payload } = await jwtVerify(tokens.id_token, keySet, { issuer: p.issuer, audience: client.ClientId, algorithms: ['RS256'] });
    return { tokens, claims: payload };
  }

  /** Checks the ID token of a SAML user of provider `name` with `user`'s NameID and attributes. */
  function checkClaims(claims, { poolId = pool.poolId, name = 'Corp', username, user }) {
    assert.equal(claims['cognito:username'], username, `cognito:username: ${JSON.stringify(claims)}`);
    assert.equal(claims.token_use, 'id');
    assert.equal(claims.email, user.email, 'email from the assertion\'s attribute');
    assert.equal(claims.name, user.name, 'name from the assertion\'s attribute');
    assert.ok(claims['cognito:groups']?.includes(`${poolId}_${name}`), `the provider's group: ${JSON.stringify(claims['cognito:groups'])}`);
    assert.ok(Array.isArray(claims.identities) && claims.identities.length === 1, `one identity: ${JSON.stringify(claims.identities)}`);
    const [identity] = claims.identities;
    assert.equal(identity.providerType, 'SAML', JSON.stringify(identity));
    assert.equal(identity.providerName, name, JSON.stringify(identity));
    assert.equal(identity.userId, user.nameId, JSON.stringify(identity));
    assert.equal(identity.primary, 'true', JSON.stringify(identity));
  }

  /** A fresh SP-initiated response for `user` from `idp`: Tessera's redirect, then samlify's answer. */
  async function spInitiated(provider, idp, forSp, user, { audience, client = web } = {}) {
    const { state, location, cookie } = await authorize(client, provider);
    const { parsed, query } = await parseRequest(idp, forSp, location);
    const SAMLResponse = await samlResponse(idp, forSp, user, { inResponseTo: parsed.extract.request.id, audience });
    return { state, location, parsed, cookie, form: { SAMLResponse, RelayState: query.RelayState } };
  }

  test('CreateIdentityProvider with SAML metadata; Describe; MetadataURL; bad metadata refused', async () => {
    const metadata = corp.getMetadata();
    assert.match(metadata, /IDPSSODescriptor/);
    const created = await admin.send(new cip.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'Corp',
      ProviderType: 'SAML',
      ProviderDetails: samlDetails({ MetadataFile: metadata }),
      AttributeMapping: { email: 'email', name: 'name' },
      IdpIdentifiers: ['corp.example'],
    }));
    assert.equal(created.IdentityProvider.ProviderType, 'SAML');
    const { IdentityProvider: d } = await admin.send(new cip.DescribeIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Corp' }));
    const details = d.ProviderDetails;
    assert.equal(details.SSORedirectBindingURI, `${idpServer.origin}/corp/sso`, JSON.stringify(details));
    assert.equal(details.SLORedirectBindingURI, `${idpServer.origin}/corp/slo`, JSON.stringify(details));
    assert.equal(details.IDPInit, 'true');
    assert.equal(details.EncryptedResponses, 'false');
    assert.equal(details.RequestSigningAlgorithm, 'rsa-sha256');
    assert.equal(details.ActiveEncryptionCertificate, undefined, 'no encryption certificate when responses are not encrypted');
    assert.deepEqual(d.IdpIdentifiers, ['corp.example']);
    assert.equal(d.AttributeMapping.email, 'email');
    assert.equal(d.AttributeMapping.name, 'name');
    const byId = await admin.send(new cip.GetIdentityProviderByIdentifierCommand({ UserPoolId: pool.poolId, IdpIdentifier: 'corp.example' }));
    assert.equal(byId.IdentityProvider.ProviderName, 'Corp');

    await admin.send(new cip.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'NoInit',
      ProviderType: 'SAML',
      ProviderDetails: samlDetails({ MetadataFile: noInit.getMetadata(), IDPInit: 'false' }),
      AttributeMapping: { email: 'email', name: 'name' },
    }));
    await admin.send(new cip.CreateIdentityProviderCommand({
      UserPoolId: pool.poolId,
      ProviderName: 'CorpEnc',
      ProviderType: 'SAML',
      ProviderDetails: samlDetails({ MetadataFile: corpEnc.getMetadata(), EncryptedResponses: 'true' }),
      AttributeMapping: { email: 'email', name: 'name' },
    }));
    const { IdentityProvider: enc } = await admin.send(new cip.DescribeIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'CorpEnc' }));
    assert.ok(enc.ProviderDetails.ActiveEncryptionCertificate, `ActiveEncryptionCertificate: ${JSON.stringify(enc.ProviderDetails)}`);
    assert.equal(derB64(enc.ProviderDetails.ActiveEncryptionCertificate), derB64(certificate), 'the pool\'s signing certificate is the one to encrypt to');

    // Bad metadata is refused.
    const bad = [
      ['not XML', { MetadataFile: '<EntityDescriptor' }],
      ['SP metadata (no IDPSSODescriptor)', { MetadataFile: sp.getMetadata() }],
      ['a MetadataURL that answers 404', { MetadataURL: `${idpServer.origin}/metadata/nothing-here` }],
      ['neither MetadataFile nor MetadataURL', {}],
    ];
    for (const [what, extra] of bad) {
      const err = await rejectsWith(admin.send(new cip.CreateIdentityProviderCommand({
        UserPoolId: pool.poolId,
        ProviderName: 'Bad',
        ProviderType: 'SAML',
        ProviderDetails: samlDetails(extra),
      })), 'InvalidParameterException', `CreateIdentityProvider with ${what}`);
      console.log(`# bad metadata, ${what}: InvalidParameterException: ${err.message}`);
    }

    const oauth = {
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [rp.callback],
    };
    web = await createClient(pool.poolId, { ...oauth, SupportedIdentityProviders: ['COGNITO', 'Corp', 'NoInit', 'CorpEnc'] });

    // MetadataURL, in a case-sensitive pool: Tessera reads the metadata from the IdP's server.
    const p2 = await createPool();
    second = { pool: p2, domain: unique('saml2') };
    await admin.send(new cip.CreateUserPoolDomainCommand({ UserPoolId: p2.poolId, Domain: second.domain }));
    second.base = `${url}/domain/${second.domain}`;
    idpServer.metadata.set('corp', metadata);
    await admin.send(new cip.CreateIdentityProviderCommand({
      UserPoolId: p2.poolId,
      ProviderName: 'Corp',
      ProviderType: 'SAML',
      ProviderDetails: samlDetails({ MetadataURL: `${idpServer.origin}/metadata/corp` }),
      AttributeMapping: { email: 'email', name: 'name' },
    }));
    const { IdentityProvider: d2 } = await admin.send(new cip.DescribeIdentityProviderCommand({ UserPoolId: p2.poolId, ProviderName: 'Corp' }));
    assert.equal(d2.ProviderDetails.MetadataURL, `${idpServer.origin}/metadata/corp`, JSON.stringify(d2.ProviderDetails));
    assert.equal(d2.ProviderDetails.SSORedirectBindingURI, `${idpServer.origin}/corp/sso`, JSON.stringify(d2.ProviderDetails));
    second.client = await createClient(p2.poolId, { ...oauth, SupportedIdentityProviders: ['Corp'] });
    const { Certificate: c2 } = await admin.send(new cip.GetSigningCertificateCommand({ UserPoolId: p2.poolId }));
    second.sp = serviceProvider(p2.poolId, second.base, c2);
  });

  test('SP-initiated sign-in in Chromium: signed AuthnRequest, auto-posted response, the federated user', async () => {
    assert.ok(web, 'the providers and the app client exist (the previous test)');
    const user = { nameId: 'Ada.Lovelace-1815', email: 'ada@corp.example', name: 'Ada Lovelace' };
    idpServer.users.set('/corp', user);
    const state = `rp-${randomBytes(12).toString('hex')}`;
    const start = `${base}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: web.ClientId, redirect_uri: rp.callback, scope: SCOPE, state, identity_provider: 'Corp',
    })}`;
    const context = await browser.newContext();
    const trail = [];
    const navigations = [];
    let result;
    try {
      const page = await context.newPage();
      page.on('request', (req) => {
        if (req.isNavigationRequest()) navigations.push({ method: req.method(), url: req.url() });
      });
      page.on('response', (res) => {
        if (res.request().isNavigationRequest()) trail.push(`${res.status()} ${res.request().method()} ${res.url().slice(0, 160)}`);
      });
      const seen = () => `\nbrowser navigations:\n  ${trail.slice(-12).join('\n  ')}\nIdP failures: ${idpServer.failures.map((e) => e.message).join('; ') || 'none'}`;
      const requests = idpServer.requests.length;
      await page.goto(start);
      await page.locator('#rp-result, #rp-error, #idp-error, #idp-nobody').first().waitFor({ timeout: 20_000 })
        .catch(() => assert.fail(`the browser did not reach the RP, at ${page.url()}${seen()}`));
      await page.screenshot({ path: join(shots, '1-sp-initiated-rp.png'), fullPage: true });
      assert.equal(idpServer.requests.length, requests + 1, `the IdP got one AuthnRequest${seen()}`);
      result = rp.results.at(-1);
      assert.ok(result && !result.error, `the RP got ${JSON.stringify(result)}${seen()}`);
      const { parsed, query, url: ssoUrl } = idpServer.requests.at(-1);

      // Tessera's AuthnRequest, as the IdP saw it (samlify verified the query signature).
      assert.equal(query.SigAlg, RSA_SHA256);
      assert.ok(query.Signature, 'a Signature parameter');
      assert.ok(query.RelayState?.length >= 16, `an opaque RelayState: ${query.RelayState}`);
      assert.ok(!query.RelayState.includes(state) && !query.RelayState.includes(web.ClientId), `RelayState is sealed, not the RP's parameters: ${query.RelayState}`);
      assert.equal(parsed.sigAlg, RSA_SHA256);
      const r = parsed.extract.request;
      assert.ok(r.id, 'the AuthnRequest has an ID');
      assert.equal(r.destination, `${idpServer.origin}/corp/sso`);
      if (r.assertionConsumerServiceUrl !== undefined) assert.equal(r.assertionConsumerServiceUrl, `${base}/saml2/idpresponse`);
      assert.equal(parsed.extract.issuer, `urn:amazon:cognito:sp:${pool.poolId}`);
      const request = redirectRequest(ssoUrl);
      console.log(`# AuthnRequest: ${saml.Utility.inflateString(request.query.SAMLRequest)}`);
      // The signature covers the RelayState: samlify refuses the request with another one.
      await assert.rejects(
        corp.parseLoginRequest(sp, 'redirect', { ...request, octetString: request.octetString.replace(/RelayState=[^&]*/, 'RelayState=forged') }),
        /ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION/,
      );
      // …and the browser posted the response to the assertion consumer service.
      // The IdP's cross-site post came without the binding cookie; Tessera's page posted it
      // again, same-site, with it.
      const posts = navigations.filter((n) => n.method === 'POST' && n.url === `${base}/saml2/idpresponse`);
      assert.equal(posts.length, 2, `the IdP's POST to /saml2/idpresponse and Tessera's same-site re-post${seen()}`);
    } finally {
      await context.close();
    }

    assert.equal(result.state, state, 'the RP\'s state came back');
    const { claims, tokens } = await exchange(web, result.code);
    const username = `corp_${user.nameId.toLowerCase()}`;
    checkClaims(claims, { username, user });
    const access = decodeJwt(tokens.access_token).payload;
    assert.equal(access.username, username);
    assert.ok(access['cognito:groups']?.includes(`${pool.poolId}_Corp`), 'the group in the access token');

    const got = await admin.send(new cip.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }));
    assert.equal(got.UserStatus, 'EXTERNAL_PROVIDER');
    assert.equal(attr(got.UserAttributes, 'email'), user.email);
    assert.equal(attr(got.UserAttributes, 'name'), user.name);
    assert.equal(attr(got.UserAttributes, 'sub'), claims.sub);
    const stored = JSON.parse(attr(got.UserAttributes, 'identities') ?? 'null');
    assert.equal(stored?.[0]?.providerType, 'SAML', `the identities attribute: ${attr(got.UserAttributes, 'identities')}`);
    const groups = await admin.send(new cip.AdminListGroupsForUserCommand({ UserPoolId: pool.poolId, Username: username }));
    assert.deepEqual(groups.Groups.map((g) => g.GroupName), [`${pool.poolId}_Corp`]);
    console.log(`# ID token identities: ${JSON.stringify(claims.identities)}`);
  });

  test('SP-initiated with fetch through a MetadataURL provider in a case-sensitive pool: Corp_<NameID>', async () => {
    assert.ok(second?.client, 'the second pool exists (the first test)');
    const user = { nameId: 'Grace.Hopper-1906', email: 'grace@corp.example', name: 'Grace Hopper' };
    const { state, location, cookie } = await authorize(second.client, 'Corp', { b: second.base });
    assert.equal(`${location.origin}${location.pathname}`, `${idpServer.origin}/corp/sso`);
    const { parsed, query } = await parseRequest(corp, second.sp, location);
    assert.equal(parsed.extract.issuer, `urn:amazon:cognito:sp:${second.pool.poolId}`);
    const SAMLResponse = await samlResponse(corp, second.sp, user, { inResponseTo: parsed.extract.request.id });
    const out = await postResponse(second.base, { SAMLResponse, RelayState: query.RelayState }, cookie);
    assert.equal(out.status, 302, `the response: ${out.show()}`);
    assert.equal(`${out.to.origin}${out.to.pathname}`, rp.callback, out.show());
    assert.ok(out.code, `a code: ${out.show()}`);
    assert.equal(out.state, state);
    const keySet = createRemoteJWKSet(new URL(second.pool.jwksUri));
    const { claims } = await exchange(second.client, out.code, { b: second.base, p: second.pool, keySet });
    checkClaims(claims, { poolId: second.pool.poolId, username: `Corp_${user.nameId}`, user });
    const got = await admin.send(new cip.AdminGetUserCommand({ UserPoolId: second.pool.poolId, Username: `Corp_${user.nameId}` }));
    assert.equal(got.UserStatus, 'EXTERNAL_PROVIDER');
  });

  test('IdP-initiated sign-in (IDPInit true): a code; the same user again, attributes re-applied; refused by IDPInit false', async () => {
    assert.ok(web, 'the app client exists');
    const relay = (provider) => `identity_provider=${provider}&client_id=${web.ClientId}&redirect_uri=${encodeURIComponent(rp.callback)}&response_type=code&scope=openid+email`;
    const user = { nameId: 'Ada.Lovelace-1815', email: 'ada.l@corp.example', name: 'Augusta Ada King' };
    const SAMLResponse = await samlResponse(corp, sp, user);
    assert.doesNotMatch(unb64(SAMLResponse), /InResponseTo/, 'an unsolicited response');
    const out = await postResponse(base, { SAMLResponse, RelayState: relay('Corp') });
    assert.equal(out.status, 302, `IdP-initiated: ${out.show()}`);
    assert.equal(`${out.to.origin}${out.to.pathname}`, rp.callback, out.show());
    assert.ok(out.code, `a code: ${out.show()}`);
    assert.equal(out.error, null);
    const { claims } = await exchange(web, out.code);
    const username = `corp_${user.nameId.toLowerCase()}`;
    checkClaims(claims, { username, user });
    const got = await admin.send(new cip.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }));
    assert.equal(attr(got.UserAttributes, 'email'), user.email, 'the new email from the assertion');
    assert.equal(attr(got.UserAttributes, 'name'), user.name, 'the new name from the assertion');

    // A provider whose IDPInit is not 'true' refuses unsolicited responses.
    const other = { nameId: 'Eve.Unsolicited', email: 'eve@corp.example', name: 'Eve' };
    const refused = await postResponse(base, { SAMLResponse: await samlResponse(noInit, sp, other), RelayState: relay('NoInit') });
    console.log(`# IdP-initiated with IDPInit false: ${refused.show()}`);
    assert.equal(refused.code, null, `no code: ${refused.show()}`);
    assert.ok(refused.status === 400 || (refused.status === 302 && refused.error), `a 400 page or an error redirect: ${refused.show()}`);
    await rejectsWith(
      admin.send(new cip.AdminGetUserCommand({ UserPoolId: pool.poolId, Username: `noinit_${other.nameId.toLowerCase()}` })),
      'UserNotFoundException',
      'no user from a refused IdP-initiated response',
    );
  });

  test('encrypted assertions (EncryptedResponses true): samlify encrypts to the pool\'s certificate', async () => {
    assert.ok(web, 'the app client exists');
    const user = { nameId: 'Hedy.Lamarr-1914', email: 'hedy@corp.example', name: 'Hedy Lamarr' };
    const { state, form, cookie } = await spInitiated('CorpEnc', corpEnc, spEnc, user);
    const xml = unb64(form.SAMLResponse);
    assert.match(xml, /EncryptedAssertion/, 'samlify encrypted the assertion');
    assert.ok(!xml.includes(user.email), 'the attributes are not readable');
    const out = await postResponse(base, form, cookie);
    assert.equal(out.status, 302, `encrypted: ${out.show()}`);
    assert.ok(out.code, `a code: ${out.show()}`);
    assert.equal(out.state, state);
    const { claims } = await exchange(web, out.code);
    checkClaims(claims, { name: 'CorpEnc', username: `corpenc_${user.nameId.toLowerCase()}`, user });

  });

  test('refusals give no code: replays, NameID changed after signing, another key, another Audience, garbage RelayState', async () => {
    assert.ok(web, 'the app client exists');
    const user = { nameId: 'Mallory.Tests', email: 'mallory@corp.example', name: 'Mallory' };
    /** A refusal after Tessera understood the RelayState: back to the RP with an error. */
    const errorRedirect = (out, state, what) => {
      console.log(`# ${what}: ${out.show()}`);
      assert.equal(out.code, null, `${what}: no code: ${out.show()}`);
      assert.equal(out.status, 302, `${what}: a redirect to the RP: ${out.show()}`);
      assert.equal(`${out.to.origin}${out.to.pathname}`, rp.callback, `${what}: to the client's redirect_uri: ${out.show()}`);
      assert.ok(out.error, `${what}: an error: ${out.show()}`);
      assert.equal(out.state, state, `${what}: the RP's state`);
    };

    // Replay: the first post signs in, the second does not.
    const first = await spInitiated('Corp', corp, sp, user);
    // Login CSRF: the answer to this sign-in, posted by a browser that did not start it (no
    // binding cookie: through the re-post page), is refused without spending anything.
    const planted = await postResponse(base, first.form);
    assert.equal(planted.status, 400, `another browser: a 400 page: ${planted.show()}`);
    assert.match(planted.text, /not started in this browser/, planted.show());
    const ok = await postResponse(base, first.form, first.cookie);
    assert.ok(ok.code, `the first post gives a code: ${ok.show()}`);
    const replay = await postResponse(base, first.form, first.cookie);
    console.log(`# replay: ${replay.show()}`);
    assert.equal(replay.code, null, `replay: no code: ${replay.show()}`);
    assert.ok(replay.status === 400 || (replay.status === 302 && replay.error), `replay: a 400 page or an error redirect: ${replay.show()}`);
    // The same assertion with a fresh RelayState (another sign-in in progress) is still spent.
    const fresh = await authorize(web, 'Corp');
    const replay2 = await postResponse(base, { SAMLResponse: first.form.SAMLResponse, RelayState: redirectRequest(fresh.location).query.RelayState }, fresh.cookie);
    errorRedirect(replay2, fresh.state, 'the spent response under another sign-in\'s RelayState');

    // An IdP-initiated response (no RelayState of Tessera's to spend, no InResponseTo) posted
    // twice: only the assertion's id tells the second from the first.
    const unsolicited = {
      SAMLResponse: await samlResponse(corp, sp, user),
      RelayState: `identity_provider=Corp&client_id=${web.ClientId}&redirect_uri=${encodeURIComponent(rp.callback)}&response_type=code&scope=openid+email`,
    };
    const once = await postResponse(base, unsolicited);
    assert.ok(once.code, `the first IdP-initiated post gives a code: ${once.show()}`);
    const twice = await postResponse(base, unsolicited);
    console.log(`# IdP-initiated replay: ${twice.show()}`);
    assert.equal(twice.code, null, `IdP-initiated replay: no code: ${twice.show()}`);
    assert.ok(twice.status === 400 || (twice.status === 302 && twice.error), `IdP-initiated replay: a 400 page or an error redirect: ${twice.show()}`);

    // The NameID changed after signing.
    const tampered = await spInitiated('Corp', corp, sp, user);
    const xml = unb64(tampered.form.SAMLResponse);
    assert.ok(xml.includes(`>${user.nameId}</saml:NameID>`), 'the NameID is where the test changes it');
    const forged = b64(xml.replace(`>${user.nameId}</saml:NameID>`, '>Admin</saml:NameID>'));
    errorRedirect(await postResponse(base, { ...tampered.form, SAMLResponse: forged }, tampered.cookie), tampered.state, 'a NameID changed after signing');

    // Signed by another key under Corp's entity id.
    const imposter = identityProvider({ entityID: corp.entityMeta.getEntityID(), origin: idpServer.origin, path: '/corp', keys: keyPair(dir, 'imposter') });
    const foreign = await spInitiated('Corp', imposter, sp, user);
    errorRedirect(await postResponse(base, foreign.form, foreign.cookie), foreign.state, 'a response signed by another key');

    // Another SP's Audience.
    const elsewhere = await spInitiated('Corp', corp, sp, user, { audience: 'urn:amazon:cognito:sp:us-east-1_OTHER' });
    assert.match(unb64(elsewhere.form.SAMLResponse), /<saml:Audience>urn:amazon:cognito:sp:us-east-1_OTHER<\/saml:Audience>/);
    errorRedirect(await postResponse(base, elsewhere.form, elsewhere.cookie), elsewhere.state, 'an assertion for another SP');

    // A garbage RelayState: a 400 page.
    const garbage = await spInitiated('Corp', corp, sp, user);
    const out = await postResponse(base, { ...garbage.form, RelayState: `garbage-${randomBytes(24).toString('base64url')}` }, garbage.cookie);
    console.log(`# garbage RelayState: ${out.show()}`);
    assert.equal(out.code, null, `garbage RelayState: no code: ${out.show()}`);
    assert.equal(out.status, 400, `garbage RelayState: a 400 page: ${out.show()}`);

    // No user came out of the refusals apart from the control's.
    const listed = await admin.send(new cip.ListUsersCommand({ UserPoolId: pool.poolId, Filter: 'username ^= "corp_"' }));
    const names = listed.Users.map((u) => u.Username);
    assert.ok(!names.includes('corp_admin'), `no user from the changed NameID: ${names}`);
  });

  test('the sign-in page: "Continue with Corp" (clicked in Chromium) and the corporate-email field', async () => {
    assert.ok(web, 'the app client exists');
    const client = await createClient(pool.poolId, {
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [rp.callback],
      SupportedIdentityProviders: ['COGNITO', 'Corp'],
    });
    const login = `${base}/login?${new URLSearchParams({ response_type: 'code', client_id: client.ClientId, redirect_uri: rp.callback })}`;
    for (const how of ['button', 'email']) {
      const user = { nameId: `Page.User-${how}`, email: `page.${how}@corp.example`, name: `Page ${how}` };
      idpServer.users.set('/corp', user);
      const context = await browser.newContext();
      const trail = [];
      try {
        const page = await context.newPage();
        page.on('response', (res) => {
          if (res.request().isNavigationRequest()) trail.push(`${res.status()} ${res.request().method()} ${res.url().slice(0, 160)}`);
        });
        const seen = () => `\nbrowser navigations:\n  ${trail.slice(-12).join('\n  ')}\nIdP failures: ${idpServer.failures.map((e) => e.message).join('; ') || 'none'}`;
        await page.goto(login);
        const requests = idpServer.requests.length;
        if (how === 'button') {
          const button = page.locator('a.idpButton-customizable');
          await button.first().waitFor({ timeout: 10_000 }).catch(() => assert.fail(`no provider button on ${page.url()}${seen()}`));
          assert.equal(await button.count(), 1, 'one provider button');
          assert.equal((await button.textContent()).trim(), 'Continue with Corp');
          const href = new URL(await button.getAttribute('href'), page.url());
          assert.equal(`${href.origin}${href.pathname}`, `${base}/oauth2/authorize`);
          assert.equal(href.searchParams.get('identity_provider'), 'Corp');
          assert.ok(await page.locator('input[name="idp_identifier"]').isVisible(), 'a provider with IdpIdentifiers: the email field');
          await page.screenshot({ path: join(shots, '2-login-page.png'), fullPage: true });
          await button.click();
        } else {
          await page.fill('input[name="idp_identifier"]', 'someone@corp.example');
          await page.locator('form:has(input[name="idp_identifier"]) button[type="submit"], form:has(input[name="idp_identifier"]) input[type="submit"]').first().click();
        }
        await page.locator('#rp-result, #rp-error, #idp-error, #idp-nobody').first().waitFor({ timeout: 20_000 })
          .catch(() => assert.fail(`${how}: the browser did not reach the RP, at ${page.url()}${seen()}`));
        assert.equal(idpServer.requests.length, requests + 1, `${how}: the IdP got an AuthnRequest${seen()}`);
        const { query } = idpServer.requests.at(-1);
        assert.ok(query.SAMLRequest, `${how}: a SAMLRequest`);
        const result = rp.results.at(-1);
        assert.ok(result?.code, `${how}: the RP got ${JSON.stringify(result)}${seen()}`);
        const { claims } = await exchange(client, result.code);
        checkClaims(claims, { username: `corp_${user.nameId.toLowerCase()}`, user });
      } finally {
        idpServer.users.delete('/corp');
        await context.close();
      }
    }
  });
});
