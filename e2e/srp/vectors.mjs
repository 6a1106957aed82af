// Known-answer vectors for Tessera's SRP (crates/core/src/srp), produced by the real
// amazon-cognito-identity-js client.
//
// For each vector a server with a fixed secret `b` is simulated here with JavaScript BigInt
// (an implementation independent of both the Rust code and the client), and the client is
// the package's own CognitoUser.authenticateUser, unmodified except that its random `a`
// is fixed (AuthenticationHelper.prototype.generateRandomSmallA) and the clock is frozen,
// talking to a stub of the Cognito API. The script fails unless the client's SRP_A,
// TIMESTAMP, USERNAME and PASSWORD_CLAIM_SIGNATURE equal what the simulated server expects,
// then prints every intermediate value as JSON (crates/core/src/srp/vectors.json).
//
// `a` and `b` are drawn from seeded SHA-256 streams until the vector's conditions hold, so
// the edge cases of the clients' padHex (a leading 00 byte when the top bit is set, none
// for a number whose top byte is zero) are all exercised. Run: node vectors.mjs

import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import cognito from 'amazon-cognito-identity-js';

const { AuthenticationDetails, AuthenticationHelper, CognitoUser, CognitoUserPool } = cognito;

const require = createRequire(import.meta.url);
const CLIENT_VERSION = JSON.parse(
	readFileSync(require.resolve('amazon-cognito-identity-js/package.json'), 'utf8'),
).version;

// RFC 5054 appendix A, 3072-bit group.
const N = BigInt(
	'0x' +
		'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1' +
		'29024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
		'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245' +
		'E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
		'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D' +
		'C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
		'83655D23DCA3AD961C62F356208552BB9ED529077096966D' +
		'670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
		'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9' +
		'DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
		'15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64' +
		'ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
		'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B' +
		'F12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
		'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31' +
		'43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;

// ---- the simulated server, in BigInt ------------------------------------------------

function modPow(base, exp, mod) {
	let result = 1n;
	base %= mod;
	for (const bit of exp.toString(2)) {
		result = (result * result) % mod;
		if (bit === '1') result = (result * base) % mod;
	}
	return result;
}

/** The clients' padHex, written from its definition (Java's BigInteger.toByteArray). */
function padHex(n) {
	let hex = n.toString(16);
	if (hex.length % 2 === 1) hex = `0${hex}`;
	if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
	return hex;
}

const sha256 = (...parts) => {
	const h = createHash('sha256');
	for (const p of parts) h.update(p);
	return h.digest();
};
const hmac = (key, ...parts) => {
	const h = createHmac('sha256', key);
	for (const p of parts) h.update(p);
	return h.digest();
};
const hexBuf = (hex) => Buffer.from(hex, 'hex');
const big = (buf) => BigInt(`0x${buf.toString('hex') || '0'}`);
const fixedHex = (n) => n.toString(16).padStart(768, '0');

const k = big(sha256(hexBuf(padHex(N) + padHex(g))));

/** `len` bytes of a SHA-256 stream seeded with `label`. */
function stream(label, len) {
	const out = [];
	for (let i = 0; Buffer.concat(out).length < len; i += 1) out.push(sha256(`${label}#${i}`));
	return Buffer.concat(out).subarray(0, len);
}

/** The first index from `from` on whose candidate satisfies `ok`, and that candidate. */
function search(label, len, from, ok) {
	for (let i = from; i < from + 100000; i += 1) {
		const candidate = stream(`${label}/${i}`, len);
		if (ok(candidate)) return { index: i, bytes: candidate };
	}
	throw new Error(`no candidate for ${label}`);
}

const topByte = (n) => parseInt(n.toString(16).padStart(768, '0').slice(0, 2), 16);

// ---- the vectors ------------------------------------------------------------------------

// `aOk` / `bOk` are the padHex edge cases each vector must hit; FOUND below says where the
// searches for `a` and `b` start.
const VECTORS = [
	{
		name: 'basic',
		userPoolId: 'us-east-1_AbC123xyz',
		username: 'alice',
		userIdForSrp: 'alice',
		password: 'Correct Horse Battery Staple 1!',
		// Top bit set: padHex prepends 00.
		salt: 'a75c6e0bd3f24c19e8b1027d9f4e6a31',
		time: '2024-09-03T06:29:23Z',
		timestamp: 'Tue Sep 3 06:29:23 UTC 2024',
		secretBlockLen: 96,
		aOk: (A) => topByte(A) >= 0x80,
		bOk: ({ B, u, S }) => topByte(B) >= 0x80 && u[0] >= 0x80 && topByte(S()) >= 0x80,
	},
	{
		name: 'salt and B with a leading zero byte',
		userPoolId: 'eu-west-2_Zq9PwL4mN',
		username: 'Bob.Builder',
		userIdForSrp: 'Bob.Builder',
		password: 'hunter2-hunter2',
		// A leading zero byte: SALT is sent without it, x hashes 15 bytes.
		salt: '003c91e4b7a0d2f65e18c3a97b40d61f',
		time: '2025-12-25T23:59:59Z',
		timestamp: 'Thu Dec 25 23:59:59 UTC 2025',
		secretBlockLen: 128,
		aOk: () => true,
		bOk: ({ B }) => topByte(B) === 0,
	},
	{
		name: 'alias sign-in, non-ASCII, odd-length SRP_A, u with a leading zero byte',
		userPoolId: 'ap-southeast-2_8fKdPq2Xy',
		username: 'Carol@Example.com',
		userIdForSrp: '5f1b7c2e-9a43-4d0e-b6c8-2e7f0a9d3c41',
		password: 'pässwörd 🔑 用户',
		salt: '4e0d2a9c7b61f3e85d0a1c9b2e7f4a60',
		time: '2026-02-01T00:00:07Z',
		timestamp: 'Sun Feb 1 00:00:07 UTC 2026',
		secretBlockLen: 53,
		aOk: (A) => A.toString(16).length % 2 === 1,
		bOk: ({ u }) => u[0] === 0,
	},
	{
		name: 'A and S with a leading zero byte',
		userPoolId: 'us-west-2_Xy7',
		username: 'dave_ü',
		userIdForSrp: 'dave_ü',
		password: ' spaces and : colons ',
		salt: 'ff00000000000000000000000000000f',
		time: '2030-07-04T12:05:09Z',
		timestamp: 'Thu Jul 4 12:05:09 UTC 2030',
		secretBlockLen: 200,
		aOk: (A) => topByte(A) === 0,
		bOk: ({ S }) => topByte(S()) === 0,
	},
];

// The indexes earlier runs found for `a` and `b`, so that a run does not search again (a
// vector not listed, or whose conditions changed, is searched from 0).
const FOUND = {
	basic: [0, 11],
	'salt and B with a leading zero byte': [0, 36],
	'alias sign-in, non-ASCII, odd-length SRP_A, u with a leading zero byte': [1, 66],
	'A and S with a leading zero byte': [88, 453],
};

// ---- the real client ------------------------------------------------------------------

let fixedA = null;
AuthenticationHelper.prototype.generateRandomSmallA = function fixedSmallA() {
	// `this.g` is the package's own BigInteger class, as padHex requires.
	return new this.g.constructor(fixedA, 16);
};

const RealDate = Date;
function freezeClock(ms) {
	globalThis.Date = class FrozenDate extends RealDate {
		constructor(...args) {
			if (args.length === 0) super(ms);
			else super(...args);
		}
		static now() {
			return ms;
		}
	};
}
function thawClock() {
	globalThis.Date = RealDate;
}

/** Runs CognitoUser.authenticateUser against a stub API; returns both requests it made. */
function runClient(v, challengeParameters) {
	const pool = new CognitoUserPool({ UserPoolId: v.userPoolId, ClientId: '1example23456789' });
	const user = new CognitoUser({ Username: v.username, Pool: pool });
	const seen = {};
	user.client = {
		request(operation, params, callback) {
			seen[operation] = params;
			if (operation === 'InitiateAuth') {
				callback(null, { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: challengeParameters });
			} else {
				callback({ code: 'NotAuthorizedException', name: 'NotAuthorizedException', message: 'stub' }, null);
			}
		},
	};
	let failure = null;
	user.authenticateUser(new AuthenticationDetails({ Username: v.username, Password: v.password }), {
		onSuccess: () => {
			failure = new Error('unexpected success');
		},
		onFailure: (err) => {
			if (err.message !== 'stub') failure = err;
		},
	});
	if (failure) throw failure;
	if (!seen.RespondToAuthChallenge) throw new Error(`${v.name}: the client did not answer the challenge`);
	return seen;
}

function check(cond, what) {
	if (!cond) throw new Error(`mismatch: ${what}`);
}

function makeVector(v) {
	const poolName = v.userPoolId.split('_')[1];
	const saltHex = padHex(big(hexBuf(v.salt)));
	const identity = sha256(Buffer.from(`${poolName}${v.userIdForSrp}:${v.password}`, 'utf8'));
	const x = big(sha256(hexBuf(saltHex), identity));
	const verifier = modPow(g, x, N);

	const [aHint, bHint] = FOUND[v.name] ?? [0, 0];
	const aFound = search(`${v.name}/a`, 128, aHint, (bytes) => v.aOk(modPow(g, big(bytes), N)));
	const a = big(aFound.bytes);
	const A = modPow(g, a, N);

	const server = (bBytes) => {
		const b = big(bBytes);
		const B = (k * verifier + modPow(g, b, N)) % N;
		const u = sha256(hexBuf(padHex(A) + padHex(B)));
		let s = null;
		const S = () => {
			if (s === null) s = modPow((A * modPow(verifier, big(u), N)) % N, b, N);
			return s;
		};
		return { b, B, u, S };
	};
	const bFound = search(`${v.name}/b`, 32, bHint, (bytes) => v.bOk(server(bytes)));
	const { B, u, S } = server(bFound.bytes);
	const uBig = big(u);
	check(uBig !== 0n, 'u is zero');

	const key = hmac(hmac(hexBuf(padHex(uBig)), hexBuf(padHex(S()))), 'Caldera Derived Key', Buffer.from([1])).subarray(
		0,
		16,
	);
	const secretBlock = stream(`${v.name}/secret-block`, v.secretBlockLen);
	const signature = hmac(
		key,
		Buffer.from(poolName, 'utf8'),
		Buffer.from(v.userIdForSrp, 'utf8'),
		secretBlock,
		Buffer.from(v.timestamp, 'utf8'),
	).toString('base64');

	// The client, against the simulated server.
	fixedA = aFound.bytes.toString('hex');
	freezeClock(RealDate.parse(v.time));
	let seen;
	try {
		seen = runClient(v, {
			USERNAME: v.userIdForSrp,
			USER_ID_FOR_SRP: v.userIdForSrp,
			SALT: saltHex,
			SRP_B: padHex(B),
			SECRET_BLOCK: secretBlock.toString('base64'),
		});
	} finally {
		thawClock();
	}
	const srpA = seen.InitiateAuth.AuthParameters.SRP_A;
	const answer = seen.RespondToAuthChallenge.ChallengeResponses;
	check(BigInt(`0x${srpA}`) === A, `${v.name}: SRP_A`);
	check(seen.InitiateAuth.AuthParameters.USERNAME === v.username, `${v.name}: InitiateAuth USERNAME`);
	check(answer.TIMESTAMP === v.timestamp, `${v.name}: TIMESTAMP ${answer.TIMESTAMP}`);
	check(answer.USERNAME === v.userIdForSrp, `${v.name}: USERNAME`);
	check(answer.PASSWORD_CLAIM_SECRET_BLOCK === secretBlock.toString('base64'), `${v.name}: secret block`);
	check(answer.PASSWORD_CLAIM_SIGNATURE === signature, `${v.name}: PASSWORD_CLAIM_SIGNATURE`);

	// The client's intermediate values, through its helper.
	const helper = new AuthenticationHelper(poolName);
	check(helper.getLargeAValue.length === 1, 'helper API');
	const hkdf = new Promise((resolve, reject) => {
		helper.getPasswordAuthenticationKey(
			v.userIdForSrp,
			v.password,
			new helper.g.constructor(padHex(B), 16),
			new helper.g.constructor(saltHex, 16),
			(err, value) => (err ? reject(err) : resolve(value)),
		);
	});
	return hkdf.then((clientKey) => {
		check(Buffer.from(clientKey).equals(key), `${v.name}: HKDF key`);
		check(helper.UValue.toString(16) === uBig.toString(16), `${v.name}: u`);
		check(helper.k.toString(16) === k.toString(16), 'k');

		const cases = [];
		const saltBytes = hexBuf(v.salt);
		if (saltBytes[0] === 0) cases.push('salt_leading_zero_byte');
		if (saltBytes[0] >= 0x80) cases.push('salt_top_bit');
		if (srpA.length % 2 === 1) cases.push('srp_a_odd_length');
		for (const [label, n] of [
			['A', A],
			['B', B],
			['S', S()],
		]) {
			if (topByte(n) === 0) cases.push(`${label}_leading_zero_byte`);
			if (topByte(n) >= 0x80) cases.push(`${label}_top_bit`);
		}
		if (u[0] === 0) cases.push('u_leading_zero_byte');
		if (u[0] >= 0x80) cases.push('u_top_bit');
		if (!/^[\x20-\x7e]*$/.test(v.userIdForSrp + v.password)) cases.push('non_ascii');
		if (v.username !== v.userIdForSrp) cases.push('alias_sign_in');

		return {
			name: v.name,
			user_pool_id: v.userPoolId,
			pool_name: poolName,
			username: v.username,
			user_id_for_srp: v.userIdForSrp,
			password: v.password,
			salt_bytes: v.salt,
			salt_hex: saltHex,
			x: x.toString(16).padStart(64, '0'),
			verifier: fixedHex(verifier),
			a_index: aFound.index,
			a: aFound.bytes.toString('hex'),
			srp_a: srpA,
			b_index: bFound.index,
			b: bFound.bytes.toString('hex'),
			big_b: fixedHex(B),
			srp_b: padHex(B),
			u: u.toString('hex'),
			s_padded: padHex(S()),
			key: key.toString('hex'),
			secret_block: secretBlock.toString('base64'),
			timestamp: v.timestamp,
			timestamp_epoch: RealDate.parse(v.time) / 1000,
			signature,
			cases,
		};
	});
}

const REQUIRED_CASES = [
	'salt_leading_zero_byte',
	'salt_top_bit',
	'srp_a_odd_length',
	'A_leading_zero_byte',
	'A_top_bit',
	'B_leading_zero_byte',
	'B_top_bit',
	'S_leading_zero_byte',
	'S_top_bit',
	'u_leading_zero_byte',
	'u_top_bit',
	'non_ascii',
	'alias_sign_in',
];

const vectors = [];
for (const v of VECTORS) vectors.push(await makeVector(v));
const hit = new Set(vectors.flatMap((v) => v.cases));
const missing = REQUIRED_CASES.filter((c) => !hit.has(c));
if (missing.length) throw new Error(`cases not covered: ${missing.join(', ')}`);

process.stdout.write(
	`${JSON.stringify(
		{
			source: `amazon-cognito-identity-js ${CLIENT_VERSION} via e2e/srp/vectors.mjs`,
			k: k.toString(16).padStart(64, '0'),
			vectors,
		},
		null,
		2,
	)}\n`,
);
