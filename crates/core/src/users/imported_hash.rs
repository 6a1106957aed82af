//! Password hashes brought from another system (an import job's `PasswordHashingAlgorithm`),
//! in the formats and within the bounds Cognito's guide gives ("Importing users with password
//! hashes"): BCRYPT `$2b$10$…`, SCRYPT `N$r$p$hexSalt$hexHash`, ARGON2ID
//! `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, PBKDF2_SHA256 `$pbkdf2-sha256$iterations$salt$hash`.
//!
//! Such a hash is stored as given (scrypt's behind a `$scrypt-import$` prefix, since its own
//! format has none) and checked at the user's first password sign-in, which then replaces it
//! with Tessera's own argon2id hash and SRP verifier (the user has none until then).

use aws_lc_rs::constant_time::verify_slices_are_equal;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};

const SCRYPT_PREFIX: &str = "$scrypt-import$";
const FIREBASE_PREFIX: &str = "$firebase-scrypt$";
const PBKDF2_PREFIX: &str = "$pbkdf2-sha256$";

/// Cognito's bounds.
const BCRYPT_MAX_COST: u32 = 12;
const SCRYPT_MAX_N: u64 = 65_536;
const ARGON2_MAX_M: u32 = 19_456;
const ARGON2_MAX_T: u32 = 2;
const PBKDF2_MAX_ITERATIONS: u32 = 600_000;

/// Checks an imported hash against its job's algorithm: the form to store, or why not.
pub(crate) fn check(algorithm: &str, hash: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "The password hash is malformed, or its parameters exceed the bounds allowed for {algorithm}."
        )
    };
    match algorithm {
        "BCRYPT" => {
            let parts: bcrypt::HashParts = hash.parse().map_err(|_| bad())?;
            if parts.get_cost() > BCRYPT_MAX_COST {
                return Err(bad());
            }
            Ok(hash.to_string())
        }
        "SCRYPT" => {
            let s = scrypt_parts(hash).ok_or_else(bad)?;
            if s.n > SCRYPT_MAX_N
                || s.n < 2
                || !s.n.is_power_of_two()
                || s.r != 8
                || s.p != 1
                || s.salt.is_empty()
                || !(10..=64).contains(&s.out.len())
            {
                return Err(bad());
            }
            Ok(format!("{SCRYPT_PREFIX}{hash}"))
        }
        "ARGON2ID" => {
            let parsed = argon2::PasswordHash::new(hash).map_err(|_| bad())?;
            let params = argon2::Params::try_from(&parsed).map_err(|_| bad())?;
            if parsed.algorithm.as_str() != "argon2id"
                || params.m_cost() > ARGON2_MAX_M
                || params.t_cost() > ARGON2_MAX_T
                || params.p_cost() != 1
                || parsed.hash.is_none()
            {
                return Err(bad());
            }
            Ok(hash.to_string())
        }
        "PBKDF2_SHA256" => {
            let (iterations, salt, out) = pbkdf2_parts(hash).ok_or_else(bad)?;
            if iterations == 0
                || iterations > PBKDF2_MAX_ITERATIONS
                || !(16..=64).contains(&out.len())
                || salt.is_empty()
            {
                return Err(bad());
            }
            Ok(hash.to_string())
        }
        _ => Err(bad()),
    }
}

/// A Firebase Authentication project's password hash parameters (its console's "Password
/// hash parameters"), shared by all its users.
#[derive(Debug, Clone)]
pub struct FirebaseScrypt {
    pub signer_key: Vec<u8>,
    pub salt_separator: Vec<u8>,
    pub rounds: u32,
    pub mem_cost: u32,
}

/// The stored form of a Firebase user's hash (`passwordHash` and `salt` of
/// `firebase auth:export`, both base64).
pub(crate) fn firebase(
    config: &FirebaseScrypt,
    hash_b64: &str,
    salt_b64: &str,
) -> Result<String, String> {
    let bad = || "The Firebase password hash or salt is not base64.".to_string();
    let hash = STANDARD.decode(hash_b64.trim()).map_err(|_| bad())?;
    let mut salt = STANDARD.decode(salt_b64.trim()).map_err(|_| bad())?;
    salt.extend_from_slice(&config.salt_separator);
    // The whole signer key's ciphertext is compared: a short hash would compare a prefix.
    if !(1..=16).contains(&config.mem_cost)
        || !(1..=64).contains(&config.rounds)
        || config.signer_key.len() < 32
        || hash.len() != config.signer_key.len()
    {
        return Err("The Firebase hash parameters are out of range.".into());
    }
    Ok(format!(
        "{FIREBASE_PREFIX}{}${}${}${}${}",
        config.rounds,
        config.mem_cost,
        STANDARD_NO_PAD.encode(&salt),
        STANDARD_NO_PAD.encode(&config.signer_key),
        STANDARD_NO_PAD.encode(&hash)
    ))
}

/// Firebase's scrypt variant (github.com/firebase/scrypt): the key scrypt derives from the
/// password and salt ‖ separator encrypts the project's signer key with AES-256-CTR (zero
/// IV); the result is the stored hash.
fn verify_firebase(password: &str, stored: &str) -> Option<bool> {
    let mut it = stored.strip_prefix(FIREBASE_PREFIX)?.split('$');
    let rounds: u32 = it.next()?.parse().ok()?;
    let mem_cost: u8 = it.next()?.parse().ok()?;
    let salt = STANDARD_NO_PAD.decode(it.next()?).ok()?;
    let mut signer = STANDARD_NO_PAD.decode(it.next()?).ok()?;
    let expected = STANDARD_NO_PAD.decode(it.next()?).ok()?;
    let params = scrypt::Params::new(mem_cost, rounds, 1, 32).ok()?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key).ok()?;
    use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
    let ctr = EncryptingKey::ctr(UnboundCipherKey::new(&AES_256, &key).ok()?).ok()?;
    ctr.less_safe_encrypt(
        &mut signer,
        EncryptionContext::Iv128(aws_lc_rs::iv::FixedLength::from([0u8; 16])),
    )
    .ok()?;
    Some(
        signer.len() >= 32
            && expected.len() == signer.len()
            && verify_slices_are_equal(&signer, &expected).is_ok(),
    )
}

/// Whether `stored` is an imported hash (not Tessera's own argon2id).
pub(crate) fn is_foreign(stored: &str) -> bool {
    stored.starts_with("$2")
        || stored.starts_with(SCRYPT_PREFIX)
        || stored.starts_with(PBKDF2_PREFIX)
        || stored.starts_with(FIREBASE_PREFIX)
}

/// Checks a password against an imported (non-argon2) hash. Runs on the hashing threads.
pub(crate) fn verify(password: &str, stored: &str) -> bool {
    if stored.starts_with(FIREBASE_PREFIX) {
        return verify_firebase(password, stored).unwrap_or(false);
    }
    if stored.starts_with("$2") {
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    if let Some(rest) = stored.strip_prefix(SCRYPT_PREFIX) {
        let Some(s) = scrypt_parts(rest) else {
            return false;
        };
        let Some(log_n) = (s.n.is_power_of_two() && s.n > 1).then(|| s.n.trailing_zeros() as u8)
        else {
            return false;
        };
        let Ok(params) = scrypt::Params::new(log_n, s.r, s.p, s.out.len()) else {
            return false;
        };
        let mut out = vec![0u8; s.out.len()];
        if scrypt::scrypt(password.as_bytes(), &s.salt, &params, &mut out).is_err() {
            return false;
        }
        return verify_slices_are_equal(&out, &s.out).is_ok();
    }
    if stored.starts_with(PBKDF2_PREFIX) {
        let Some((iterations, salt, expected)) = pbkdf2_parts(stored) else {
            return false;
        };
        let Some(iterations) = std::num::NonZeroU32::new(iterations) else {
            return false;
        };
        return aws_lc_rs::pbkdf2::verify(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            &salt,
            password.as_bytes(),
            &expected,
        )
        .is_ok();
    }
    false
}

/// An scrypt hash's parameters, salt and output.
struct Scrypt {
    n: u64,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    out: Vec<u8>,
}

/// `N$r$p$hexSalt$hexHash`.
fn scrypt_parts(hash: &str) -> Option<Scrypt> {
    let mut it = hash.split('$');
    let n = it.next()?.parse().ok()?;
    let r = it.next()?.parse().ok()?;
    let p = it.next()?.parse().ok()?;
    let salt = hex::decode(it.next()?).ok()?;
    let out = hex::decode(it.next()?).ok()?;
    it.next().is_none().then_some(Scrypt { n, r, p, salt, out })
}

/// `$pbkdf2-sha256$iterations$salt$hash`, salt and hash in unpadded base64 (standard, or
/// passlib's `.` for `+`).
fn pbkdf2_parts(hash: &str) -> Option<(u32, Vec<u8>, Vec<u8>)> {
    let rest = hash.strip_prefix(PBKDF2_PREFIX)?;
    let mut it = rest.split('$');
    let iterations = it.next()?.parse().ok()?;
    let b64 = |s: &str| {
        let s = s.replace('.', "+");
        STANDARD_NO_PAD
            .decode(&s)
            .or_else(|_| URL_SAFE_NO_PAD.decode(&s))
            .ok()
    };
    let salt = b64(it.next()?)?;
    let out = b64(it.next()?)?;
    it.next().is_none().then_some((iterations, salt, out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // The guide's example hashes, and hashes made here by each crate's own hasher.
    #[test]
    fn the_guides_examples_parse() {
        for (alg, h) in [
            (
                "BCRYPT",
                "$2b$10$CtA.Rcu/szzn9U00wpUjOuN3vrgJRZycv4aOzcP3GzqzO8UDPEFq6",
            ),
            (
                "SCRYPT",
                "65536$8$1$304dbaef7c5e828dc19c98f0600d18fe$4f69c498c12cd102d057356facf8d77e8d42407090491ea32c5b038f5a18c099",
            ),
            (
                "ARGON2ID",
                "$argon2id$v=19$m=19456,t=2,p=1$ko/G5o1ms+ML08P95sQ8DA$AkVbvWSOqz7Hs3qthhWKxicOWnGLN+MBmpwc3emi5VA",
            ),
            (
                "PBKDF2_SHA256",
                "$pbkdf2-sha256$600000$1XZlmwLQ2hhM3JYuCPiArQ$Pfheg9Zi/v5lXU4yyLA0WFUYEd/rlaVbzrM9oMD6IrA",
            ),
        ] {
            assert!(check(alg, h).is_ok(), "{alg}");
        }
        // Out of bounds or malformed.
        assert!(
            check(
                "BCRYPT",
                "$2b$13$CtA.Rcu/szzn9U00wpUjOuN3vrgJRZycv4aOzcP3GzqzO8UDPEFq6"
            )
            .is_err()
        );
        assert!(check("SCRYPT", "131072$8$1$30$4f").is_err());
        assert!(check("ARGON2ID", "$argon2id$v=19$m=65536,t=2,p=1$ko/G5o1ms+ML08P95sQ8DA$AkVbvWSOqz7Hs3qthhWKxicOWnGLN+MBmpwc3emi5VA").is_err());
        assert!(check("PBKDF2_SHA256", "$pbkdf2-sha256$600001$1XZlmwLQ2hhM3JYuCPiArQ$Pfheg9Zi/v5lXU4yyLA0WFUYEd/rlaVbzrM9oMD6IrA").is_err());
        assert!(check("BCRYPT", "$pbkdf2-sha256$1000$AAAA$AAAAAAAAAAAAAAAAAAAAAA").is_err());
    }

    /// The sample of github.com/firebase/scrypt's README (its hash parameters and one user).
    #[test]
    fn firebase_scrypt_sample() {
        let config = FirebaseScrypt {
            signer_key: STANDARD
                .decode("jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==")
                .unwrap(),
            salt_separator: STANDARD.decode("Bw==").unwrap(),
            rounds: 8,
            mem_cost: 14,
        };
        let stored = firebase(
            &config,
            "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
            "42xEC+ixf3L2lw==",
        )
        .unwrap();
        assert!(is_foreign(&stored));
        assert!(verify("user1password", &stored));
        assert!(!verify("user1passwor", &stored));
    }

    #[test]
    fn verifies_what_each_algorithm_made() {
        let b = bcrypt::hash("s3cret", 4).unwrap();
        let stored = check("BCRYPT", &b).unwrap();
        assert!(verify("s3cret", &stored));
        assert!(!verify("s3cret!", &stored));

        let salt = [7u8; 16];
        let params = scrypt::Params::new(10, 8, 1, 32).unwrap();
        let mut out = [0u8; 32];
        scrypt::scrypt(b"s3cret", &salt, &params, &mut out).unwrap();
        let s = format!("1024$8$1${}${}", hex::encode(salt), hex::encode(out));
        let stored = check("SCRYPT", &s).unwrap();
        assert!(is_foreign(&stored));
        assert!(verify("s3cret", &stored));
        assert!(!verify("secret", &stored));

        let mut out = [0u8; 32];
        aws_lc_rs::pbkdf2::derive(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
            std::num::NonZeroU32::new(1000).unwrap(),
            &salt,
            b"s3cret",
            &mut out,
        );
        let p = format!(
            "$pbkdf2-sha256$1000${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        );
        let stored = check("PBKDF2_SHA256", &p).unwrap();
        assert!(verify("s3cret", &stored));
        assert!(!verify("s3cre", &stored));
    }
}
