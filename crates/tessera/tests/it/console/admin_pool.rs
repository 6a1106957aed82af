//! The console's sign-in as a user of the admin pool (`console_admin_pool`): password, then
//! a second factor (chosen first when the user has several).

use crate::auth::{PASSWORD, login, setup, user};
use crate::harness::{Backend, TestServer};
use crate::oauth::{Answer, Browser};

async fn first_factor(b: &mut Browser, url: &str, name: &str, pw: &str) -> Answer {
    b.post(
        &format!("{url}/console/login/user"),
        &[("username", name), ("password", pw)],
    )
    .await
}

/// `console_admin_pool`: a user of that pool signs in with a password and a TOTP code; one
/// without MFA, one of another pool, a wrong code are refused; disabling the user ends their
/// session.
async fn admin_pool_users(backend: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{
        ExplicitAuthFlowsType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
    };
    let Some(srv) = TestServer::start(backend).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let (pool, client) = setup(&srv).await;
    crate::mfa::configure(&srv, &pool, UserPoolMfaType::Optional, false, true, true).await;
    srv.idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("console")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    user(&srv, &pool, "ada").await;
    user(&srv, &pool, "bob").await;
    let access = login(&srv, &client, "ada", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    let secret = crate::mfa::enrol_totp(&srv.idp, &access, true).await;
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    // Cy has an authenticator and email codes, neither preferred: the console asks which.
    user(&srv, &pool, "cy").await;
    let cy_access = login(&srv, &client, "cy", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    crate::mfa::enrol_totp(&srv.idp, &cy_access, false).await;
    srv.idp
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("cy")
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .email_mfa_settings(
            aws_sdk_cognitoidentityprovider::types::EmailMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (other_pool, _) = setup(&srv).await;
    user(&srv, &other_pool, "eve").await;

    let (node, url) = srv
        .node_with(|s| s.console_admin_pool = Some(pool.clone()))
        .await;
    let mut b = Browser::new();
    let page = b.get(&format!("{url}/console/login")).await;
    assert!(page.body.contains("Or with your account"));
    // No MFA, another pool's user, a wrong password: refused, no session.
    let r = first_factor(&mut b, &url, "bob", PASSWORD).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("needs a second factor"));
    let r = first_factor(&mut b, &url, "eve", PASSWORD).await;
    assert_eq!(r.status, 401);
    let r = first_factor(&mut b, &url, "ada", "Wrong-pass1!").await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Incorrect username or password."));
    assert!(!b.cookies.contains_key("tessera_console"));
    // The password, then the code (the next 30-second step: this one went to the setup).
    let r = first_factor(&mut b, &url, "ada", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let session = r.field("session").unwrap();
    assert_eq!(r.field("challenge").as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    let wrong = b
        .post(
            &format!("{url}/console/login/mfa"),
            &[
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", &session),
                ("username", "ada"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    let r = first_factor(&mut b, &url, "ada", PASSWORD).await;
    let session = r.field("session").unwrap();
    let mut b = Browser::new();
    // The form's username is not who signs in: ada's session, ada's code, "bob" in the form.
    let done = b
        .post(
            &format!("{url}/console/login/mfa"),
            &[
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", &session),
                ("username", "bob"),
                ("code", &crate::mfa::totp(&secret, now() + 30_000)),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let home = b.get(&format!("{url}/console")).await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("user:ada"), "{}", home.body);
    assert!(!home.body.contains("user:bob"));
    // SELECT_MFA_TYPE: the factors to choose from, then the chosen one's code.
    let mut c = Browser::new();
    let r = first_factor(&mut c, &url, "cy", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.field("challenge").as_deref(), Some("SELECT_MFA_TYPE"));
    assert!(
        r.body.contains(r#"value="SOFTWARE_TOKEN_MFA""#) && r.body.contains(r#"value="EMAIL_OTP""#),
        "{}",
        r.body
    );
    let session = r.field("session").unwrap();
    let r = c
        .post(
            &format!("{url}/console/login/mfa"),
            &[
                ("challenge", "SELECT_MFA_TYPE"),
                ("session", &session),
                ("username", "cy"),
                ("answer", "EMAIL_OTP"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.field("challenge").as_deref(), Some("EMAIL_OTP"));
    let session = r.field("session").unwrap();
    let done = c
        .post(
            &format!("{url}/console/login/mfa"),
            &[
                ("challenge", "EMAIL_OTP"),
                ("session", &session),
                ("username", "cy"),
                ("code", &srv.last_code("cy@example.com")),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let home = c.get(&format!("{url}/console")).await;
    assert!(home.body.contains("user:cy"), "{}", home.body);

    // Disabled in the admin pool: the session ends at the next page.
    srv.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("ada")
        .send()
        .await
        .unwrap();
    let r = b.get(&format!("{url}/console")).await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    node.shutdown().await.unwrap();
    srv.stop().await;
}

#[tokio::test]
async fn admin_pool_sqlite() {
    admin_pool_users(Backend::Sqlite).await;
}

#[tokio::test]
async fn admin_pool_postgres() {
    admin_pool_users(Backend::Postgres).await;
}
