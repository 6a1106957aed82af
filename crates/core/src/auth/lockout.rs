//! Sign-in lockout: after five failed sign-ins a user is locked out for a time that starts
//! at one second and doubles with each further failure, up to about 15 minutes; while
//! locked out every sign-in gets `NotAuthorizedException: Password attempts exceeded`
//! without the password being checked (and without counting). A successful sign-in, or
//! 15 minutes without a failure, clears the count. With PreventUserExistenceErrors a name
//! that is no user's is counted and locked out the same way.
//! (Cognito developer guide, "User pool sign-in lockout" / "Password attempts exceeded".)
//!
//! An attempt is counted **before** its password or code is checked, by one conditional
//! write on the store ([`crate::store::TokenStore::reserve_sign_in_attempt`]), and counts as
//! a failure until a success clears it: N parallel guesses cost N attempts, and those sent
//! once the key is locked are refused unchecked (docs/adr/0014).

use crate::store::{ClientRecord, LockoutRule, UserRecord};
use crate::users::signup::hides_users;
use crate::{CoreError, Tessera};

/// Failures allowed before the first lockout.
pub const FREE_ATTEMPTS: i64 = 5;
/// The longest lockout.
pub const MAX_LOCKOUT_MS: i64 = 15 * 60_000;
/// Quiet time after which the failure count starts again from zero.
pub const RESET_AFTER_MS: i64 = 15 * 60_000;

/// Cognito's schedule: five free attempts, then 1 s doubling up to 15 minutes.
pub const RULE: LockoutRule = LockoutRule {
    free_attempts: FREE_ATTEMPTS,
    first_ms: 1000,
    max_ms: MAX_LOCKOUT_MS,
    reset_after_ms: RESET_AFTER_MS,
};

pub(crate) fn attempts_exceeded() -> CoreError {
    CoreError::NotAuthorized("Password attempts exceeded".into())
}

/// A sign-in attempt counted before its check ([`Tessera::begin_attempt`]). Dropping it
/// leaves the attempt counted as a failure; [`Tessera::attempt_succeeded`] clears the count.
#[must_use = "a proven attempt must clear the count with attempt_succeeded"]
pub(crate) struct Attempt {
    key: Option<String>,
}

/// Whose failures an attempt counts against: the user, or, when the user does not exist
/// and the client hides that, the name typed (so the missing user is answered, timed and
/// locked out exactly like a real one). `None`: a missing user the client reveals anyway.
pub(crate) fn lock_key(
    client: &ClientRecord,
    user: Option<&UserRecord>,
    typed: &str,
) -> Option<String> {
    match user {
        Some(u) => Some(format!("sub:{}", u.sub)),
        None if hides_users(client) => Some(format!("name:{}", typed.to_lowercase())),
        None => None,
    }
}

impl Tessera {
    /// Counts an attempt under `key` before anything is checked; refuses it, unchecked and
    /// uncounted, while the key is locked out. A `None` key (a missing user the client
    /// reveals anyway) is not counted.
    pub(crate) async fn begin_attempt(
        &self,
        pool_id: &str,
        key: Option<String>,
    ) -> Result<Attempt, CoreError> {
        let key = key.map(|k| self.regional_lock_key(pool_id, k));
        if let Some(k) = &key {
            let now = self.clock.now_millis();
            if self
                .store
                .reserve_sign_in_attempt(pool_id, k, now, &RULE)
                .await?
                .is_none()
            {
                return Err(attempts_exceeded());
            }
        }
        Ok(Attempt { key })
    }

    /// The attempt proved the password or code: its key's failures are forgotten.
    pub(crate) async fn attempt_succeeded(
        &self,
        pool_id: &str,
        attempt: Attempt,
    ) -> Result<(), CoreError> {
        if let Some(key) = attempt.key {
            self.store.clear_sign_in_failures(pool_id, &key).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_one_second_to_fifteen_minutes() {
        let lockout_ms = |n| RULE.lockout_ms(n);
        assert_eq!(lockout_ms(4), 0);
        assert_eq!(lockout_ms(5), 1000);
        assert_eq!(lockout_ms(6), 2000);
        assert_eq!(lockout_ms(7), 4000);
        assert_eq!(lockout_ms(14), 512_000);
        assert_eq!(lockout_ms(15), MAX_LOCKOUT_MS);
        assert_eq!(lockout_ms(1000), MAX_LOCKOUT_MS);
    }
}
