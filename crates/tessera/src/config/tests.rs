//! Settings resolution: flags, environment, the TOML file and their checks.
#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;

#[test]
fn defaults() {
    let s = Settings::resolve(ServeArgs::default()).unwrap();
    assert_eq!(s.listen, DEFAULT_LISTEN);
    assert_eq!(s.database_url, "sqlite://./tessera-data/tessera.db");
    assert!(s.admin.is_none());
    assert!(!s.test_mode);
}

#[test]
fn file_then_flags() {
    let dir = std::env::temp_dir().join(format!("tessera-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.toml");
    std::fs::write(
        &path,
        "listen = \"0.0.0.0:1\"\nregion = \"eu-west-1\"\n[admin]\naccess_key_id = \"AK\"\nsecret_access_key = \"SK\"\n",
    )
    .unwrap();
    let s = Settings::resolve(ServeArgs {
        config: Some(path.clone()),
        listen: Some("127.0.0.1:5".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.listen, "127.0.0.1:5");
    assert_eq!(s.region, "eu-west-1");
    assert_eq!(s.admin.as_ref().map(|a| a.0.as_str()), Some("AK"));
    std::fs::write(&path, "bogus = 1\n").unwrap();
    assert!(
        Settings::resolve(ServeArgs {
            config: Some(path),
            ..Default::default()
        })
        .is_err()
    );
}

#[test]
fn messages_default_to_the_outbox() {
    let s = Settings::resolve(ServeArgs::default()).unwrap();
    assert!(matches!(s.messages.email, EmailDelivery::Outbox));
    assert!(matches!(s.messages.sms, SmsDelivery::Outbox));
}

#[test]
fn smtp_and_webhook_from_file_then_flags() {
    let dir = tempfile_dir("messages");
    let password_file = dir.join("smtp-password");
    std::fs::write(&password_file, "file-password\n").unwrap();
    let path = dir.join("m.toml");
    std::fs::write(
        &path,
        format!(
            "[messages]\nemail = \"smtp\"\nsms = \"webhook\"\n\
             [messages.smtp]\nhost = \"smtp.example.com\"\nport = 2525\ntls = \"tls\"\n\
             username = \"mailer\"\npassword_file = {:?}\nfrom = \"Ex <no-reply@example.com>\"\n\
             [messages.sms_webhook]\nurl = \"https://sms.example.com/hook\"\nsecret = \"toml-secret\"\n",
            password_file.display().to_string()
        ),
    )
    .unwrap();
    let s = Settings::resolve(ServeArgs {
        config: Some(path.clone()),
        smtp_port: Some(465),
        sms_webhook_secret: Some(Secret::new("flag-secret".into())),
        ..Default::default()
    })
    .unwrap();
    let EmailDelivery::Smtp(smtp) = &s.messages.email else {
        panic!("smtp expected")
    };
    assert_eq!(smtp.host, "smtp.example.com");
    assert_eq!(smtp.port, Some(465));
    assert_eq!(smtp.tls, SmtpTls::Tls);
    assert_eq!(smtp.username.as_deref(), Some("mailer"));
    assert_eq!(
        smtp.password.as_ref().map(|p| p.expose().as_str()),
        Some("file-password")
    );
    assert_eq!(smtp.from, "Ex <no-reply@example.com>");
    let SmsDelivery::Webhook(hook) = &s.messages.sms else {
        panic!("webhook expected")
    };
    assert_eq!(hook.url, "https://sms.example.com/hook");
    assert_eq!(
        hook.secret.as_ref().map(|p| p.expose().as_str()),
        Some("flag-secret")
    );
    let debug = format!("{s:?}");
    assert!(!debug.contains("file-password") && !debug.contains("flag-secret"));
    // Flags may switch a channel back to the outbox.
    let s = Settings::resolve(ServeArgs {
        config: Some(path),
        email_sender: Some("outbox".into()),
        ..Default::default()
    })
    .unwrap();
    assert!(matches!(s.messages.email, EmailDelivery::Outbox));
}

#[test]
fn smtp_needs_host_and_from() {
    let no_host = Settings::resolve(ServeArgs {
        email_sender: Some("smtp".into()),
        smtp_from: Some("no-reply@example.com".into()),
        ..Default::default()
    });
    assert!(
        no_host
            .unwrap_err()
            .to_string()
            .contains("TESSERA_SMTP_HOST")
    );
    let no_from = Settings::resolve(ServeArgs {
        email_sender: Some("smtp".into()),
        smtp_host: Some("localhost".into()),
        ..Default::default()
    });
    assert!(
        no_from
            .unwrap_err()
            .to_string()
            .contains("TESSERA_SMTP_FROM")
    );
    let ok = Settings::resolve(ServeArgs {
        email_sender: Some("SMTP".into()),
        smtp_host: Some("localhost".into()),
        smtp_from: Some("no-reply@example.com".into()),
        smtp_tls: Some("none".into()),
        ..Default::default()
    })
    .unwrap();
    let EmailDelivery::Smtp(smtp) = ok.messages.email else {
        panic!("smtp expected")
    };
    assert_eq!((smtp.tls, smtp.port), (SmtpTls::None, None));
}

#[test]
fn bad_message_settings_are_refused() {
    for args in [
        ServeArgs {
            email_sender: Some("sendmail".into()),
            ..Default::default()
        },
        ServeArgs {
            sms_sender: Some("sns".into()),
            ..Default::default()
        },
        ServeArgs {
            sms_sender: Some("webhook".into()),
            ..Default::default()
        },
        ServeArgs {
            email_sender: Some("smtp".into()),
            smtp_host: Some("h".into()),
            smtp_from: Some("a@b.c".into()),
            smtp_tls: Some("ssl".into()),
            ..Default::default()
        },
        ServeArgs {
            email_sender: Some("smtp".into()),
            smtp_host: Some("h".into()),
            smtp_from: Some("a@b.c".into()),
            smtp_password: Some(Secret::new("pw-without-user".into())),
            ..Default::default()
        },
    ] {
        let err = Settings::resolve(args).unwrap_err().to_string();
        assert!(!err.contains("pw-without-user"), "{err}");
    }
}

fn tempfile_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cfg-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn half_credentials_are_refused() {
    let r = Settings::resolve(ServeArgs {
        admin_access_key_id: Some("AK".into()),
        ..Default::default()
    });
    assert!(r.is_err());
}

#[test]
fn a_writer_url_needs_postgres_on_both_sides() {
    let err = Settings::resolve(ServeArgs {
        database_writer_url: Some("postgres://primary/db".into()),
        ..Default::default()
    })
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "database_writer_url is for a PostgreSQL standby: database_url must be postgres:// too"
        )
    );
    let s = Settings::resolve(ServeArgs {
        database_url: Some("postgres://standby/db".into()),
        database_writer_url: Some(" postgres://primary/db ".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        s.database_writer_url.as_deref(),
        Some("postgres://primary/db")
    );
}
