//! Live migration from a source Cognito pool (issue 21 item 4). The source is a second
//! in-process Tessera: unlike moto (the e2e suite's source), it checks SigV4 signatures,
//! client secrets and auth flows, so what Tessera sends is what Cognito would accept.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use crate::auth::{PASSWORD, claims, login, setup, setup_with, srp_login, user};
use crate::harness::{AKID, Backend, SECRET, TestServer, code, together};

const NEW_PASSWORD: &str = "N3w-passw0rd!";

/// The source: a pool with users, one group, and a client allowing
/// ADMIN_USER_PASSWORD_AUTH (with a secret when `secret`).
async fn source(secret: bool) -> (TestServer, String, String, Option<String>) {
    let src = TestServer::start(Backend::Sqlite).await.unwrap();
    let (pool, client) = setup_with(&src, secret).await;
    let client_secret = src
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_secret;
    src.idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    for name in ["alice", "carol", "dave", "erin"] {
        user(&src, &pool, name).await;
    }
    src.idp
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("staff")
        .send()
        .await
        .unwrap();
    (src, pool, client, client_secret)
}

/// The target on `backend`, signing its calls with the source's admin keys.
async fn target(backend: Backend) -> Option<TestServer> {
    TestServer::start_custom(
        backend,
        std::sync::Arc::new(tessera_core::clock::SystemClock),
        |s| {
            s.aws_env = tessera::aws_credentials::AwsEnv(
                [
                    ("AWS_ACCESS_KEY_ID", AKID),
                    ("AWS_SECRET_ACCESS_KEY", SECRET),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            );
        },
    )
    .await
}

async fn link(
    tgt: &TestServer,
    pool: &str,
    src: &TestServer,
    src_pool: &str,
    client: &str,
    secret: Option<&str>,
) {
    let source = source_at(&src.url, src_pool, client);
    tessera::migration_link(&tgt.settings, pool, source, secret)
        .await
        .unwrap();
}

/// The source pool `pool` (us-east-1) with its client, reached at `endpoint`.
fn source_at(endpoint: &str, pool: &str, client: &str) -> tessera_core::migration::SourceRef {
    tessera_core::migration::SourceRef {
        region: "us-east-1".into(),
        user_pool_id: pool.into(),
        client_id: client.into(),
        endpoint: Some(endpoint.into()),
        profile: None,
    }
}

async fn source_sub(src: &TestServer, pool: &str, name: &str) -> String {
    let u = src
        .idp
        .admin_get_user()
        .user_pool_id(pool)
        .username(name)
        .send()
        .await
        .unwrap();
    u.user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .unwrap()
        .to_owned()
}

async fn run(backend: Backend) {
    let (src, src_pool, src_client, src_secret) = source(true).await;
    let Some(tgt) = target(backend).await else {
        src.stop().await;
        return;
    };
    let (pool, client) = setup(&tgt).await;
    tgt.idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    // Before the link, a user of the source is unknown here.
    assert_eq!(
        login(&tgt, &client, "alice", PASSWORD).await.unwrap_err(),
        "UserNotFoundException"
    );
    link(
        &tgt,
        &pool,
        &src,
        &src_pool,
        &src_client,
        src_secret.as_deref(),
    )
    .await;

    // The first sign-in brings the user in with the source's sub and groups.
    let tokens = login(&tgt, &client, "alice", PASSWORD).await.unwrap();
    let id = claims(tokens.id_token().unwrap());
    assert_eq!(id["sub"], source_sub(&src, &src_pool, "alice").await);
    assert_eq!(id["cognito:groups"], serde_json::json!(["staff"]));
    assert_eq!(id["email"], "alice@example.com");
    // Now a user here: SRP works with the same password, and the source is not needed.
    srp_login(&tgt.idp, &pool, &client, "alice", PASSWORD, None)
        .await
        .unwrap();
    let status = tgt
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(status.user_status().unwrap().as_str(), "CONFIRMED");

    // A wrong password at the source is a wrong password here; nothing is created.
    assert_eq!(
        login(&tgt, &client, "carol", "Wr0ng-pass!")
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
    assert_eq!(
        code(
            tgt.idp
                .admin_get_user()
                .user_pool_id(&pool)
                .username("carol")
                .send()
                .await
        ),
        "UserNotFoundException"
    );
    // Unknown at the source too.
    assert_eq!(
        login(&tgt, &client, "nobody", PASSWORD).await.unwrap_err(),
        "UserNotFoundException"
    );

    // Concurrent first sign-ins create the user once; every one of them signs in. (Five:
    // each attempt counts against the name's lockout until it succeeds, docs/adr/0014.)
    let results = together(5, |_| {
        let (idp, client) = (tgt.idp.clone(), client.clone());
        async move {
            idp.initiate_auth()
                .client_id(client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "dave")
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let listed = tgt
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("username = \"dave\"")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.users().len(), 1);

    // ForgotPassword brings a user in without a password (pending, with the source's
    // status); the reset completes here.
    tgt.idp
        .forgot_password()
        .client_id(&client)
        .username("erin")
        .send()
        .await
        .unwrap();
    let erin = tgt
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(erin.user_status().unwrap().as_str(), "CONFIRMED");
    tgt.idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("erin")
        .confirmation_code(tgt.last_code("erin@example.com"))
        .password(NEW_PASSWORD)
        .send()
        .await
        .unwrap();
    login(&tgt, &client, "erin", NEW_PASSWORD).await.unwrap();

    // Cognito answers UserNotConfirmedException whatever the password, so it proves nothing:
    // an unconfirmed source user is refused as unconfirmed and not brought in.
    let hash = tessera_core::users::secret_hash(src_secret.as_deref().unwrap(), "uma", &src_client);
    src.idp
        .sign_up()
        .client_id(&src_client)
        .secret_hash(hash)
        .username("uma")
        .password(PASSWORD)
        .user_attributes(crate::users::attr("email", "uma@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login(&tgt, &client, "uma", PASSWORD).await.unwrap_err(),
        "UserNotConfirmedException"
    );
    assert_eq!(
        login(&tgt, &client, "uma", "Wr0ng-pass!")
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
    assert_eq!(
        code(
            tgt.idp
                .admin_get_user()
                .user_pool_id(&pool)
                .username("uma")
                .send()
                .await
        ),
        "UserNotFoundException"
    );

    // A user who still has the temporary password there: no reset (Cognito's rule), but the
    // temporary password signs in and asks for a new one.
    src.idp
        .admin_create_user()
        .user_pool_id(&src_pool)
        .username("fay")
        .temporary_password("Temp-passw0rd!")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            tgt.idp
                .forgot_password()
                .client_id(&client)
                .username("fay")
                .send()
                .await
        ),
        "NotAuthorizedException"
    );
    let temp = tgt
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "fay")
        .auth_parameters("PASSWORD", "Temp-passw0rd!")
        .send()
        .await
        .unwrap();
    assert_eq!(
        temp.challenge_name().map(|c| c.as_str()),
        Some("NEW_PASSWORD_REQUIRED")
    );

    // A user brought in by ForgotPassword who never finished the reset.
    user(&src, &src_pool, "gus").await;
    tgt.idp
        .forgot_password()
        .client_id(&client)
        .username("gus")
        .send()
        .await
        .unwrap();

    // Finished: the source is no longer asked.
    let status = tessera::migration_status(&tgt.settings).await.unwrap();
    assert_eq!(status.len(), 1);
    assert_eq!((status[0].state.as_str(), status[0].users), ("live", 5));
    tessera::migration_finish(&tgt.settings, &pool)
        .await
        .unwrap();
    assert_eq!(
        login(&tgt, &client, "carol", PASSWORD).await.unwrap_err(),
        "UserNotFoundException"
    );
    // Here without a password, and the source no longer asked: only a reset helps.
    assert_eq!(
        login(&tgt, &client, "gus", PASSWORD).await.unwrap_err(),
        "PasswordResetRequiredException"
    );

    // A source that cannot be reached: InternalErrorException, nothing created.
    let (other, other_client) = setup(&tgt).await;
    let down = source_at("http://127.0.0.1:9", &src_pool, &src_client);
    tessera::migration_link(&tgt.settings, &other, down, None)
        .await
        .unwrap();
    assert_eq!(
        login(&tgt, &other_client, "carol", PASSWORD)
            .await
            .unwrap_err(),
        "InternalErrorException"
    );

    tgt.stop().await;
    src.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migration_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migration_postgres() {
    run(Backend::Postgres).await;
}

/// A source client without a secret, and the lockout: wrong passwords for a user the pool
/// lacks count before the source is asked, so the source's own lockout is never reached
/// through Tessera.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passwords_lock_out_before_the_source_is_asked() {
    let (src, src_pool, src_client, _) = source(false).await;
    let tgt = target(Backend::Sqlite).await.unwrap();
    let (pool, client) = setup(&tgt).await;
    link(&tgt, &pool, &src, &src_pool, &src_client, None).await;
    for _ in 0..5 {
        assert_eq!(
            login(&tgt, &client, "carol", "Wr0ng-pass!")
                .await
                .unwrap_err(),
            "NotAuthorizedException"
        );
    }
    let locked = tgt
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "carol")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(
        crate::harness::message(locked),
        "Password attempts exceeded"
    );
    // That answer is Tessera's own (the source's lockout would come back as a wrong
    // password), and the source was asked five times only: one second after the fifth
    // failure its own lockout is over (a sixth would have made it two).
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    login(&src, &src_client, "carol", PASSWORD).await.unwrap();
    tgt.stop().await;
    src.stop().await;
}

/// `tessera migrate copy`: the configuration and the users ahead of time (same pool and
/// client ids, secrets kept), passwords still lazily on the first sign-in.
async fn copy(backend: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{
        ExplicitAuthFlowsType, IdentityProviderTypeType, ResourceServerScopeType,
    };
    let (src, src_pool, admin_client, admin_secret) = source(true).await;
    let Some(tgt) = target(backend).await else {
        src.stop().await;
        return;
    };
    let s = &src.idp;
    let web = s
        .create_user_pool_client()
        .user_pool_id(&src_pool)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    // Dave uses an authenticator there, whose secret Cognito never reveals.
    use aws_sdk_cognitoidentityprovider::types::{SoftwareTokenMfaConfigType, UserPoolMfaType};
    s.set_user_pool_mfa_config()
        .user_pool_id(&src_pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    let access = login(&src, &web, "dave", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    crate::mfa::enrol_totp(s, &access, true).await;
    s.create_resource_server()
        .user_pool_id(&src_pool)
        .identifier("orders")
        .name("Orders")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read orders")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s.create_identity_provider()
        .user_pool_id(&src_pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .provider_details("client_id", "g-client")
        .provider_details("client_secret", "g-secret-xyz")
        .provider_details("authorize_scopes", "openid email")
        .send()
        .await
        .unwrap();
    let prefix = format!("legacy-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    s.create_user_pool_domain()
        .user_pool_id(&src_pool)
        .domain(&prefix)
        .send()
        .await
        .unwrap();

    let source_ref = source_at(&src.url, &src_pool, &admin_client);
    let report = tessera::migration_copy(&tgt.settings, source_ref, admin_secret.as_deref())
        .await
        .unwrap();
    assert!(report.not_copied.is_empty(), "{:?}", report.not_copied);
    assert_eq!(report.user_pool_id, src_pool);
    assert!(report.same_pool_id);
    assert_eq!(report.clients.len(), 2);
    assert!(
        report.clients.iter().all(|(a, b)| a == b),
        "{:?}",
        report.clients
    );
    assert_eq!(
        (
            report.groups,
            report.resource_servers,
            report.identity_providers
        ),
        (1, 1, 1)
    );
    assert_eq!(report.domain.as_deref(), Some(prefix.as_str()));
    assert_eq!((report.users_copied, report.memberships), (4, 1));
    let t = &tgt.idp;
    let copied_secret = t
        .describe_user_pool_client()
        .user_pool_id(&src_pool)
        .client_id(&admin_client)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_secret;
    assert_eq!(copied_secret, admin_secret, "the client secret is kept");
    let pending = t
        .admin_get_user()
        .user_pool_id(&src_pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(pending.user_status().unwrap().as_str(), "CONFIRMED");

    // Pending: SRP cannot prove a password nobody here knows yet.
    assert!(
        srp_login(t, &src_pool, &web, "alice", PASSWORD, None)
            .await
            .is_err()
    );
    // A wrong password is refused by the source; the user stays pending.
    assert_eq!(
        login(&tgt, &web, "carol", "Wr0ng-pass!").await.unwrap_err(),
        "NotAuthorizedException"
    );
    // The first password sign-in sets the password here, on the copied client id.
    let tokens = login(&tgt, &web, "alice", PASSWORD).await.unwrap();
    let id = claims(tokens.id_token().unwrap());
    assert_eq!(id["sub"], source_sub(&src, &src_pool, "alice").await);
    assert_eq!(id["cognito:groups"], serde_json::json!(["staff"]));
    srp_login(t, &src_pool, &web, "alice", PASSWORD, None)
        .await
        .unwrap();
    // Running the copy again resumes it: nobody who is here already changes.
    let again = tessera::migration_copy(
        &tgt.settings,
        source_at(&src.url, &src_pool, &admin_client),
        admin_secret.as_deref(),
    )
    .await
    .unwrap();
    assert!(again.resumed && again.same_pool_id, "{again:?}");
    assert_eq!(
        (
            again.user_pool_id.as_str(),
            again.users_copied,
            again.users_skipped
        ),
        (src_pool.as_str(), 0, 4)
    );
    login(&tgt, &web, "alice", PASSWORD).await.unwrap();

    // Dave's authenticator could not move: he sets up a new one before he is in.
    let dave = t
        .initiate_auth()
        .client_id(&web)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "dave")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(dave.challenge_name().map(|c| c.as_str()), Some("MFA_SETUP"));
    assert!(dave.authentication_result().is_none());

    // Finished: a user still without a password can only reset it.
    tessera::migration_finish(&tgt.settings, &src_pool)
        .await
        .unwrap();
    assert_eq!(
        login(&tgt, &web, "carol", PASSWORD).await.unwrap_err(),
        "PasswordResetRequiredException"
    );

    tgt.stop().await;
    src.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn copy_sqlite() {
    copy(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn copy_postgres() {
    copy(Backend::Postgres).await;
}
