//! The CSV file of an import job: Cognito's dialect, the header GetCSVHeader gives, and
//! each row as a new user or the reason it fails.

use std::collections::BTreeMap;

use tessera_wire::idp::AttributeType;

use super::{MAX_ROW_CHARS, MFA_ENABLED, PASSWORD_HASH, USERNAME};
use crate::store::{PoolRecord, UserRecord};
use crate::users::attributes::{self, Writer};
use crate::users::status;
use crate::{CoreError, Tessera};

/// One parsed line of Cognito's CSV dialect: fields separated by commas, a comma inside a
/// value written `\,`, values trimmed, no quoting.
pub(super) fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            ',' => fields.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    fields.push(cur.trim().to_string());
    fields
}

/// What one data row became.
pub(super) enum RowOutcome {
    User(Box<UserRecord>),
    Failed(String),
}

impl Tessera {
    /// One data row as a new user, or why it fails.
    pub(super) fn row_to_user(
        &self,
        pool: &PoolRecord,
        header: &[String],
        line: &str,
        mfa_mode: &str,
        algorithm: Option<&str>,
    ) -> RowOutcome {
        if line.chars().count() > MAX_ROW_CHARS {
            return RowOutcome::Failed(format!(
                "The User Record is longer than {MAX_ROW_CHARS} characters."
            ));
        }
        let fields = split_line(line);
        if fields.len() != header.len() {
            return RowOutcome::Failed(format!(
                "The User Record has {} fields; the header has {}.",
                fields.len(),
                header.len()
            ));
        }
        let mut username = String::new();
        let mut mfa = String::new();
        let mut password_hash = String::new();
        let mut attrs = Vec::new();
        for (name, value) in header.iter().zip(fields) {
            match name.as_str() {
                USERNAME => username = value,
                MFA_ENABLED => mfa = value.to_ascii_lowercase(),
                PASSWORD_HASH => password_hash = value,
                _ if value.is_empty() => {}
                n if n.ends_with("_verified") => attrs.push(AttributeType {
                    name: n.to_string(),
                    value: Some(value.to_ascii_lowercase()),
                }),
                n => attrs.push(AttributeType {
                    name: n.to_string(),
                    value: Some(value),
                }),
            }
        }
        if username.is_empty() || username.chars().any(char::is_whitespace) {
            return RowOutcome::Failed(
                "The cognito:username value is missing or contains spaces or tabs.".into(),
            );
        }
        let mfa_on = match (mfa.as_str(), mfa_mode) {
            ("", "ON") | ("true", "ON" | "OPTIONAL") => true,
            ("", _) | ("false", "OFF" | "OPTIONAL") => false,
            ("true" | "false", _) => {
                return RowOutcome::Failed(format!(
                    "The cognito:mfa_enabled value does not match the user pool's MFA configuration ({mfa_mode})."
                ));
            }
            _ => {
                return RowOutcome::Failed(
                    "The cognito:mfa_enabled value must be true, false or blank.".into(),
                );
            }
        };
        let map = match attributes::check(pool, &attrs, Writer::Admin, None) {
            Ok(m) => m,
            Err(e) => return RowOutcome::Failed(e.to_string()),
        };
        let verified =
            |a: &str| map.get(&format!("{a}_verified")).map(String::as_str) == Some("true");
        let auto = auto_verified(pool);
        let ok = if auto.len() == 1 {
            verified(&auto[0])
        } else {
            auto.iter().any(|a| verified(a))
        };
        if !ok {
            // The live text (aws-solutions/cognito-user-profiles-export-reference-architecture#58).
            return RowOutcome::Failed(
                "The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true)."
                    .into(),
            );
        }
        for a in ["email", "phone_number"] {
            if verified(a) && map.get(a).is_none_or(|v| v.is_empty()) {
                return RowOutcome::Failed(format!(
                    "The User Record sets {a}_verified to true without an {a}."
                ));
            }
        }
        if let Err(e) = attributes::check_required(pool, &map) {
            return RowOutcome::Failed(e.to_string());
        }
        // An imported password hash: the user starts CONFIRMED and signs in with the
        // password it stands for (the guide, "Importing users with password hashes").
        let imported = match (algorithm, password_hash.is_empty()) {
            (Some(alg), false) => match crate::users::imported_hash::check(alg, &password_hash) {
                Ok(stored) => Some(stored),
                Err(why) => return RowOutcome::Failed(why),
            },
            _ => None,
        };
        // Users who can sign in with a passwordless factor start CONFIRMED (the guide).
        let factors = crate::auth::choice::allowed_first_factors(pool);
        let passwordless = (factors.iter().any(|f| f == crate::mfa::EMAIL_OTP)
            && verified("email"))
            || (factors.iter().any(|f| f == crate::auth::choice::SMS_OTP)
                && verified("phone_number"));
        let user_status = if passwordless || imported.is_some() {
            status::CONFIRMED
        } else {
            status::RESET_REQUIRED
        };
        let mut user = match self.new_imported_user(pool, &username, map, user_status) {
            Ok(u) => u,
            Err(e) => return RowOutcome::Failed(e.to_string()),
        };
        if let Some(stored) = imported {
            user.password_hash = Some(crate::secret::Secret::new(stored));
            user.password_set_ms = Some(user.created_ms);
        }
        // MFA on: SMS to the imported phone number. Without a factor the user cannot sign
        // in until they set one up (the guide).
        if mfa_on && user.attributes.contains_key("phone_number") {
            user.extra["mfa"] = serde_json::json!({ "legacy_sms": true });
        }
        RowOutcome::User(Box::new(user))
    }
}

/// The pool's auto-verified attributes (`email`, `phone_number`).
pub(super) fn auto_verified(pool: &PoolRecord) -> Vec<String> {
    pool.config
        .auto_verified_attributes
        .clone()
        .unwrap_or_default()
}

/// The header of the pool's CSV file, as the API reference's sample shows it: the schema's
/// attributes but `sub` and `identities` (custom ones as `custom:x`, developer-only ones as
/// `dev:custom:x`), then `cognito:mfa_enabled`, `cognito:username` and `password_hash`.
pub(super) fn csv_header(pool: &PoolRecord) -> Vec<String> {
    let mut out: Vec<String> = pool
        .config
        .schema_attributes
        .iter()
        .flatten()
        .filter_map(|a| a.name.clone())
        .filter(|n| n != "sub" && n != "identities")
        .collect();
    out.push(MFA_ENABLED.into());
    out.push(USERNAME.into());
    out.push(PASSWORD_HASH.into());
    out
}

/// The file's header names columns of the pool's header, each once, in any order, with
/// `cognito:username` among them. Cognito's guide asks for every column, but its own
/// password-hash sample leaves most out; a missing column is a column of empty values here.
pub(super) fn check_header(pool: &PoolRecord, header: &[String]) -> Result<(), CoreError> {
    let expected = csv_header(pool);
    let mut seen = BTreeMap::new();
    for h in header {
        if seen.insert(h.as_str(), ()).is_some() {
            return Err(CoreError::InvalidParameter(format!(
                "The .csv file's header names {h} twice."
            )));
        }
        if !expected.contains(h) {
            return Err(CoreError::InvalidParameter(format!(
                "The .csv file's header names {h}, which is not an attribute of the user pool."
            )));
        }
    }
    if !seen.contains_key(USERNAME) {
        return Err(CoreError::InvalidParameter(
            "The .csv file's header lacks the column cognito:username: use the header GetCSVHeader returns.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_line;

    #[test]
    fn cognito_csv_dialect() {
        assert_eq!(split_line("a,b,,c"), ["a", "b", "", "c"]);
        assert_eq!(split_line(" a , b\\,c ,d"), ["a", "b,c", "d"]);
        assert_eq!(split_line("\"q\",x"), ["\"q\"", "x"]);
        assert_eq!(split_line(""), [""]);
        assert_eq!(split_line("a\\b,c"), ["a\\b", "c"]);
    }
}
