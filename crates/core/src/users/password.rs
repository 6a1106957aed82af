//! Passwords: the pool's policy with Cognito's messages, argon2id hashing on a bounded pool
//! of blocking threads, generated temporary passwords, and password history.
//!
//! argon2id parameters: 19 MiB of memory, 2 passes, 1 lane (OWASP's recommended minimum for
//! argon2id). At most `HASH_CONCURRENCY` hashes run at once, so 500 concurrent sign-ins cost
//! at most that many × 19 MiB of memory, and the async runtime is never blocked.

use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tessera_wire::idp::PasswordPolicyType;
use tokio::sync::Semaphore;

use crate::CoreError;
use crate::rand::{Rng, random_string};
use crate::secret::Secret;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

/// Characters Cognito counts as symbols.
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

fn limiter() -> &'static Arc<Semaphore> {
    static LIMIT: OnceLock<Arc<Semaphore>> = OnceLock::new();
    LIMIT.get_or_init(|| Arc::new(Semaphore::new(slots())))
}

pub(crate) async fn bounded<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CoreError> {
    let _permit = limiter().clone().acquire_owned().await.map_err(|_| {
        CoreError::Storage(crate::store::StoreError::Backend("hash pool closed".into()))
    })?;
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        CoreError::Storage(crate::store::StoreError::Backend(format!("hash task: {e}")))
    })
}

/// argon2's working memory, reused: at most one buffer per hashing slot ever exists, so
/// memory stays at slots × 19 MiB however many sign-ins wait. (Letting argon2 allocate
/// per hash leaves a freed 19 MiB block in every malloc arena of every blocking thread.)
fn with_blocks<T>(count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    static FREE: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
    let taken = crate::lock::mutex(&FREE).pop();
    let mut blocks = taken.unwrap_or_default();
    if blocks.len() < count {
        blocks.resize(count, Block::new());
    }
    let out = f(&mut blocks[..count]);
    let mut g = crate::lock::mutex(&FREE);
    if g.len() < slots() {
        g.push(blocks);
    }
    out
}

/// Computes the argon2 output for `password` with the given hasher and salt into a
/// `password_hash::Output` of `len` bytes, using a pooled buffer.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &Salt<'_>,
    len: usize,
) -> password_hash::Result<Output> {
    let mut salt_arr = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_arr)?;
    with_blocks(argon.params().block_count(), |blocks| {
        Output::init_with(len, |out| {
            argon
                .hash_password_into_with_memory(password, salt_bytes, out, blocks)
                .map_err(password_hash::Error::from)
        })
    })
}

/// Hashes a password with argon2id (PHC string), off the async threads.
pub async fn hash(password: &str, rng: &dyn Rng) -> Result<Secret<String>, CoreError> {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    let password = password.to_string();
    bounded(move || {
        let salt = SaltString::encode_b64(&salt)?;
        let argon = hasher();
        let output = compute(
            &argon,
            password.as_bytes(),
            &salt.as_salt(),
            Params::DEFAULT_OUTPUT_LEN,
        )?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(argon.params())?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok::<_, password_hash::Error>(Secret::new(phc.to_string()))
    })
    .await?
    .map_err(|e| CoreError::Storage(crate::store::StoreError::Backend(format!("hashing: {e}"))))
}

/// Checks a password against a stored PHC string in constant time.
pub async fn verify(password: &str, stored: &Secret<String>) -> Result<bool, CoreError> {
    let password = password.to_string();
    let stored = stored.expose().clone();
    if super::imported_hash::is_foreign(&stored) {
        return bounded(move || super::imported_hash::verify(&password, &stored)).await;
    }
    bounded(move || {
        let check = || -> password_hash::Result<bool> {
            let parsed = PasswordHash::new(&stored)?;
            let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
                return Ok(false);
            };
            let algorithm = Algorithm::try_from(parsed.algorithm)?;
            let version = parsed
                .version
                .map(Version::try_from)
                .transpose()?
                .unwrap_or_default();
            let argon = Argon2::new(algorithm, version, Params::try_from(&parsed)?);
            // `Output`'s equality is constant-time.
            Ok(compute(&argon, password.as_bytes(), &salt, expected.len())? == expected)
        };
        check().unwrap_or(false)
    })
    .await
}

fn policy_message(rule: &str) -> CoreError {
    CoreError::InvalidPassword(format!("Password did not conform with policy: {rule}"))
}

/// Checks a password against the pool's policy, with Cognito's messages.
pub fn check_policy(policy: &PasswordPolicyType, password: &str) -> Result<(), CoreError> {
    let min = policy.minimum_length.unwrap_or(8).max(6) as usize;
    if password.chars().count() < min {
        return Err(policy_message("Password not long enough"));
    }
    if password.chars().count() > 256 {
        return Err(policy_message("Password is too long"));
    }
    if policy.require_lowercase.unwrap_or(false) && !password.chars().any(|c| c.is_lowercase()) {
        return Err(policy_message("Password must have lowercase characters"));
    }
    if policy.require_uppercase.unwrap_or(false) && !password.chars().any(|c| c.is_uppercase()) {
        return Err(policy_message("Password must have uppercase characters"));
    }
    if policy.require_numbers.unwrap_or(false) && !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(policy_message("Password must have numeric characters"));
    }
    if policy.require_symbols.unwrap_or(false) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return Err(policy_message("Password must have symbol characters"));
    }
    if password.starts_with(' ') || password.ends_with(' ') {
        return Err(policy_message(
            "Password must not begin or end with a space",
        ));
    }
    Ok(())
}

/// A random temporary password that satisfies the policy.
pub fn generate(policy: &PasswordPolicyType, rng: &dyn Rng) -> String {
    let len = (policy.minimum_length.unwrap_or(8).max(12)) as usize;
    let mut p = random_string(
        rng,
        b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789",
        len - 4,
    );
    p.push_str(&random_string(rng, b"abcdefghijkmnopqrstuvwxyz", 1));
    p.push_str(&random_string(rng, b"ABCDEFGHJKLMNPQRSTUVWXYZ", 1));
    p.push_str(&random_string(rng, b"23456789", 1));
    p.push_str(&random_string(rng, b"!@#%&*-_=+", 1));
    p
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rand::SeededRng;

    fn strict() -> PasswordPolicyType {
        PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn policy_messages() {
        let p = strict();
        let msg = |pw: &str| {
            check_policy(&p, pw)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            msg("Ab1!"),
            "Password did not conform with policy: Password not long enough"
        );
        assert_eq!(
            msg("ABCDEFG1!"),
            "Password did not conform with policy: Password must have lowercase characters"
        );
        assert_eq!(
            msg("abcdefg1!"),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert_eq!(
            msg("Abcdefgh!"),
            "Password did not conform with policy: Password must have numeric characters"
        );
        assert_eq!(
            msg("Abcdefgh1"),
            "Password did not conform with policy: Password must have symbol characters"
        );
        assert!(check_policy(&p, "Abcdefg1!").is_ok());
        assert!(check_policy(&PasswordPolicyType::default(), "abcdefgh").is_ok());
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let rng = SeededRng::new(3);
        for _ in 0..50 {
            assert!(check_policy(&strict(), &generate(&strict(), &rng)).is_ok());
        }
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let rng = SeededRng::new(9);
        let h = hash("Correct horse 1!", &rng).await.unwrap();
        assert!(h.expose().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("Correct horse 1!", &h).await.unwrap());
        assert!(!verify("wrong", &h).await.unwrap());
        assert!(!verify("x", &Secret::new("garbage".into())).await.unwrap());
    }

    /// The pooled-buffer hashing writes and reads the same PHC strings as the argon2
    /// crate's own `PasswordHasher` / `PasswordVerifier`.
    #[tokio::test]
    async fn pooled_hashing_matches_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash("Tr0ub4dor&3", &SeededRng::new(3)).await.unwrap();
        let parsed = PasswordHash::new(ours.expose()).unwrap();
        assert!(hasher().verify_password(b"Tr0ub4dor&3", &parsed).is_ok());
        assert!(hasher().verify_password(b"Tr0ub4dor&4", &parsed).is_err());

        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = hasher()
            .hash_password(b"Tr0ub4dor&3", &salt)
            .unwrap()
            .to_string();
        let theirs = Secret::new(theirs);
        assert!(verify("Tr0ub4dor&3", &theirs).await.unwrap());
        assert!(!verify("Tr0ub4dor&4", &theirs).await.unwrap());
        // Other parameters stored earlier still verify (the hash names its own).
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        );
        let weak = Secret::new(weak.hash_password(b"pw", &salt).unwrap().to_string());
        assert!(verify("pw", &weak).await.unwrap());
    }
}

/// What a new password is stored as: the argon2id hash for the password flows and the SRP
/// salt and verifier (sealed with the server key) for USER_SRP_AUTH.
#[derive(Clone)]
pub(crate) struct Credentials {
    hash: Secret<String>,
    srp: serde_json::Value,
}

impl Credentials {
    /// Writes the credentials into a user record as of `now`.
    pub(crate) fn apply(&self, u: &mut crate::store::UserRecord, now: i64) {
        u.password_hash = Some(self.hash.clone());
        u.password_set_ms = Some(now);
        u.extra["srp"] = self.srp.clone();
    }
}

impl crate::Tessera {
    /// Hashes a password and computes its SRP verifier for the user named `user_id_for_srp`
    /// (the user's actual user name, which SRP clients get as USER_ID_FOR_SRP).
    pub(crate) async fn credentials(
        &self,
        pool_id: &str,
        user_id_for_srp: &str,
        password: &str,
    ) -> Result<Credentials, CoreError> {
        let hash = hash(password, self.rng.as_ref()).await?;
        let mut salt = [0u8; crate::srp::SALT_LEN];
        self.rng.fill(&mut salt);
        let pool_name = crate::srp::pool_name(pool_id).to_string();
        let (user_id, pw) = (user_id_for_srp.to_string(), password.to_string());
        let verifier =
            bounded(move || crate::srp::verifier(&pool_name, &user_id, &pw, &salt)).await?;
        let sealed = self.sealer.seal(
            crate::sealing::Purpose::SrpVerifier,
            pool_id.as_bytes(),
            &verifier,
            self.rng.as_ref(),
        );
        use base64::Engine;
        Ok(Credentials {
            hash,
            srp: serde_json::json!({
                "salt": hex::encode(salt),
                "verifier": base64::engine::general_purpose::STANDARD.encode(sealed),
            }),
        })
    }
}
