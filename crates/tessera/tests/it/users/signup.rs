//! Self-service sign-up, confirmation codes, password reset and existence privacy.

use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, DeliveryMediumType, MessageActionType,
    PreventUserExistenceErrorTypes, UserStatusType,
};

use crate::harness::{TestServer, both, code, message};

use super::{attr, pool_and_client, status};

both!(
    sign_up_and_confirm_with_the_emailed_code,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let (pool, client) = pool_and_client(srv).await;
        let out = c
            .sign_up()
            .client_id(&client)
            .username("alice")
            .password("Passw0rd!")
            .user_attributes(attr("email", "alice@example.com"))
            .send()
            .await
            .unwrap();
        assert!(!out.user_confirmed);
        assert_eq!(out.user_sub.len(), 36);
        // One user at a time: a random (version 4) sub, as Cognito's (ADR 0023).
        let v = uuid::Uuid::parse_str(&out.user_sub).map(|u| u.get_version_num());
        assert_eq!(v.ok(), Some(4));
        let d = out.code_delivery_details.unwrap();
        assert_eq!(d.destination.as_deref(), Some("a***@e***"));
        assert_eq!(d.delivery_medium, Some(DeliveryMediumType::Email));
        assert_eq!(d.attribute_name.as_deref(), Some("email"));
        assert_eq!(
            status(srv, &pool, "alice").await,
            UserStatusType::Unconfirmed
        );

        let code_sent = srv.last_code("alice@example.com");
        assert_eq!(code_sent.len(), 6);
        let wrong = if code_sent == "000000" {
            "111111"
        } else {
            "000000"
        };
        let r = c
            .confirm_sign_up()
            .client_id(&client)
            .username("alice")
            .confirmation_code(wrong)
            .send()
            .await;
        assert_eq!(code(r), "CodeMismatchException");
        c.confirm_sign_up()
            .client_id(&client)
            .username("alice")
            .confirmation_code(&code_sent)
            .send()
            .await
            .unwrap();
        let u = c
            .admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert_eq!(u.user_status, Some(UserStatusType::Confirmed));
        let verified = u
            .user_attributes()
            .iter()
            .find(|a| a.name == "email_verified")
            .and_then(|a| a.value.clone());
        assert_eq!(verified.as_deref(), Some("true"));
        let sub = u
            .user_attributes()
            .iter()
            .find(|a| a.name == "sub")
            .and_then(|a| a.value.clone());
        assert_eq!(sub.as_deref(), Some(out.user_sub.as_str()));
        // A code works once; a confirmed user cannot be confirmed again.
        let r = c
            .confirm_sign_up()
            .client_id(&client)
            .username("alice")
            .confirmation_code(&code_sent)
            .send()
            .await;
        assert_eq!(code(r), "NotAuthorizedException");
        let r = c
            .resend_confirmation_code()
            .client_id(&client)
            .username("alice")
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");
    }
);

both!(sign_up_errors, async |srv: &TestServer| {
    let c = &srv.idp;
    let (pool, client) = pool_and_client(srv).await;
    let signup = |u: &str, p: &str| c.sign_up().client_id(&client).username(u).password(p);
    signup("bob", "Passw0rd!").send().await.unwrap();
    assert_eq!(
        code(signup("bob", "Passw0rd!").send().await),
        "UsernameExistsException"
    );
    let r = signup("carol", "short").send().await;
    assert_eq!(
        message(r),
        "Password did not conform with policy: Password not long enough"
    );
    let r = signup("carol", "password1!").send().await;
    assert_eq!(code(r), "InvalidPasswordException");
    let r = signup("carol", "Passw0rd!")
        .user_attributes(attr("nickname_typo", "x"))
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = signup("carol", "Passw0rd!")
        .user_attributes(attr("email", "not-an-email"))
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .sign_up()
        .client_id("nosuchclient0000000000000")
        .username("x")
        .password("Passw0rd!")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(r), "UserNotFoundException");

    // A client with a secret needs SECRET_HASH.
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
    let id = secret_client.client_id.unwrap();
    let r = c
        .sign_up()
        .client_id(&id)
        .username("dave")
        .password("Passw0rd!")
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    let hash = tessera_core::users::secret_hash(&secret_client.client_secret.unwrap(), "dave", &id);
    c.sign_up()
        .client_id(&id)
        .username("dave")
        .password("Passw0rd!")
        .secret_hash(hash)
        .send()
        .await
        .unwrap();

    // Required attributes and admin-only pools.
    let strict = c
        .create_user_pool()
        .pool_name("strict")
        .schema(
            aws_sdk_cognitoidentityprovider::types::SchemaAttributeType::builder()
                .name("email")
                .required(true)
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let sc = c
        .create_user_pool_client()
        .user_pool_id(&strict)
        .client_name("a")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let r = c
        .sign_up()
        .client_id(&sc)
        .username("e")
        .password("Passw0rd!")
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    let r = c
        .admin_create_user()
        .user_pool_id(&strict)
        .username("e")
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    let m = message(r);
    assert!(m.contains("email") && m.contains("required"), "{m}");
});

both!(
    code_attempts_are_limited_and_resend_replaces_the_code,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let (_, client) = pool_and_client(srv).await;
        c.sign_up()
            .client_id(&client)
            .username("erin")
            .password("Passw0rd!")
            .user_attributes(attr("email", "erin@example.com"))
            .send()
            .await
            .unwrap();
        let first = srv.last_code("erin@example.com");
        c.resend_confirmation_code()
            .client_id(&client)
            .username("erin")
            .send()
            .await
            .unwrap();
        let second = srv.last_code("erin@example.com");
        if first != second {
            let r = c
                .confirm_sign_up()
                .client_id(&client)
                .username("erin")
                .confirmation_code(&first)
                .send()
                .await;
            assert_eq!(code(r), "CodeMismatchException");
        }
        let wrong = if second == "999999" {
            "888888"
        } else {
            "999999"
        };
        let mut last = String::new();
        for _ in 0..6 {
            last = code(
                c.confirm_sign_up()
                    .client_id(&client)
                    .username("erin")
                    .confirmation_code(wrong)
                    .send()
                    .await,
            );
        }
        assert_eq!(last, "LimitExceededException");
        // Even the right code is refused once the attempts are spent.
        let r = c
            .confirm_sign_up()
            .client_id(&client)
            .username("erin")
            .confirmation_code(&second)
            .send()
            .await;
        assert_eq!(code(r), "LimitExceededException");
    }
);

both!(
    forgot_password_and_existence_privacy,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let (pool, client) = pool_and_client(srv).await;
        c.sign_up()
            .client_id(&client)
            .username("fred")
            .password("Passw0rd!")
            .user_attributes(attr("email", "fred@example.com"))
            .send()
            .await
            .unwrap();
        // Unverified email: no way to send a reset code.
        let r = c
            .forgot_password()
            .client_id(&client)
            .username("fred")
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");
        c.confirm_sign_up()
            .client_id(&client)
            .username("fred")
            .confirmation_code(srv.last_code("fred@example.com"))
            .send()
            .await
            .unwrap();
        let d = c
            .forgot_password()
            .client_id(&client)
            .username("fred")
            .send()
            .await
            .unwrap()
            .code_delivery_details
            .unwrap();
        assert_eq!(d.destination.as_deref(), Some("f***@e***"));
        let reset = srv.last_code("fred@example.com");
        let r = c
            .confirm_forgot_password()
            .client_id(&client)
            .username("fred")
            .confirmation_code(&reset)
            .password("weak")
            .send()
            .await;
        assert_eq!(code(r), "InvalidPasswordException");
        c.confirm_forgot_password()
            .client_id(&client)
            .username("fred")
            .confirmation_code(&reset)
            .password("N3w-Passw0rd")
            .send()
            .await
            .unwrap();
        let r = c
            .confirm_forgot_password()
            .client_id(&client)
            .username("fred")
            .confirmation_code(&reset)
            .password("N3w-Passw0rd2")
            .send()
            .await;
        // A reset code works once; a used one is ExpiredCodeException "Invalid code
        // provided, please request a code again." (aws-amplify/amplify-js#6863).
        assert_eq!(code(r), "ExpiredCodeException", "a reset code works once");
        assert_eq!(status(srv, &pool, "fred").await, UserStatusType::Confirmed);

        // LEGACY reveals a missing user; ENABLED does not.
        assert_eq!(
            code(
                c.forgot_password()
                    .client_id(&client)
                    .username("ghost")
                    .send()
                    .await
            ),
            "UserNotFoundException"
        );
        let hidden = c
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("private")
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        assert!(
            c.forgot_password()
                .client_id(&hidden)
                .username("ghost")
                .send()
                .await
                .unwrap()
                .code_delivery_details
                .is_some()
        );
        assert!(
            c.resend_confirmation_code()
                .client_id(&hidden)
                .username("ghost")
                .send()
                .await
                .is_ok()
        );
        let r = c
            .confirm_sign_up()
            .client_id(&hidden)
            .username("ghost")
            .confirmation_code("123456")
            .send()
            .await;
        assert_eq!(code(r), "CodeMismatchException");
        let r = c
            .confirm_forgot_password()
            .client_id(&hidden)
            .username("ghost")
            .confirmation_code("123456")
            .password("N3w-Passw0rd")
            .send()
            .await;
        assert_eq!(code(r), "CodeMismatchException");
    }
);

both!(
    concurrent_sign_ups_for_one_username,
    async |srv: &TestServer| {
        let (pool, client) = pool_and_client(srv).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let c = srv.idp.clone();
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                c.sign_up()
                    .client_id(client)
                    .username("racer")
                    .password(format!("Passw0rd!{i}"))
                    .send()
                    .await
            }));
        }
        let mut ok = 0;
        let mut exists = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert_eq!(code::<(), _>(Err(e)), "UsernameExistsException");
                    exists += 1;
                }
            }
        }
        assert_eq!((ok, exists), (1, 49));
        let users = srv
            .idp
            .list_users()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap();
        assert_eq!(users.users().len(), 1);
    }
);

/// Codes expire: sign-up codes after 24 hours, password reset codes after one hour.
async fn codes_expire(backend: crate::harness::Backend) {
    use std::sync::Arc;
    use tessera_core::clock::{Clock, ManualClock, SystemClock};
    let clock = Arc::new(ManualClock::new(SystemClock.now_millis()));
    let Some(srv) = TestServer::start_with_clock(backend, clock.clone()).await else {
        return;
    };
    let c = &srv.idp;
    let (_, client) = pool_and_client(&srv).await;
    c.sign_up()
        .client_id(&client)
        .username("old")
        .password("Passw0rd!")
        .user_attributes(attr("email", "old@example.com"))
        .send()
        .await
        .unwrap();
    let signup_code = srv.last_code("old@example.com");
    clock.advance_millis(24 * 3600 * 1000 + 1000);
    let r = c
        .confirm_sign_up()
        .client_id(&client)
        .username("old")
        .confirmation_code(&signup_code)
        .send()
        .await;
    assert_eq!(code(r), "ExpiredCodeException");
    c.resend_confirmation_code()
        .client_id(&client)
        .username("old")
        .send()
        .await
        .unwrap();
    c.confirm_sign_up()
        .client_id(&client)
        .username("old")
        .confirmation_code(srv.last_code("old@example.com"))
        .send()
        .await
        .unwrap();

    c.forgot_password()
        .client_id(&client)
        .username("old")
        .send()
        .await
        .unwrap();
    clock.advance_millis(59 * 60 * 1000);
    c.forgot_password()
        .client_id(&client)
        .username("old")
        .send()
        .await
        .unwrap();
    let fresh = srv.last_code("old@example.com");
    clock.advance_millis(61 * 60 * 1000);
    let r = c
        .confirm_forgot_password()
        .client_id(&client)
        .username("old")
        .confirmation_code(&fresh)
        .password("N3w-Passw0rd")
        .send()
        .await;
    assert_eq!(code(r), "ExpiredCodeException");
    srv.stop().await;
}

#[tokio::test]
async fn codes_expire_sqlite() {
    codes_expire(crate::harness::Backend::Sqlite).await;
}

#[tokio::test]
async fn codes_expire_postgres() {
    codes_expire(crate::harness::Backend::Postgres).await;
}
