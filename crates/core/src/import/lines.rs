//! `tessera users import`: users as JSON lines, with their password hashes (beyond Cognito,
//! which imports none from the CLI), groups and status. One line per user:
//!
//! ```json
//! {"username": "ana", "attributes": {"email": "ana@example.com", "email_verified": "true"},
//!  "groups": ["admins"], "enabled": true, "mfa_enabled": false,
//!  "password_hash": {"algorithm": "BCRYPT", "hash": "$2b$10$..."}}
//! ```
//!
//! `algorithm` is one of an import job's (`BCRYPT`, `SCRYPT`, `ARGON2ID`, `PBKDF2_SHA256`,
//! same formats) or `FIREBASE_SCRYPT` with `hash` and `salt` as `firebase auth:export` writes
//! them (the project's hash parameters are given once, [`FirebaseScrypt`]). A user with a hash
//! is CONFIRMED and signs in with the old password, which the first sign-in moves to argon2id;
//! without one, RESET_REQUIRED. `status` may say otherwise (UNCONFIRMED, CONFIRMED,
//! RESET_REQUIRED). Users are written 500 to a transaction; existing ones are skipped.

use std::collections::BTreeMap;

use serde::Deserialize;
use tessera_wire::idp::AttributeType;

use crate::store::UserRecord;
use crate::users::attributes::{self, Writer};
use crate::users::imported_hash::{self, FirebaseScrypt};
use crate::users::status;
use crate::{CoreError, Tessera};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    username: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    mfa_enabled: bool,
    #[serde(default)]
    password_hash: Option<Hash>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hash {
    algorithm: String,
    hash: String,
    #[serde(default)]
    salt: Option<String>,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LinesReport {
    pub imported: u64,
    pub skipped: u64,
    /// Line number (from 1) and why, for each line not imported.
    pub failed: Vec<(usize, String)>,
}

impl Tessera {
    /// Imports users from JSON lines into a pool (see the module documentation).
    pub async fn import_user_lines(
        &self,
        pool_id: &str,
        text: &str,
        firebase: Option<&FirebaseScrypt>,
    ) -> Result<LinesReport, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let mut report = LinesReport::default();
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty())
            .collect();
        for batch in lines.chunks(500) {
            let mut users: Vec<(usize, UserRecord, Vec<String>)> = Vec::new();
            for (n, text) in batch {
                match self.line_to_user(&pool, text, firebase) {
                    Ok((user, groups)) => users.push((*n, user, groups)),
                    Err(why) => report.failed.push((*n, why)),
                }
            }
            let records: Vec<UserRecord> = users.iter().map(|(_, u, _)| u.clone()).collect();
            let inserted = self.store.insert_users_if_absent(&records).await?;
            for ((n, user, groups), ok) in users.into_iter().zip(inserted) {
                if !ok {
                    report.skipped += 1;
                    continue;
                }
                report.imported += 1;
                for g in groups {
                    match self.store.add_member(&pool.id, &g, &user.sub).await {
                        Ok(true) => {}
                        Ok(false) | Err(_) => report
                            .failed
                            .push((n, format!("imported, but the group {g} does not exist"))),
                    }
                }
            }
        }
        self.store.bulk_loaded().await?;
        Ok(report)
    }

    fn line_to_user(
        &self,
        pool: &crate::store::PoolRecord,
        text: &str,
        firebase: Option<&FirebaseScrypt>,
    ) -> Result<(UserRecord, Vec<String>), String> {
        let line: Line = serde_json::from_str(text).map_err(|e| format!("not a user: {e}"))?;
        let attrs: Vec<AttributeType> = line
            .attributes
            .into_iter()
            .map(|(name, value)| AttributeType {
                name,
                value: Some(value),
            })
            .collect();
        let map =
            attributes::check(pool, &attrs, Writer::Admin, None).map_err(|e| e.to_string())?;
        attributes::check_required(pool, &map).map_err(|e| e.to_string())?;
        let stored = match &line.password_hash {
            None => None,
            Some(h) if h.algorithm == "FIREBASE_SCRYPT" => {
                let config = firebase.ok_or(
                    "a FIREBASE_SCRYPT hash needs the project's hash parameters (--firebase-signer-key, ...)",
                )?;
                let salt = h
                    .salt
                    .as_deref()
                    .ok_or("a FIREBASE_SCRYPT hash needs its salt")?;
                Some(imported_hash::firebase(config, &h.hash, salt)?)
            }
            Some(h) => Some(imported_hash::check(&h.algorithm, &h.hash)?),
        };
        let user_status = match line.status.as_deref() {
            Some(s @ (status::CONFIRMED | status::UNCONFIRMED | status::RESET_REQUIRED)) => s,
            Some(other) => return Err(format!("status {other} cannot be imported")),
            None if stored.is_some() => status::CONFIRMED,
            None => status::RESET_REQUIRED,
        };
        let mut user = self
            .new_imported_user(pool, &line.username, map, user_status)
            .map_err(|e| e.to_string())?;
        user.enabled = line.enabled;
        if let Some(stored) = stored {
            user.password_hash = Some(crate::secret::Secret::new(stored));
            user.password_set_ms = Some(user.created_ms);
        }
        if line.mfa_enabled {
            if !user.attributes.contains_key("phone_number") {
                return Err("mfa_enabled needs a phone_number".into());
            }
            user.extra["mfa"] = serde_json::json!({ "legacy_sms": true });
        }
        Ok((user, line.groups))
    }
}
