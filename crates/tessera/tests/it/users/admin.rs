//! Administrator user operations, username attributes and case-insensitive pools.

use aws_sdk_cognitoidentityprovider::types::{
    MessageActionType, UserStatusType, UsernameAttributeType, UsernameConfigurationType,
    VerifiedAttributeType,
};

use crate::harness::{TestServer, both, code};

use super::{attr, pool_and_client, status};

both!(admin_user_management, async |srv: &TestServer| {
    let c = &srv.idp;
    let (pool, _) = pool_and_client(srv).await;
    let created = c
        .admin_create_user()
        .user_pool_id(&pool)
        .username("gina")
        .temporary_password("Temp-Passw0rd")
        .user_attributes(attr("email", "gina@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("name", "Gina"))
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(
        created.user_status,
        Some(UserStatusType::ForceChangePassword)
    );
    assert!(created.enabled);
    assert_eq!(srv.last_code("gina@example.com"), "Temp-Passw0rd");
    let invitation = srv
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m["destination"] == "gina@example.com")
        .unwrap();
    assert!(invitation["body"].as_str().unwrap().contains("gina"));
    assert_eq!(
        code(
            c.admin_create_user()
                .user_pool_id(&pool)
                .username("gina")
                .send()
                .await
        ),
        "UsernameExistsException"
    );
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("gina")
        .message_action(MessageActionType::Resend)
        .send()
        .await
        .unwrap();
    assert_ne!(
        srv.last_code("gina@example.com"),
        "Temp-Passw0rd",
        "a resend makes a new temporary password"
    );
    let before = srv.outbox().len();
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("hank")
        .user_attributes(attr("email", "hank@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    assert_eq!(srv.outbox().len(), before, "SUPPRESS sends nothing");

    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert!(
        !c.admin_get_user()
            .user_pool_id(&pool)
            .username("gina")
            .send()
            .await
            .unwrap()
            .enabled
    );
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert!(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("gina")
            .send()
            .await
            .unwrap()
            .enabled
    );

    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("gina")
        .user_attributes(attr("name", "Georgina"))
        .send()
        .await
        .unwrap();
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("gina")
        .user_attributes(attr("email", "georgina@example.com"))
        .send()
        .await
        .unwrap();
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    let get = |n: &str| {
        u.user_attributes()
            .iter()
            .find(|a| a.name == n)
            .and_then(|a| a.value.clone())
    };
    assert_eq!(get("name").as_deref(), Some("Georgina"));
    assert_eq!(
        get("email_verified").as_deref(),
        Some("false"),
        "a changed auto-verified email needs verifying"
    );
    assert_eq!(srv.last_code("georgina@example.com").len(), 6);
    let r = c
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("gina")
        .user_attributes(attr("sub", "x"))
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    c.admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("gina")
        .user_attribute_names("name")
        .send()
        .await
        .unwrap();
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert!(u.user_attributes().iter().all(|a| a.name != "name"));

    let r = c
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("gina")
        .password("weak")
        .permanent(true)
        .send()
        .await;
    assert_eq!(code(r), "InvalidPasswordException");
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("gina")
        .password("Perm-Passw0rd")
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(status(srv, &pool, "gina").await, UserStatusType::Confirmed);
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("gina")
        .password("Temp-Passw0rd2")
        .permanent(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(srv, &pool, "gina").await,
        UserStatusType::ForceChangePassword
    );

    // A user with only a temporary password cannot be reset (tests/it/fidelity_users.rs);
    // hank chooses one first.
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("hank")
        .password("Perm-Passw0rd")
        .permanent(true)
        .send()
        .await
        .unwrap();
    // Reset needs a verified address: hank has none verified.
    assert_eq!(
        code(
            c.admin_reset_user_password()
                .user_pool_id(&pool)
                .username("hank")
                .send()
                .await
        ),
        "InvalidParameterException"
    );
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("hank")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    c.admin_reset_user_password()
        .user_pool_id(&pool)
        .username("hank")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(srv, &pool, "hank").await,
        UserStatusType::ResetRequired
    );
    assert_eq!(srv.last_code("hank@example.com").len(), 6);

    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.admin_get_user()
                .user_pool_id(&pool)
                .username("gina")
                .send()
                .await
        ),
        "UserNotFoundException"
    );
    assert_eq!(
        code(
            c.admin_delete_user()
                .user_pool_id(&pool)
                .username("gina")
                .send()
                .await
        ),
        "UserNotFoundException"
    );
    assert_eq!(
        code(
            c.admin_confirm_sign_up()
                .user_pool_id(&pool)
                .username("hank")
                .send()
                .await
        ),
        "NotAuthorizedException"
    );
    let pool_after = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool_after.estimated_number_of_users, 1);
});

both!(admin_confirm_sign_up, async |srv: &TestServer| {
    let c = &srv.idp;
    let (pool, client) = pool_and_client(srv).await;
    c.sign_up()
        .client_id(&client)
        .username("ivy")
        .password("Passw0rd!")
        .send()
        .await
        .unwrap();
    c.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("ivy")
        .send()
        .await
        .unwrap();
    assert_eq!(status(srv, &pool, "ivy").await, UserStatusType::Confirmed);
});

both!(
    email_as_username_and_case_insensitivity,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let pool = c
            .create_user_pool()
            .pool_name("by-email")
            .username_attributes(UsernameAttributeType::Email)
            .username_configuration(
                UsernameConfigurationType::builder()
                    .case_sensitive(false)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let client = c
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("a")
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        let out = c
            .sign_up()
            .client_id(&client)
            .username("Jane@Example.com")
            .password("Passw0rd!")
            .send()
            .await
            .unwrap();
        let u = c
            .admin_get_user()
            .user_pool_id(&pool)
            .username("jane@example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(
            u.username, out.user_sub,
            "with email as username, the username is the sub"
        );
        let r = c
            .sign_up()
            .client_id(&client)
            .username("JANE@example.com")
            .password("Passw0rd!")
            .send()
            .await;
        assert_eq!(code(r), "UsernameExistsException");
        let r = c
            .sign_up()
            .client_id(&client)
            .username("not-an-email")
            .password("Passw0rd!")
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");

        let ci = c
            .create_user_pool()
            .pool_name("ci")
            .username_configuration(
                UsernameConfigurationType::builder()
                    .case_sensitive(false)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        c.admin_create_user()
            .user_pool_id(&ci)
            .username("Kim")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        assert_eq!(
            c.admin_get_user()
                .user_pool_id(&ci)
                .username("KIM")
                .send()
                .await
                .unwrap()
                .username,
            "Kim"
        );
        let r = c
            .admin_create_user()
            .user_pool_id(&ci)
            .username("kim")
            .message_action(MessageActionType::Suppress)
            .send()
            .await;
        assert_eq!(code(r), "UsernameExistsException");
    }
);

both!(
    verification_before_update_keeps_the_old_email,
    async |srv: &TestServer| {
        use aws_sdk_cognitoidentityprovider::types::UserAttributeUpdateSettingsType;
        let c = &srv.idp;
        let pool = c
            .create_user_pool()
            .pool_name("verify-first")
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .user_attribute_update_settings(
                UserAttributeUpdateSettingsType::builder()
                    .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("lee")
            .user_attributes(attr("email", "lee@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let email_of = async |c: &aws_sdk_cognitoidentityprovider::Client| {
            let u = c
                .admin_get_user()
                .user_pool_id(&pool)
                .username("lee")
                .send()
                .await
                .unwrap();
            let get = |n: &str| {
                u.user_attributes()
                    .iter()
                    .find(|a| a.name == n)
                    .and_then(|a| a.value.clone())
            };
            (get("email"), get("email_verified"))
        };
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("lee")
            .user_attributes(attr("email", "lee@new.example.com"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            email_of(c).await,
            (Some("lee@example.com".into()), Some("true".into())),
            "the old, verified email stays until the new one is verified"
        );
        assert_eq!(
            srv.last_code("lee@new.example.com").len(),
            6,
            "the code goes to the new address"
        );
        // Setting email_verified in the same call applies the change at once.
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("lee")
            .user_attributes(attr("email", "lee@new.example.com"))
            .user_attributes(attr("email_verified", "true"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            email_of(c).await,
            (Some("lee@new.example.com".into()), Some("true".into()))
        );
    }
);
