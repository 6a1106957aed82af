//! Sign-in lockout: after five failed sign-ins a user is locked out for a time that starts
//! at one second and doubles with each further failure, up to about 15 minutes; while
//! locked out every sign-in gets `NotAuthorizedException: Password attempts exceeded`
//! without the password being checked (and without counting). A successful sign-in, or
//! 15 minutes without a failure, clears the count. With PreventUserExistenceErrors a name
//! that is no user's is counted and locked out the same way.
//! (Cognito developer guide, "User pool sign-in lockout" / "Password attempts exceeded".)

use crate::store::{ClientRecord, UserRecord};
use crate::users::signup::hides_users;
use crate::{CoreError, Tessera};

/// Failures allowed before the first lockout.
pub const FREE_ATTEMPTS: i64 = 5;
/// The longest lockout.
pub const MAX_LOCKOUT_MS: i64 = 15 * 60_000;
/// Quiet time after which the failure count starts again from zero.
pub const RESET_AFTER_MS: i64 = 15 * 60_000;

pub(crate) fn attempts_exceeded() -> CoreError {
    CoreError::NotAuthorized("Password attempts exceeded".into())
}

/// The lockout that follows failure number `n` (1-based), in ms.
pub fn lockout_ms(n: i64) -> i64 {
    if n < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (n - FREE_ATTEMPTS).min(20) as u32;
    (1000i64 << doublings).min(MAX_LOCKOUT_MS)
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
    /// Refuses the attempt if `key` is locked out now. `Ok(true)` when failures are on
    /// record (a success must clear them).
    pub(crate) async fn check_lockout(
        &self,
        pool_id: &str,
        key: Option<&str>,
    ) -> Result<bool, CoreError> {
        let Some(key) = key else {
            return Ok(false);
        };
        let Some((failures, last_ms)) = self.store.get_sign_in_failures(pool_id, key).await? else {
            return Ok(false);
        };
        let now = self.clock.now_millis();
        if now - last_ms > RESET_AFTER_MS {
            return Ok(true);
        }
        if last_ms + lockout_ms(failures) > now {
            return Err(attempts_exceeded());
        }
        Ok(true)
    }

    /// Counts a failed password (starting a lockout when the count calls for one).
    pub(crate) async fn record_failure(
        &self,
        pool_id: &str,
        key: Option<&str>,
    ) -> Result<(), CoreError> {
        if let Some(key) = key {
            let now = self.clock.now_millis();
            self.store
                .add_sign_in_failure(pool_id, key, now, RESET_AFTER_MS)
                .await?;
        }
        Ok(())
    }

    /// Clears the failure count after a successful password (`counted`: `check_lockout`
    /// found failures on record).
    pub(crate) async fn clear_failures(
        &self,
        pool_id: &str,
        key: Option<&str>,
        counted: bool,
    ) -> Result<(), CoreError> {
        if let (true, Some(key)) = (counted, key) {
            self.store.clear_sign_in_failures(pool_id, key).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_one_second_to_fifteen_minutes() {
        assert_eq!(lockout_ms(4), 0);
        assert_eq!(lockout_ms(5), 1000);
        assert_eq!(lockout_ms(6), 2000);
        assert_eq!(lockout_ms(7), 4000);
        assert_eq!(lockout_ms(14), 512_000);
        assert_eq!(lockout_ms(15), MAX_LOCKOUT_MS);
        assert_eq!(lockout_ms(1000), MAX_LOCKOUT_MS);
    }
}
