// The Amplify JS v6 page that e2e/js/amplify.test.mjs and amplify-identity.test.mjs drive in
// Chromium. Configuration comes from the query string:
//   userPoolId, userPoolClientId, userPoolEndpoint  – Amplify.configure's Auth.Cognito
//   storage = local (default) | session | cookie     – where the token provider keeps tokens
//   cookieDomain (optional, storage=cookie)          – CookieStorage's domain; host-only if unset
//   identityPoolId (optional)                        – an identity pool, reached at userPoolEndpoint
//                                                      (identityPoolEndpoint), with guest access
// It exposes window.tessera with one function per flow; each resolves to a plain JSON value and
// rejects with an Error whose message names the step that failed and Amplify's error.
import { Amplify } from 'aws-amplify';
import {
  confirmSignUp,
  fetchAuthSession,
  fetchUserAttributes,
  getCurrentUser,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { CookieStorage, sessionStorage } from 'aws-amplify/utils';

const params = new URLSearchParams(window.location.search);
const config = {
  userPoolId: params.get('userPoolId'),
  userPoolClientId: params.get('userPoolClientId'),
  userPoolEndpoint: params.get('userPoolEndpoint'),
};
if (params.get('identityPoolId')) {
  // Tessera serves both services at one URL.
  Object.assign(config, {
    identityPoolId: params.get('identityPoolId'),
    identityPoolEndpoint: config.userPoolEndpoint,
    allowGuestAccess: true,
  });
}
const storage = params.get('storage') || 'local';
const PREFIX = 'CognitoIdentityServiceProvider';

function configure() {
  if (!config.userPoolId || !config.userPoolClientId || !config.userPoolEndpoint) {
    return 'not configured: userPoolId, userPoolClientId and userPoolEndpoint are needed';
  }
  Amplify.configure({ Auth: { Cognito: config } });
  if (storage === 'session') {
    cognitoUserPoolsTokenProvider.setKeyValueStorage(sessionStorage);
  } else if (storage === 'cookie') {
    const cookieDomain = params.get('cookieDomain');
    cognitoUserPoolsTokenProvider.setKeyValueStorage(
      new CookieStorage({
        ...(cookieDomain ? { domain: cookieDomain } : {}),
        path: '/',
        secure: false, // the page is served over plain http
        sameSite: 'lax',
        expires: 1,
      }),
    );
  } else if (storage !== 'local') {
    return `unknown storage ${storage}`;
  }
  return 'configured';
}

/** Runs one step; a failure names the step and Amplify's error (and its underlying error). */
async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    const under = err?.underlyingError ? ` (underlying: ${err.underlyingError.name}: ${err.underlyingError.message})` : '';
    const e = new Error(`${name} failed: ${err?.name}: ${err?.message}${under}`);
    e.name = err?.name || 'Error';
    throw e;
  }
}

/** Where the token provider's keys are: names (and sizes) per storage. */
function storageSnapshot() {
  const keysOf = (s) =>
    Object.keys(s)
      .filter((k) => k.startsWith(PREFIX))
      .sort();
  const cookies = document.cookie
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => {
      const i = c.indexOf('=');
      return { name: decodeURIComponent(c.slice(0, i)), size: c.length };
    })
    .filter((c) => c.name.startsWith(PREFIX));
  return { local: keysOf(window.localStorage), session: keysOf(window.sessionStorage), cookies };
}

/** The stored value of `${PREFIX}.<clientId>.<lastAuthUser>.<kind>` in the configured storage. */
function stored(kind) {
  const read = (key) => {
    if (storage === 'local') return window.localStorage.getItem(key);
    if (storage === 'session') return window.sessionStorage.getItem(key);
    const c = document.cookie
      .split(';')
      .map((x) => x.trim())
      .find((x) => decodeURIComponent(x.slice(0, x.indexOf('='))) === key);
    return c ? decodeURIComponent(c.slice(c.indexOf('=') + 1)) : null;
  };
  const user = read(`${PREFIX}.${config.userPoolClientId}.LastAuthUser`);
  return user ? read(`${PREFIX}.${config.userPoolClientId}.${user}.${kind}`) : null;
}

const tokensOf = (session) => ({
  accessToken: session.tokens?.accessToken?.toString() ?? null,
  idToken: session.tokens?.idToken?.toString() ?? null,
});

/**
 * Sign-in (SRP, Amplify's default), session, attributes, forced refresh, global sign-out.
 * Returns every token seen so the test can check them against the server afterwards.
 */
async function signInFlow({ username, password }) {
  const out = { storage };
  const result = await step('signIn', () => signIn({ username, password }));
  out.signIn = result;
  if (!result.isSignedIn) throw new Error(`signIn did not finish: next step ${JSON.stringify(result.nextStep)}`);

  out.currentUser = await step('getCurrentUser', () => getCurrentUser());
  out.first = tokensOf(await step('fetchAuthSession', () => fetchAuthSession()));
  out.first.refreshToken = stored('refreshToken');
  if (!out.first.accessToken) throw new Error('fetchAuthSession after signIn returned no tokens');

  out.attributes = await step('fetchUserAttributes', () => fetchUserAttributes());

  out.refreshed = tokensOf(await step('fetchAuthSession({ forceRefresh: true })', () => fetchAuthSession({ forceRefresh: true })));
  out.refreshed.refreshToken = stored('refreshToken');
  if (!out.refreshed.accessToken) {
    throw new Error('fetchAuthSession({ forceRefresh: true }) returned no tokens: the refresh failed (see the network log)');
  }
  // The refreshed tokens are the ones in use now.
  out.attributesAfterRefresh = await step('fetchUserAttributes after the refresh', () => fetchUserAttributes());

  out.storedWhileSignedIn = storageSnapshot();
  await step('signOut({ global: true })', () => signOut({ global: true }));
  out.afterSignOut = tokensOf(await step('fetchAuthSession after signOut', () => fetchAuthSession()));
  out.storedAfterSignOut = storageSnapshot();
  return out;
}

/** Amplify's signUp; the test reads the code from the outbox and calls confirm() next. */
async function signUpFlow({ username, password, email }) {
  return step('signUp', () => signUp({ username, password, options: { userAttributes: { email } } }));
}

async function confirmFlow({ username, code }) {
  return step('confirmSignUp', () => confirmSignUp({ username, confirmationCode: code }));
}

/**
 * fetchAuthSession with `options` ({ forceRefresh }), as plain JSON: the identity id, the AWS
 * credentials (expiration as an ISO string) and the user's sub when signed in.
 */
async function sessionStep(options = {}) {
  const s = await step(`fetchAuthSession(${JSON.stringify(options)})`, () => fetchAuthSession(options));
  const c = s.credentials;
  return {
    identityId: s.identityId ?? null,
    userSub: s.userSub ?? null,
    idToken: s.tokens?.idToken?.toString() ?? null,
    credentials: c
      ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration?.toISOString?.() ?? null }
      : null,
  };
}

/** signIn alone (SRP): the identity-pool test calls fetchAuthSession itself around it. */
async function signInStep({ username, password }) {
  const result = await step('signIn', () => signIn({ username, password }));
  if (!result.isSignedIn) throw new Error(`signIn did not finish: next step ${JSON.stringify(result.nextStep)}`);
  return result;
}

const signOutStep = (options = {}) => step('signOut', () => signOut(options));

const status = configure();
window.tessera = { status, config, storage, signInFlow, signUpFlow, confirmFlow, storageSnapshot, sessionStep, signInStep, signOutStep };
document.getElementById('status').textContent = `${status} (storage: ${storage})`;
