//! What the readiness probe (`GET /health/ready`) checks: the database answers (one cheap
//! query that also says which migrations it has), this build's migrations are applied, the
//! server key opens the stored signing keys, and the background task that reads the change
//! and revocation feeds has succeeded recently. Knows nothing of HTTP; failures carry a short
//! public reason, and their detail goes to the log only.

use crate::Tessera;
use crate::sealing::Purpose;

/// The change feed is "following" when its last successful read is at most this old. The
/// reader polls every second (sooner when woken), so this allows a few slow rounds.
pub const FEED_STALE_MS: i64 = 30_000;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    /// A short public explanation (no secrets, no connection details).
    pub detail: Option<String>,
}

impl Check {
    fn ok() -> Self {
        Check {
            ok: true,
            detail: None,
        }
    }
    fn ok_with(detail: String) -> Self {
        Check {
            ok: true,
            detail: Some(detail),
        }
    }
    fn fail(detail: &str) -> Self {
        Check {
            ok: false,
            detail: Some(detail.to_string()),
        }
    }
}

/// Every readiness check, by name, in a stable order.
#[derive(Debug, Clone)]
pub struct Readiness {
    pub checks: Vec<(&'static str, Check)>,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|(_, c)| c.ok)
    }
}

impl Tessera {
    /// Runs the readiness checks (two small queries).
    pub async fn readiness(&self) -> Readiness {
        let (database, migrations) = match self.store.health().await {
            Ok(h) => (
                Check::ok(),
                if h.applied_migration >= h.latest_migration {
                    Check::ok_with(format!("{}", h.applied_migration))
                } else {
                    Check::fail(&format!(
                        "database at migration {}, this build needs {}",
                        h.applied_migration, h.latest_migration
                    ))
                },
            ),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: the database did not answer");
                (
                    Check::fail("the database did not answer"),
                    Check::fail("unknown"),
                )
            }
        };
        // A database that did not answer is not asked again: a probe answers within one
        // connection timeout.
        let keys = if !database.ok {
            Check::fail("unknown")
        } else {
            match self.store.newest_signing_key().await {
                Ok(None) => Check::ok_with("no signing key yet".into()),
                Ok(Some(k)) => {
                    match self.sealer.open(
                        Purpose::SigningKey,
                        k.pool_id.as_bytes(),
                        &k.private_sealed,
                    ) {
                        Ok(_) => Check::ok(),
                        Err(_) => {
                            tracing::warn!(
                                pool_id = %k.pool_id,
                                kid = %k.kid,
                                "readiness: a stored signing key does not open with this server key"
                            );
                            Check::fail("the signing keys do not open with this server key")
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "readiness: reading a signing key failed");
                    Check::fail("the signing keys could not be read")
                }
            }
        };
        let age = self.clock.now_millis() - self.revocations.read_up_to_ms();
        let feed = if self.revocations.read_up_to_ms() > 0 && age <= FEED_STALE_MS {
            Check::ok()
        } else {
            Check::fail("the change feed has not been read recently")
        };
        Readiness {
            checks: vec![
                ("database", database),
                ("migrations", migrations),
                ("keys", keys),
                ("change_feed", feed),
            ],
        }
    }
}
