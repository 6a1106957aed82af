//! The server key and what it protects: SRP verifiers, refresh tokens, challenge sessions
//! (SRP `SECRET_BLOCK` and `Session`) and the pools' private signing keys.
//!
//! The server key is 32 random bytes kept outside the database (a file in the data folder,
//! or configured). Each use gets its own subkey, derived with HKDF-SHA256 (RFC 5869) from
//! the server key and a purpose label, so a value sealed for one purpose never opens as
//! another. Sealing is AES-256-GCM with a random 96-bit nonce: `nonce || ciphertext || tag`.
//! Reading the database alone therefore gives neither verifiers nor signing keys, and a
//! client can neither read nor forge a refresh token or a session.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};

use crate::rand::Rng;
use crate::secret::Secret;

/// Length of the server key in bytes.
pub const SERVER_KEY_LEN: usize = 32;

/// What a sealed value is for. Each purpose has its own derived key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SrpVerifier,
    RefreshToken,
    AuthSession,
    SigningKey,
    /// Deterministic per-user values that hide whether a user exists (fake SRP salts).
    UserExistence,
    /// App client secrets at rest.
    ClientSecret,
    /// The hosted sign-in session cookie.
    HostedSession,
    /// Software-token (TOTP) secrets at rest and in setup sessions.
    TotpSecret,
    /// The admin console's session cookie.
    ConsoleSession,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::SrpVerifier => b"tessera srp verifier v1",
            Purpose::RefreshToken => b"tessera refresh token v1",
            Purpose::AuthSession => b"tessera auth session v1",
            Purpose::SigningKey => b"tessera signing key v1",
            Purpose::UserExistence => b"tessera user existence v1",
            Purpose::ClientSecret => b"tessera client secret v1",
            Purpose::HostedSession => b"tessera hosted session v1",
            Purpose::TotpSecret => b"tessera totp secret v1",
            Purpose::ConsoleSession => b"tessera console session v1",
        }
    }
}

/// AES-256-GCM under `key` with a random 96-bit nonce: `nonce || ciphertext || tag`.
/// `None` only for inputs over GCM's 64 GiB limit.
pub(crate) fn seal_with(
    key: &LessSafeKey,
    context: &[u8],
    plaintext: &[u8],
    rng: &dyn Rng,
) -> Option<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce);
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + 16);
    out.extend_from_slice(&nonce);
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(context),
        &mut body,
    )
    .ok()?;
    out.extend_from_slice(&body);
    Some(out)
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// The server key with its derived subkeys.
pub struct Sealer {
    srp: LessSafeKey,
    refresh: LessSafeKey,
    session: LessSafeKey,
    signing: LessSafeKey,
    client_secret: LessSafeKey,
    hosted: LessSafeKey,
    totp: LessSafeKey,
    console: LessSafeKey,
    existence: aws_lc_rs::hmac::Key,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

/// Sealed data that does not open: wrong key, wrong purpose, or tampered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed value does not open")]
pub struct Unsealable;

fn derive(master: &[u8; SERVER_KEY_LEN], purpose: Purpose) -> [u8; 32] {
    let prk = Salt::new(HKDF_SHA256, b"tessera").extract(master);
    let mut out = [0u8; 32];
    // Expanding 32 bytes from a SHA-256 PRK cannot fail (the limit is 255 × 32).
    if let Ok(okm) = prk.expand(&[purpose.label()], Len(32)) {
        let _ = okm.fill(&mut out);
    }
    out
}

fn aead(master: &[u8; SERVER_KEY_LEN], purpose: Purpose) -> Result<LessSafeKey, Unsealable> {
    let key = derive(master, purpose);
    UnboundKey::new(&AES_256_GCM, &key)
        .map(LessSafeKey::new)
        .map_err(|_| Unsealable)
}

impl Sealer {
    pub fn new(master: &Secret<[u8; SERVER_KEY_LEN]>) -> Result<Self, Unsealable> {
        let m = master.expose();
        Ok(Sealer {
            srp: aead(m, Purpose::SrpVerifier)?,
            refresh: aead(m, Purpose::RefreshToken)?,
            session: aead(m, Purpose::AuthSession)?,
            signing: aead(m, Purpose::SigningKey)?,
            client_secret: aead(m, Purpose::ClientSecret)?,
            hosted: aead(m, Purpose::HostedSession)?,
            totp: aead(m, Purpose::TotpSecret)?,
            console: aead(m, Purpose::ConsoleSession)?,
            existence: aws_lc_rs::hmac::Key::new(
                aws_lc_rs::hmac::HMAC_SHA256,
                &derive(m, Purpose::UserExistence),
            ),
        })
    }

    fn key(&self, purpose: Purpose) -> &LessSafeKey {
        match purpose {
            Purpose::SrpVerifier => &self.srp,
            Purpose::RefreshToken => &self.refresh,
            Purpose::AuthSession => &self.session,
            Purpose::SigningKey | Purpose::UserExistence => &self.signing,
            Purpose::ClientSecret => &self.client_secret,
            Purpose::HostedSession => &self.hosted,
            Purpose::TotpSecret => &self.totp,
            Purpose::ConsoleSession => &self.console,
        }
    }

    /// Encrypts and authenticates `plaintext`, bound to `context` (for example the pool id):
    /// the result opens only with the same purpose and context.
    pub fn seal(
        &self,
        purpose: Purpose,
        context: &[u8],
        plaintext: &[u8],
        rng: &dyn Rng,
    ) -> Vec<u8> {
        seal_with(self.key(purpose), context, plaintext, rng).unwrap_or_default()
    }

    /// Opens what [`Sealer::seal`] made with the same purpose and context.
    pub fn open(
        &self,
        purpose: Purpose,
        context: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, Unsealable> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(Unsealable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unsealable)?;
        let mut body = body.to_vec();
        let plain = self
            .key(purpose)
            .open_in_place(nonce, Aad::from(context), &mut body)
            .map_err(|_| Unsealable)?;
        Ok(plain.to_vec())
    }

    /// A keyed, deterministic digest (HMAC-SHA256) for values that must look random but stay
    /// the same on every call, such as the SRP salt shown for a user that does not exist.
    pub fn stable_digest(&self, input: &[u8]) -> [u8; 32] {
        let tag = aws_lc_rs::hmac::sign(&self.existence, input);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rand::SeededRng;

    fn sealer(byte: u8) -> Sealer {
        Sealer::new(&Secret::new([byte; SERVER_KEY_LEN])).unwrap()
    }

    #[test]
    fn round_trip_and_binding() {
        let rng = SeededRng::new(1);
        let s = sealer(7);
        let sealed = s.seal(Purpose::RefreshToken, b"pool-a", b"hello", &rng);
        assert_eq!(
            s.open(Purpose::RefreshToken, b"pool-a", &sealed).unwrap(),
            b"hello"
        );
        // Another context, purpose or key does not open it.
        assert!(s.open(Purpose::RefreshToken, b"pool-b", &sealed).is_err());
        assert!(s.open(Purpose::AuthSession, b"pool-a", &sealed).is_err());
        assert!(
            sealer(8)
                .open(Purpose::RefreshToken, b"pool-a", &sealed)
                .is_err()
        );
        // Any flipped bit is refused.
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 1;
            assert!(s.open(Purpose::RefreshToken, b"pool-a", &t).is_err());
        }
        assert!(
            s.open(Purpose::RefreshToken, b"pool-a", &sealed[..10])
                .is_err()
        );
    }

    #[test]
    fn nonces_differ() {
        let rng = SeededRng::new(1);
        let s = sealer(7);
        let a = s.seal(Purpose::AuthSession, b"", b"x", &rng);
        let b = s.seal(Purpose::AuthSession, b"", b"x", &rng);
        assert_ne!(a, b);
        assert_eq!(s.stable_digest(b"u"), s.stable_digest(b"u"));
        assert_ne!(s.stable_digest(b"u"), sealer(8).stable_digest(b"u"));
    }
}
