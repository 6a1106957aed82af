//! `tessera export` and `tessera restore` (the real binary): an installation on SQLite is
//! exported and restored into another on PostgreSQL, with another server key; its users sign
//! in there with their passwords, SRP and TOTP, in their groups, and its client secrets and
//! signing keys come along.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType,
    UserPoolMfaType,
};
use tessera_core::clock::Clock;

use crate::auth::{PASSWORD, login, setup, srp_login, user};
use crate::harness::{Backend, TestServer};

const PASSPHRASE: &str = "correct horse battery staple";

fn run(srv: &TestServer, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(&srv.settings.data_dir)
        .args(["--database-url", &srv.settings.database_url])
        .env("TESSERA_EXPORT_PASSPHRASE", PASSPHRASE);
    if let Some(schema) = &srv.settings.postgres_schema {
        cmd.args(["--postgres-schema", schema]);
    }
    for (k, _) in std::env::vars()
        .filter(|(k, _)| k.starts_with("TESSERA_") && k != "TESSERA_EXPORT_PASSPHRASE")
    {
        cmd.env_remove(k);
    }
    cmd.output().unwrap()
}

#[tokio::test]
async fn export_from_sqlite_and_restore_into_postgres() {
    let Some(target) = TestServer::start(Backend::Postgres).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let source = TestServer::start(Backend::Sqlite).await.unwrap();
    let (pool, client) = setup(&source).await;
    let c = &source.idp;
    let secret_client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    c.create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .precedence(1)
        .send()
        .await
        .unwrap();
    user(&source, &pool, "ana").await;
    user(&source, &pool, "bo").await;
    c.admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("ana")
        .group_name("admins")
        .send()
        .await
        .unwrap();
    // Ana sets up a software token.
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    let access = login(&source, &client, "ana", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    let totp_secret = c
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    let now = tessera_core::clock::SystemClock.now_millis();
    c.verify_software_token()
        .access_token(&access)
        .user_code(crate::mfa::totp(&totp_secret, now))
        .send()
        .await
        .unwrap();
    c.set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Federation: a provider with a client secret, and the pool's SAML signing certificate,
    // both sealed with the source's server key.
    c.create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Google)
        .provider_details("client_id", "g-client")
        .provider_details("client_secret", "g-secret-xyz")
        .provider_details("authorize_scopes", "openid email")
        .idp_identifiers("example.com")
        .send()
        .await
        .unwrap();
    let certificate = c
        .get_signing_certificate()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let jwks = |url: String, pool: String| async move {
        reqwest::get(format!("{url}/{pool}/.well-known/jwks.json"))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    let source_keys = jwks(source.url.clone(), pool.clone()).await;

    let archive = source.settings.data_dir.join("backup.tessera");
    let out = run(&source, &["export", "--out", archive.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&archive).unwrap();
    // Encrypted: no user name, secret or hash in the clear.
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("{\"format\":\"tessera-export\""));
    assert!(!text.contains("ana") && !text.contains("argon2id$v") && !text.contains("g-secret"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&archive).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // The wrong passphrase opens nothing.
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["restore", "--in", archive.to_str().unwrap()])
        .arg("--data-dir")
        .arg(&target.settings.data_dir)
        .args(["--database-url", &target.settings.database_url])
        .args([
            "--postgres-schema",
            target.settings.postgres_schema.as_deref().unwrap(),
        ])
        .env("TESSERA_EXPORT_PASSPHRASE", "not the right passphrase")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    let restored = run(&target, &["restore", "--in", archive.to_str().unwrap()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(
        String::from_utf8_lossy(&restored.stdout).contains("1 pools, 2 clients, 1 groups, 2 users")
    );
    // Twice is refused: the pool exists now.
    assert!(
        !run(&target, &["restore", "--in", archive.to_str().unwrap()])
            .status
            .success()
    );

    // On the other installation: the same keys, the same client secret, and the users sign
    // in as before.
    assert_eq!(jwks(target.url.clone(), pool.clone()).await, source_keys);
    let d = target
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(secret_client.client_id().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(d.client_secret(), secret_client.client_secret());
    let google = target
        .idp
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("example.com")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(
        google.provider_details.unwrap()["client_secret"],
        "g-secret-xyz"
    );
    let restored_certificate = target
        .idp
        .get_signing_certificate()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .certificate;
    assert_eq!(restored_certificate.as_deref(), Some(certificate.as_str()));
    let bo = srp_login(&target.idp, &pool, &client, "bo", PASSWORD, None)
        .await
        .unwrap();
    assert!(bo.access_token.is_some());
    let started = target
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "ana")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    // The next 30-second step (the source used this one).
    let code = crate::mfa::totp(
        &totp_secret,
        tessera_core::clock::SystemClock.now_millis() + 30_000,
    );
    let r = target
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", "ana")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
        .send()
        .await
        .unwrap();
    let id = r.authentication_result().unwrap().id_token().unwrap();
    assert_eq!(
        crate::identity::claims(id)["cognito:groups"],
        serde_json::json!(["admins"])
    );
    source.stop().await;
    target.stop().await;
}
