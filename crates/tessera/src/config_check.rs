//! `tessera config check`: resolve the layered configuration (file, environment, flags)
//! exactly as `tessera serve` does, without starting anything, and print the result with
//! secrets masked. Lets an operator (and packaging/check.sh) test a file before a restart.

use std::fmt::Write as _;

use tessera::Settings;
use tessera_delivery::{EmailDelivery, SmsDelivery, TriggerTarget};

const MASK: &str = "***";

/// The resolved settings as TOML-like lines; secrets show as `***`, passwords and query
/// strings in URLs too.
pub fn describe(s: &Settings) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &dyn std::fmt::Display| {
        let _ = writeln!(out, "{k} = {v}");
    };
    line("listen", &quoted(&s.listen));
    line("data_dir", &quoted(&s.data_dir.display().to_string()));
    line("database_url", &quoted(&mask_url(&s.database_url)));
    let writer = s.database_writer_url.as_deref().map(mask_url);
    line(
        "database_writer_url",
        &opt(writer.as_deref(), "(database_url takes the writes)"),
    );
    line(
        "postgres_schema",
        &opt(s.postgres_schema.as_deref(), "(the connection's default)"),
    );
    line("region", &quoted(&s.region));
    line("account_id", &quoted(&s.account_id));
    line(
        "public_url",
        &opt(s.public_url.as_deref(), "(http(s)://<listen address>)"),
    );
    let key_file = s.server_key_file.as_ref().map(|p| p.display().to_string());
    line(
        "server_key_file",
        &opt(key_file.as_deref(), "(<data_dir>/server.key)"),
    );
    for (k, v) in [
        ("tls_cert_file", &s.tls_cert_file),
        ("tls_key_file", &s.tls_key_file),
    ] {
        let v = v.as_ref().map(|p| p.display().to_string());
        line(k, &opt(v.as_deref(), "(none: plain http)"));
    }
    line("shutdown_delay_seconds", &s.shutdown_delay.as_secs());
    line("shutdown_grace_seconds", &s.shutdown_grace.as_secs());
    let origins = if s.cors_allowed_origins.is_empty() {
        "(any origin)".to_string()
    } else {
        format!("{:?}", s.cors_allowed_origins)
    };
    line("cors_allowed_origins", &origins);
    line("log_format", &quoted(&s.log_format));
    line("test_mode", &s.test_mode);
    match &s.admin {
        Some((id, _)) => {
            line("admin.access_key_id", &quoted(id));
            line("admin.secret_access_key", &MASK);
        }
        None => line("admin", &"(the data folder's, generated on first start)"),
    }
    match &s.messages.email {
        EmailDelivery::Outbox => line("messages.email", &quoted("outbox")),
        EmailDelivery::Smtp(c) => {
            line("messages.email", &quoted("smtp"));
            line("messages.smtp.host", &quoted(&c.host));
            line(
                "messages.smtp.port",
                &c.port.unwrap_or(c.tls.default_port()),
            );
            line("messages.smtp.tls", &quoted(&c.tls.to_string()));
            line(
                "messages.smtp.username",
                &opt(c.username.as_deref(), "(no authentication)"),
            );
            if c.password.is_some() {
                line("messages.smtp.password", &MASK);
            }
            line("messages.smtp.from", &quoted(&c.from));
        }
    }
    match &s.messages.sms {
        SmsDelivery::Outbox => line("messages.sms", &quoted("outbox")),
        SmsDelivery::Webhook(c) => {
            line("messages.sms", &quoted("webhook"));
            line("messages.sms_webhook.url", &quoted(&mask_url(&c.url)));
            let secret = if c.secret.is_some() {
                MASK
            } else {
                "(unsigned)"
            };
            line("messages.sms_webhook.secret", &secret);
        }
    }
    let mut arns: Vec<_> = s.triggers.iter().collect();
    arns.sort_by(|a, b| a.0.cmp(b.0));
    for (arn, target) in arns {
        let how = match target {
            TriggerTarget::Http { url, secret } => format!(
                "url {}{}",
                quoted(&mask_url(url)),
                if secret.is_some() { ", signed" } else { "" }
            ),
            TriggerTarget::Command { argv } => format!("command {argv:?}"),
        };
        line(&format!("trigger {}", quoted(arn)), &how);
    }
    let mut ids: Vec<_> = s.kms_keys.keys().collect();
    ids.sort();
    for id in ids {
        line(&format!("kms_key {}", quoted(id)), &MASK);
    }
    out
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn opt(v: Option<&str>, default: &str) -> String {
    v.map(quoted).unwrap_or_else(|| default.to_string())
}

/// `scheme://user:password@host/path?query` with the password and the query masked (a
/// database URL's password, a webhook's token).
fn mask_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, _)) => (b, Some(MASK)),
        None => (url, None),
    };
    let masked = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    let user = match userinfo.split_once(':') {
                        Some((user, _)) => format!("{user}:{MASK}"),
                        None => userinfo.to_string(),
                    };
                    format!("{scheme}://{user}@{host}{path}")
                }
                None => base.to_string(),
            }
        }
        None => base.to_string(),
    };
    match query {
        Some(q) => format!("{masked}?{q}"),
        None => masked,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_lose_passwords_and_queries() {
        assert_eq!(
            mask_url("postgres://u:pw@db:5432/t?sslmode=x"),
            "postgres://u:***@db:5432/t?***"
        );
        assert_eq!(mask_url("postgres://u@db/t"), "postgres://u@db/t");
        assert_eq!(
            mask_url("sqlite://./tessera-data/tessera.db"),
            "sqlite://./tessera-data/tessera.db"
        );
        assert_eq!(mask_url("https://h/x?token=t"), "https://h/x?***");
        assert_eq!(mask_url("https://a:b@h"), "https://a:***@h");
    }

    #[test]
    fn secrets_are_masked() {
        let s = Settings::resolve(tessera::ServeArgs {
            admin_access_key_id: Some("AKID".into()),
            admin_secret_access_key: Some("very-secret".into()),
            database_url: Some("postgres://u:db-password@h/d".into()),
            database_writer_url: Some("postgres://u:writer-password@p/d".into()),
            ..Default::default()
        })
        .unwrap();
        let text = describe(&s);
        assert!(text.contains("admin.access_key_id = \"AKID\""), "{text}");
        assert!(
            text.contains("database_writer_url = \"postgres://u:***@p/d\""),
            "{text}"
        );
        assert!(!text.contains("very-secret") && !text.contains("db-password"));
        assert!(!text.contains("writer-password"));
    }
}
