//! Sign-in lockout: after five failed sign-ins a user is locked out for a time that starts
//! at one second and doubles with each further failure, up to about 15 minutes; while
//! locked out every sign-in gets `NotAuthorizedException: Password attempts exceeded`
//! without the password being checked (and without counting). A successful sign-in, or
//! 15 minutes without a failure, clears the count.
//! (Cognito developer guide, "User pool sign-in lockout" / "Password attempts exceeded".)

use serde_json::json;

use crate::store::{PoolRecord, UserRecord};
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

fn failures(u: &UserRecord) -> i64 {
    u.extra["lockout"]["failures"].as_i64().unwrap_or(0)
}

/// The lockout that follows failure number `n` (1-based), in ms.
pub fn lockout_ms(n: i64) -> i64 {
    if n < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (n - FREE_ATTEMPTS).min(20) as u32;
    (1000i64 << doublings).min(MAX_LOCKOUT_MS)
}

impl Tessera {
    /// Refuses the attempt if the user is locked out now.
    pub(crate) fn check_lockout(&self, u: &UserRecord) -> Result<(), CoreError> {
        let until = u.extra["lockout"]["until_ms"].as_i64().unwrap_or(0);
        if until > self.clock.now_millis() {
            return Err(attempts_exceeded());
        }
        Ok(())
    }

    /// Counts a failed password and starts a lockout when the count calls for one.
    pub(crate) async fn record_failure(
        &self,
        pool: &PoolRecord,
        u: &UserRecord,
    ) -> Result<(), CoreError> {
        let now = self.clock.now_millis();
        self.modify_user(pool, &u.username, |u| {
            let last = u.extra["lockout"]["last_ms"].as_i64().unwrap_or(0);
            let n = if now - last > RESET_AFTER_MS { 1 } else { failures(u) + 1 };
            let until = now + lockout_ms(n);
            u.extra["lockout"] = json!({ "failures": n, "until_ms": until, "last_ms": now });
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Clears the failure count after a successful password.
    pub(crate) async fn clear_failures(
        &self,
        pool: &PoolRecord,
        u: &UserRecord,
    ) -> Result<(), CoreError> {
        if failures(u) == 0 {
            return Ok(());
        }
        self.modify_user(pool, &u.username, |u| {
            if let Some(extra) = u.extra.as_object_mut() {
                extra.remove("lockout");
            }
            Ok(())
        })
        .await?;
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
