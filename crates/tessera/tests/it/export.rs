//! `tessera export` and `tessera restore` (the real binary): an installation on SQLite is
//! exported and restored into another on PostgreSQL, with another server key; its users sign
//! in there with their passwords, SRP and TOTP, in their groups, and its client secrets and
//! signing keys come along. The other way, PostgreSQL into SQLite: remembered devices and
//! identity pools.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, DeviceRememberedStatusType, SoftwareTokenMfaConfigType,
    UserPoolMfaType,
};
use tessera_core::clock::Clock;

use crate::auth::{PASSWORD, login, setup, srp_login, user};
use crate::harness::{Backend, TestServer};
use crate::{devices, identity};

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
    let totp_secret = crate::mfa::enrol_totp(c, &access, true).await;
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
    // An identity pool with a guest identity.
    let ic = identity::identity_client(&source.url);
    let ipool = ic
        .create_identity_pool()
        .identity_pool_name("guests")
        .allow_unauthenticated_identities(true)
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    let guest = identity::new_guest(&ic, &ipool).await;

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

    // The identity pool and its guest came along.
    let tc = identity::identity_client(&target.url);
    let d = tc
        .describe_identity_pool()
        .identity_pool_id(&ipool)
        .send()
        .await
        .unwrap();
    assert_eq!(d.identity_pool_name(), "guests");
    assert!(d.allow_unauthenticated_identities());
    let listed = tc
        .list_identities()
        .identity_pool_id(&ipool)
        .max_results(10)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .identities()
        .iter()
        .filter_map(|i| i.identity_id())
        .collect();
    assert_eq!(ids, [guest.as_str()]);

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

/// The other way (PostgreSQL into SQLite), with what the first test leaves out: a remembered
/// device, which signs in with DEVICE_SRP_AUTH after the restore, and an identity pool
/// (archive version 2), whose identities keep their ids.
#[tokio::test]
async fn devices_and_identity_pools_from_postgres_into_sqlite() {
    let Some(source) = TestServer::start(Backend::Postgres).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let target = TestServer::start(Backend::Sqlite).await.unwrap();
    // "dee" with SMS MFA confirms a device, then keeps it remembered (UpdateDeviceStatus).
    let (pool, client) = devices::device_pool(&source, true).await;
    let (key, group, access, _) = devices::remember_device(&source, &client).await;
    source
        .idp
        .update_device_status()
        .access_token(&access)
        .device_key(&key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();
    let id_token = device_sign_in(&source, &client, &key, &group)
        .await
        .id_token()
        .unwrap()
        .to_string();

    // An identity pool over the user pool, with roles, a guest and dee's identity.
    let ic = identity::identity_client(&source.url);
    let ipool = ic
        .create_identity_pool()
        .identity_pool_name("exported")
        .allow_unauthenticated_identities(true)
        .cognito_identity_providers(identity::provider(&pool, &client, false))
        .identity_pool_tags("team", "blue")
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    ic.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .roles(
            "authenticated",
            "arn:aws:iam::123456789012:role/authenticated",
        )
        .roles("unauthenticated", "arn:aws:iam::123456789012:role/guests")
        .send()
        .await
        .unwrap();
    let login_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let dee = identity::id_for(&ic, &ipool, &login_key, &id_token).await;
    let guest = identity::new_guest(&ic, &ipool).await;
    let described = ic
        .describe_identity_pool()
        .identity_pool_id(&ipool)
        .send()
        .await
        .unwrap();
    let roles = ic
        .get_identity_pool_roles()
        .identity_pool_id(&ipool)
        .send()
        .await
        .unwrap();

    let archive = source.settings.data_dir.join("backup.tessera");
    let out = run(&source, &["export", "--out", archive.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The identity pool alone (--pool-id takes its id too).
    let only_ipool = source.settings.data_dir.join("identity-pool.tessera");
    let out = run(
        &source,
        &[
            "export",
            "--out",
            only_ipool.to_str().unwrap(),
            "--pool-id",
            &ipool,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = run(&target, &["restore", "--in", archive.to_str().unwrap()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(
        String::from_utf8_lossy(&restored.stdout)
            .contains("1 pools, 1 clients, 0 groups, 1 users, 1 devices"),
        "{}",
        String::from_utf8_lossy(&restored.stdout)
    );
    // An identity pool that exists is refused as a user pool is, before anything is written.
    let again = run(&target, &["restore", "--in", only_ipool.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(&format!(
            "Identity pool {ipool} exists in this installation already"
        )),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // The device is listed with its attributes, and still remembered.
    let listed = target
        .idp
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("dee")
        .send()
        .await
        .unwrap();
    let [d] = listed.devices() else {
        panic!("{listed:?}")
    };
    assert_eq!(d.device_key(), Some(key.as_str()));
    let attr = |d: &aws_sdk_cognitoidentityprovider::types::DeviceType, n: &str| {
        d.device_attributes()
            .iter()
            .find(|a| a.name() == n)
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(attr(d, "device_name").as_deref(), Some("laptop"));
    assert_eq!(
        attr(d, "device_remembered_status").as_deref(),
        Some("remembered")
    );
    // It proves itself with its SRP verifier (sealed again with the target's server key)
    // in place of the SMS code.
    let tokens = device_sign_in(&target, &client, &key, &group).await;
    assert_eq!(
        identity::claims(tokens.access_token().unwrap())["device_key"],
        key.as_str()
    );
    let own = target
        .idp
        .list_devices()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(own.devices().len(), 1);
    assert_eq!(
        attr(&own.devices()[0], "device_name").as_deref(),
        Some("laptop")
    );

    // The identity pool as it was; dee's login finds the same identity, the guest is there.
    let tc = identity::identity_client(&target.url);
    let now = tc
        .describe_identity_pool()
        .identity_pool_id(&ipool)
        .send()
        .await
        .unwrap();
    assert_eq!(now.identity_pool_name(), described.identity_pool_name());
    assert_eq!(
        now.allow_unauthenticated_identities(),
        described.allow_unauthenticated_identities()
    );
    assert_eq!(
        now.cognito_identity_providers(),
        described.cognito_identity_providers()
    );
    assert_eq!(now.identity_pool_tags(), described.identity_pool_tags());
    let now_roles = tc
        .get_identity_pool_roles()
        .identity_pool_id(&ipool)
        .send()
        .await
        .unwrap();
    assert_eq!(now_roles.roles(), roles.roles());
    let again = identity::id_for(&tc, &ipool, &login_key, tokens.id_token().unwrap()).await;
    assert_eq!(again, dee);
    let g = tc
        .describe_identity()
        .identity_id(&guest)
        .send()
        .await
        .unwrap();
    assert_eq!(g.identity_id(), Some(guest.as_str()));
    source.stop().await;
    target.stop().await;
}

/// dee signs in on the remembered device: password, then DEVICE_SRP_AUTH instead of SMS.
async fn device_sign_in(
    srv: &TestServer,
    client: &str,
    key: &str,
    group: &str,
) -> aws_sdk_cognitoidentityprovider::types::AuthenticationResultType {
    let (ch, _, session, _) = devices::sign_in(srv, client, Some(key)).await;
    assert_eq!(ch, Some(ChallengeNameType::DeviceSrpAuth));
    devices::device_srp(
        srv,
        client,
        session.as_deref().unwrap(),
        key,
        group,
        devices::DEVICE_PASSWORD,
    )
    .await
    .unwrap()
    .authentication_result()
    .cloned()
    .unwrap()
}
