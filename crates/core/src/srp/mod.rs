//! The server side of Secure Remote Password exactly as Amazon Cognito runs it for
//! `USER_SRP_AUTH` (and its `PASSWORD_VERIFIER` challenge).
//!
//! Cognito's SRP is SRP-6a as [RFC 5054] specifies it (the original protocol is [RFC 2945])
//! with the 3072-bit group of RFC 5054 appendix A (`g = 2`) and SHA-256, plus a few details
//! that only its clients document. This module follows the clients, read from their sources:
//! `amazon-cognito-identity-js` 6.3 (`src/AuthenticationHelper.js`, `src/CognitoUser.js`,
//! `src/DateHelper.js`; Amplify v6 ships the same arithmetic) and `pycognito` 2024.5
//! (`pycognito/aws_srp.py`). The known-answer tests in `tests.rs` check every value below
//! against `vectors.json`, which `e2e/srp/vectors.mjs` produces by running the real
//! `amazon-cognito-identity-js` client and `e2e/srp/vectors_pycognito.py` re-checks with
//! pycognito (`e2e/srp/check.sh` runs both).
//!
//! With `H` = SHA-256 and `PAD(n)` = the clients' `padHex`: the big-endian bytes of `n` with
//! no leading zero byte, then one `00` byte prepended when the top bit is set (Java's
//! `BigInteger.toByteArray`; `PAD(0)` is a single `00`):
//!
//! - `k = H(PAD(N) | PAD(g))`
//! - `x = H(PAD(salt) | H(poolName | userIdForSrp | ":" | password))`, the strings in UTF-8,
//!   `poolName` the part of the user pool id after the underscore, `salt` read as an
//!   unsigned big-endian number; `v = g^x mod N` is what the server stores.
//! - `B = (k*v + g^b) mod N`, `u = H(PAD(A) | PAD(B))`, `S = (A * v^u)^b mod N`
//! - `key = HKDF-SHA256(salt = PAD(u), ikm = PAD(S), info = "Caldera Derived Key")`, 16
//!   bytes (one HMAC block: `HMAC(HMAC(PAD(u), PAD(S)), info | 0x01)[..16]`).
//! - `PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName | userIdForSrp |
//!   SECRET_BLOCK bytes | TIMESTAMP))`.
//!
//! Wire formats: `SALT` and `SRP_B` are sent as hex (see [`to_hex`]); both clients parse them
//! as numbers, except that pycognito hashes the `SALT` string as it came, so it must not carry
//! extra leading zeros (it never does in [`to_hex`]'s form). `SRP_A` arrives as the minimal
//! lower-case hex of `A`, possibly of odd length. `TIMESTAMP` is
//! `EEE MMM d HH:mm:ss UTC yyyy` in English with an unpadded day of the month
//! (`Tue Sep 3 06:29:23 UTC 2024`); Cognito verifies the signature over its own rendering of
//! the parsed time, so a zero-padded day or a wrong weekday fails the signature, and so it does
//! here (see [`expected_signature`]).
//!
//! Arithmetic uses `crypto-bigint`'s fixed-size, constant-time Montgomery form (see
//! docs/adr/0005-srp-bigint.md): the arithmetic neither branches on nor indexes memory by a
//! secret (`x`, `v`, `b`, `S`). Powers of the fixed generator use a precomputed table read
//! with constant-time selection; the two powers of client-dependent bases use the crate's
//! constant-time windowed exponentiation. Only the length of `PAD(S)`, which the protocol
//! itself makes depend on `S`'s leading zero bytes, shapes the HKDF input.
//!
//! [RFC 5054]: https://www.rfc-editor.org/rfc/rfc5054
//! [RFC 2945]: https://www.rfc-editor.org/rfc/rfc2945

pub mod client;
mod group;
pub mod timestamp;

#[cfg(test)]
mod tests;

use aws_lc_rs::{constant_time, digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crypto_bigint::ctutils::CtLt;
use crypto_bigint::{U256, U3072};

pub use timestamp::{format_timestamp, parse_timestamp};

use group::{Fe, Group};

/// Length of the random salt Tessera generates (bytes).
pub const SALT_LEN: usize = 16;
/// Length of the server's secret ephemeral b (bytes), at least 256 bits.
pub const EPHEMERAL_LEN: usize = 32;
/// Length of a verifier and of `B` as this module returns them: the size of `N` (bytes).
pub const GROUP_LEN: usize = 384;

/// The `info` of Cognito's HKDF step.
const INFO: &[u8] = b"Caldera Derived Key";
/// Length of the derived key (bytes).
pub const KEY_LEN: usize = 16;

/// Why an SRP value was refused. The messages name the value, never its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// `SRP_A` is empty or not hexadecimal.
    #[error("SRP_A is not a hexadecimal number")]
    MalformedA,
    /// `SRP_A` has more than 3072 significant bits.
    #[error("SRP_A is too long")]
    ATooLong,
    /// `A mod N` is zero, or `A` is not below `N`.
    #[error("SRP_A is not a valid public value")]
    InvalidA,
    /// The stored verifier is longer than `N`, zero, or not below `N`.
    #[error("the SRP verifier is malformed")]
    MalformedVerifier,
    /// The secret ephemeral is not [`EPHEMERAL_LEN`] bytes or is zero.
    #[error("the SRP ephemeral secret is malformed")]
    MalformedEphemeral,
    /// The big-number library failed (it could not allocate).
    #[error("SRP arithmetic failed")]
    Arithmetic,
    /// `u = H(A | B)` is zero (the protocol aborts).
    #[error("the SRP scrambling parameter is zero")]
    ZeroU,
    /// `TIMESTAMP` is not `EEE MMM d HH:mm:ss UTC yyyy`.
    #[error("TIMESTAMP is not in the EEE MMM d HH:mm:ss UTC yyyy format")]
    InvalidTimestamp,
}

/// The pool name SRP hashes: the part of a user pool id after the underscore
/// (`"us-east-1_AbC123"` gives `"AbC123"`), as the clients take it (`split('_')[1]`); an id
/// without an underscore is returned whole.
pub fn pool_name(user_pool_id: &str) -> &str {
    user_pool_id.split('_').nth(1).unwrap_or(user_pool_id)
}

/// v = g^x mod N as big-endian bytes (fixed 384-byte length is fine).
///
/// Always [`GROUP_LEN`] bytes. `salt` is read as an unsigned big-endian number, so its
/// leading zero bytes do not count, exactly as the clients read the `SALT` that [`to_hex`]
/// renders from the same bytes. `user_id_for_srp` must be the string the server will send as
/// `USER_ID_FOR_SRP`.
pub fn verifier(pool_name: &str, user_id_for_srp: &str, password: &str, salt: &[u8]) -> Vec<u8> {
    let x = private_key(pool_name, user_id_for_srp, password, salt);
    let v = Group::get().g_pow(&x);
    to_group_bytes(&v.retrieve()).to_vec()
}

/// B = (k*v + g^b) mod N, big-endian bytes. Errors if v is malformed.
///
/// Always [`GROUP_LEN`] bytes; send it with [`to_hex`]. `b` must be [`EPHEMERAL_LEN`] random
/// bytes (not zero); `verifier` as [`verifier`] returned it (shorter big-endian input is
/// accepted; it must be non-zero and below `N`).
pub fn server_public(verifier: &[u8], b: &[u8]) -> Result<Vec<u8>, SrpError> {
    let v = parse_verifier(verifier)?;
    let b = parse_ephemeral(b)?;
    let big_b = public_b(&v, &b);
    Ok(to_group_bytes(&big_b.retrieve()).to_vec())
}

/// Hex as Cognito sends SALT / SRP_B (what the clients parse).
///
/// The number the bytes spell, big-endian, in the clients' `padHex` form: lower-case, no
/// leading zero bytes, one `00` byte in front when the top bit is set (`"00"` for zero). Both
/// clients and the verifier then read the same salt, including pycognito, which hashes the
/// `SALT` string without parsing it.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(pad(bytes))
}

/// Checks an `SRP_A` as [`expected_signature`] will, so that `InitiateAuth` can refuse it
/// before answering.
pub fn check_client_public(srp_a_hex: &str) -> Result<(), SrpError> {
    parse_a(srp_a_hex).map(|_| ())
}

/// The signature the client must have sent (32 bytes), or Err for an invalid A (A mod N == 0, not hex, too long) or a u of zero.
///
/// `verifier` and `b` as for [`server_public`] (B is recomputed from them), `srp_a_hex` the
/// client's `SRP_A`, `secret_block` the decoded bytes of the `SECRET_BLOCK` the server issued,
/// `timestamp` the client's `TIMESTAMP` as received. Like Cognito, the signature is computed
/// over the canonical rendering of the parsed timestamp ([`format_timestamp`] of
/// [`parse_timestamp`]), so a client that signed a zero-padded day or a wrong weekday does not
/// match; an unparsable timestamp is [`SrpError::InvalidTimestamp`]. Compare with
/// [`signature_matches`].
pub fn expected_signature(
    pool_name: &str,
    user_id_for_srp: &str,
    verifier: &[u8],
    b: &[u8],
    srp_a_hex: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Result<[u8; 32], SrpError> {
    let secs = parse_timestamp(timestamp).ok_or(SrpError::InvalidTimestamp)?;
    let key = password_authentication_key(verifier, b, srp_a_hex)?;
    Ok(claim_signature(
        &key,
        pool_name,
        user_id_for_srp,
        secret_block,
        &format_timestamp(secs),
    ))
}

/// The 16-byte key both sides derive (Cognito's "Caldera Derived Key"), from the stored
/// verifier, the server's secret `b` and the client's `SRP_A`. [`expected_signature`] is this
/// followed by [`claim_signature`]; the key can be computed at `InitiateAuth` already, since
/// `A` is known then.
pub fn password_authentication_key(
    verifier: &[u8],
    b: &[u8],
    srp_a_hex: &str,
) -> Result<[u8; KEY_LEN], SrpError> {
    server_start(verifier, b, srp_a_hex).map(|(_, key)| key)
}

/// `InitiateAuth`'s whole share of the arithmetic: `B` to send (as [`server_public`]) and
/// the key the client will have to prove it derived (as [`password_authentication_key`]),
/// computing `B` once. `RespondToAuthChallenge` then only checks an HMAC
/// ([`claim_signature`]).
pub fn server_start(
    verifier: &[u8],
    b: &[u8],
    srp_a_hex: &str,
) -> Result<(Vec<u8>, [u8; KEY_LEN]), SrpError> {
    let a = parse_a(srp_a_hex)?;
    let v = parse_verifier(verifier)?;
    let b = parse_ephemeral(b)?;
    let big_b = to_group_bytes(&public_b(&v, &b).retrieve());
    let u = scrambler(&a.padded, &big_b)?;
    let s = premaster_secret(&a.value, &v, &u, &b)?;
    Ok((big_b.to_vec(), derive_key(&pad(&u), &pad(&s))))
}

/// HMAC-SHA256 under `key` of `poolName | userIdForSrp | secret_block | timestamp`: the
/// `PASSWORD_CLAIM_SIGNATURE` before base64, for a timestamp already in canonical form.
pub fn claim_signature(
    key: &[u8; KEY_LEN],
    pool_name: &str,
    user_id_for_srp: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(pool_name.as_bytes());
    ctx.update(user_id_for_srp.as_bytes());
    ctx.update(secret_block);
    ctx.update(timestamp.as_bytes());
    to_32(ctx.sign().as_ref())
}

/// Whether `claim_b64` (a `PASSWORD_CLAIM_SIGNATURE`, standard base64) decodes to `expected`,
/// compared in constant time. Anything that is not base64 of 32 bytes does not match.
pub fn signature_matches(expected: &[u8; 32], claim_b64: &str) -> bool {
    match STANDARD.decode(claim_b64.trim()) {
        Ok(claim) => constant_time::verify_slices_are_equal(expected, &claim).is_ok(),
        Err(_) => false,
    }
}

/// For benchmarks only: one general constant-time exponentiation `g^b mod N` by the
/// implementation [`expected_signature`] runs twice (for `v^u` and `(A*v^u)^b`), not with
/// the generator's precomputed table. `b` is read as a big-endian number of at most 256 bits
/// (longer input keeps its last 32 bytes). Returns [`GROUP_LEN`] bytes (empty if OpenSSL
/// fails to allocate).
pub fn bench_modexp(b: &[u8]) -> Vec<u8> {
    use openssl::bn::{BigNum, BigNumContext};
    let run = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let n = BigNum::from_slice(Fe::MODULUS.as_ref().to_be_bytes().as_ref())?;
        let mut ctx = BigNumContext::new()?;
        let mut g = BigNum::from_u32(2)?;
        g.set_const_time();
        let mut e = BigNum::from_slice(&left_pad::<32>(b))?;
        e.set_const_time();
        let mut s = BigNum::new()?;
        s.mod_exp(&g, &e, &n, &mut ctx)?;
        s.to_vec_padded(GROUP_LEN as i32)
    };
    run().unwrap_or_default()
}

/// For benchmarks only: [`bench_modexp`] with crypto-bigint's constant-time `pow`, which
/// sign-ins used before (ADR 0005), to compare the two in one run.
pub fn bench_modexp_crypto_bigint(b: &[u8]) -> Vec<u8> {
    let e = U256::from_be_slice(&left_pad::<32>(b));
    let g = Fe::new(&U3072::from_u8(2));
    to_group_bytes(&g.pow(&e).retrieve()).to_vec()
}

/// Builds the process-wide table of powers of `g` now (a few milliseconds, 384 KiB) rather
/// than in the first SRP call that needs it. Optional.
pub fn warm_up() {
    Group::get();
}

// ---------------------------------------------------------------------------------------

/// A client public value: its residue and its `padHex` bytes (what `u` hashes).
struct ClientPublic {
    value: Fe,
    padded: Vec<u8>,
}

/// Parses `SRP_A` as `new BigInteger(hex, 16)` would, and applies RFC 5054's check.
fn parse_a(srp_a_hex: &str) -> Result<ClientPublic, SrpError> {
    if srp_a_hex.is_empty() || !srp_a_hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(SrpError::MalformedA);
    }
    let digits = srp_a_hex.trim_start_matches('0');
    if digits.len() > 2 * GROUP_LEN {
        return Err(SrpError::ATooLong);
    }
    if digits.is_empty() {
        return Err(SrpError::InvalidA);
    }
    let even = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    let bytes = hex::decode(even).map_err(|_| SrpError::MalformedA)?;
    let value = U3072::from_be_slice(&left_pad::<GROUP_LEN>(&bytes));
    // Below N and not zero, so A mod N is not zero either.
    if !value.ct_lt(Fe::MODULUS.as_ref()).to_bool() {
        return Err(SrpError::InvalidA);
    }
    Ok(ClientPublic {
        value: Fe::new(&value),
        padded: pad(&bytes),
    })
}

fn parse_verifier(verifier: &[u8]) -> Result<Fe, SrpError> {
    let (extra, low) = verifier.split_at(verifier.len().saturating_sub(GROUP_LEN));
    if extra.iter().any(|&byte| byte != 0) {
        return Err(SrpError::MalformedVerifier);
    }
    let v = U3072::from_be_slice(&left_pad::<GROUP_LEN>(low));
    let ok = v.ct_lt(Fe::MODULUS.as_ref()).and(v.is_nonzero());
    if !ok.to_bool() {
        return Err(SrpError::MalformedVerifier);
    }
    Ok(Fe::new(&v))
}

fn parse_ephemeral(b: &[u8]) -> Result<[u8; EPHEMERAL_LEN], SrpError> {
    let b: [u8; EPHEMERAL_LEN] = b.try_into().map_err(|_| SrpError::MalformedEphemeral)?;
    if !U256::from_be_slice(&b).is_nonzero().to_bool() {
        return Err(SrpError::MalformedEphemeral);
    }
    Ok(b)
}

/// x = H(PAD(salt) | H(poolName | userIdForSrp | ":" | password)), 32 big-endian bytes.
fn private_key(pool_name: &str, user_id_for_srp: &str, password: &str, salt: &[u8]) -> [u8; 32] {
    let mut inner = digest::Context::new(&digest::SHA256);
    inner.update(pool_name.as_bytes());
    inner.update(user_id_for_srp.as_bytes());
    inner.update(b":");
    inner.update(password.as_bytes());
    let inner = inner.finish();
    let mut outer = digest::Context::new(&digest::SHA256);
    outer.update(&pad(salt));
    outer.update(inner.as_ref());
    to_32(outer.finish().as_ref())
}

/// B = k*v + g^b mod N.
fn public_b(v: &Fe, b: &[u8; EPHEMERAL_LEN]) -> Fe {
    let group = Group::get();
    group.k.mul(v).add(&group.g_pow(b))
}

/// u = H(PAD(A) | PAD(B)); refused when zero.
fn scrambler(a_padded: &[u8], b_bytes: &[u8]) -> Result<[u8; 32], SrpError> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(a_padded);
    ctx.update(&pad(b_bytes));
    let u = to_32(ctx.finish().as_ref());
    if u.iter().all(|&byte| byte == 0) {
        return Err(SrpError::ZeroU);
    }
    Ok(u)
}

/// S = (A * v^u)^b mod N, with OpenSSL's Montgomery exponentiation (about twice as fast as
/// crypto-bigint's here, ADR 0005). `(…)^b` runs `BN_mod_exp_mont_consttime` (`b` flagged
/// `BN_FLG_CONSTTIME`): fixed windows, table entries gathered in constant time. `v^u` is
/// variable-time in the exponent only: `u = H(A | B)` is public (anyone who sees A and B
/// computes it), and every Montgomery multiplication is constant-time whatever the base. The
/// secret numbers are cleared before they are freed.
fn premaster_secret(
    a: &Fe,
    v: &Fe,
    u: &[u8; 32],
    b: &[u8; EPHEMERAL_LEN],
) -> Result<[u8; GROUP_LEN], SrpError> {
    use openssl::bn::{BigNum, BigNumContext};
    let arithmetic = |_| SrpError::Arithmetic;
    let n = BigNum::from_slice(Fe::MODULUS.as_ref().to_be_bytes().as_ref()).map_err(arithmetic)?;
    let mut ctx = BigNumContext::new_secure().map_err(arithmetic)?;
    let mut v = BigNum::from_slice(&to_group_bytes(&v.retrieve())).map_err(arithmetic)?;
    v.set_const_time();
    let u = BigNum::from_slice(u).map_err(arithmetic)?;
    let a = BigNum::from_slice(&to_group_bytes(&a.retrieve())).map_err(arithmetic)?;
    let mut b = BigNum::from_slice(b).map_err(arithmetic)?;
    b.set_const_time();
    let mut t = BigNum::new().map_err(arithmetic)?;
    let mut base = BigNum::new().map_err(arithmetic)?;
    let mut s = BigNum::new().map_err(arithmetic)?;
    let out = t
        .mod_exp(&v, &u, &n, &mut ctx)
        .and_then(|()| base.mod_mul(&a, &t, &n, &mut ctx))
        .and_then(|()| {
            base.set_const_time();
            s.mod_exp(&base, &b, &n, &mut ctx)
        })
        .and_then(|()| s.to_vec_padded(GROUP_LEN as i32));
    for x in [&mut v, &mut b, &mut t, &mut base, &mut s] {
        x.clear();
    }
    let out = out.map_err(arithmetic)?;
    Ok(left_pad::<GROUP_LEN>(&out))
}

/// Cognito's HKDF: one block of HKDF-SHA256 with info "Caldera Derived Key", cut to 16 bytes.
fn derive_key(salt: &[u8], ikm: &[u8]) -> [u8; KEY_LEN] {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()));
    ctx.update(INFO);
    ctx.update(&[1]);
    let okm = ctx.sign();
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(&okm.as_ref()[..KEY_LEN]);
    key
}

/// The clients' `padHex` on a big-endian number, as bytes.
fn pad(bytes: &[u8]) -> Vec<u8> {
    let significant = strip_leading_zeros(bytes);
    let mut out = Vec::with_capacity(significant.len() + 1);
    if significant.first().is_none_or(|&top| top & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(significant);
    out
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&byte| byte == 0).count();
    &bytes[zeros..]
}

/// Right-aligns `bytes` in `L` bytes, keeping the last `L` when longer.
fn left_pad<const L: usize>(bytes: &[u8]) -> [u8; L] {
    let mut out = [0u8; L];
    let take = bytes.len().min(L);
    out[L - take..].copy_from_slice(&bytes[bytes.len() - take..]);
    out
}

fn to_32(bytes: &[u8]) -> [u8; 32] {
    left_pad::<32>(bytes)
}

fn to_group_bytes(n: &U3072) -> [u8; GROUP_LEN] {
    left_pad::<GROUP_LEN>(n.to_be_bytes().as_ref())
}
