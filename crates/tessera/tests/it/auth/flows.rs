//! The sign-in flows, their challenges and their errors.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, MessageActionType,
    PreventUserExistenceErrorTypes,
};

use super::{PASSWORD, login, setup, setup_with, srp_login, srp_login_between, user};
use crate::harness::{TestServer, both, code, message};

both!(
    password_and_srp_sign_in_give_tokens,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "alice").await;
        let t = login(srv, &client, "alice", PASSWORD).await.unwrap();
        assert_eq!(t.token_type.as_deref(), Some("Bearer"));
        assert_eq!(t.expires_in, 3600);
        assert!(t.refresh_token.is_some());
        let t = srp_login(&srv.idp, &pool, &client, "alice", PASSWORD, None)
            .await
            .unwrap();
        assert!(t.access_token.is_some() && t.id_token.is_some() && t.refresh_token.is_some());
        // Signing in by an email alias: SRP uses the real user name as USER_ID_FOR_SRP.
        let r = srp_login(&srv.idp, &pool, &client, "alice", "Wrong1234!", None).await;
        assert_eq!(
            r.unwrap_err(),
            "NotAuthorizedException: Incorrect username or password."
        );
        assert_eq!(
            login(srv, &client, "alice", "Wrong1234!")
                .await
                .unwrap_err(),
            "NotAuthorizedException"
        );
        // Admin flow, through AdminInitiateAuth only.
        let a = srv
            .idp
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&client)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap();
        assert!(a.authentication_result.unwrap().id_token.is_some());
        let r = srv
            .idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(message(r), "Initiate Auth method not supported.");
    }
);

both!(srp_with_an_email_username_pool, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("by-email")
        .username_attributes(aws_sdk_cognitoidentityprovider::types::UsernameAttributeType::Email)
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
        .client_name("app")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    c.sign_up()
        .client_id(&client)
        .username("bob@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    c.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("bob@example.com")
        .send()
        .await
        .unwrap();
    let t = srp_login(c, &pool, &client, "bob@example.com", PASSWORD, None)
        .await
        .unwrap();
    let id = crate::auth::claims(t.id_token.as_deref().unwrap());
    assert_eq!(id["email"], "bob@example.com");
    assert_eq!(id["cognito:username"], id["sub"]);
    // The default flows of a client do not include USER_PASSWORD_AUTH.
    let r = login(srv, &client, "bob@example.com", PASSWORD).await;
    assert_eq!(r.unwrap_err(), "InvalidParameterException");
});

both!(
    flows_must_be_enabled_for_the_client,
    async |srv: &TestServer| {
        let (pool, _) = setup(srv).await;
        user(srv, &pool, "carol").await;
        let only_srp = srv
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("srp-only")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        let r = srv
            .idp
            .initiate_auth()
            .client_id(&only_srp)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(
            message(r),
            "USER_PASSWORD_AUTH flow not enabled for this client"
        );
        let r = srv
            .idp
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&only_srp)
            .auth_flow(AuthFlowType::AdminNoSrpAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");
        let r = srv
            .idp
            .initiate_auth()
            .client_id("nosuchclient")
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");
    }
);

both!(
    secret_hash_is_required_when_the_client_has_a_secret,
    async |srv: &TestServer| {
        let (pool, client) = setup_with(srv, true).await;
        user(srv, &pool, "dave").await;
        let secret = srv
            .idp
            .describe_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&client)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_secret
            .unwrap();
        let hash = |u: &str| tessera_core::users::secret_hash(&secret, u, &client);
        let r = login(srv, &client, "dave", PASSWORD).await;
        assert_eq!(r.unwrap_err(), "NotAuthorizedException");
        let attempt = |h: String| {
            srv.idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "dave")
                .auth_parameters("PASSWORD", PASSWORD)
                .auth_parameters("SECRET_HASH", h)
                .send()
        };
        let r = attempt("d3Jvbmc=".into()).await;
        assert_eq!(
            message(r),
            format!("Unable to verify secret hash for client {client}")
        );
        let ok = attempt(hash("dave")).await.unwrap();
        let tokens = ok.authentication_result.unwrap();
        // Refreshing needs the hash too (made with the user name).
        let refresh = |h: Option<String>| {
            let mut q = srv
                .idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", tokens.refresh_token.clone().unwrap());
            if let Some(h) = h {
                q = q.auth_parameters("SECRET_HASH", h);
            }
            q.send()
        };
        assert_eq!(code(refresh(None).await), "NotAuthorizedException");
        assert!(refresh(Some(hash("dave"))).await.is_ok());
        let srp = srp_login(&srv.idp, &pool, &client, "dave", PASSWORD, Some(&hash)).await;
        assert!(srp.is_ok(), "{srp:?}");
    }
);

both!(
    missing_users_are_revealed_only_when_the_client_allows_it,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        assert_eq!(
            login(srv, &client, "ghost", PASSWORD).await.unwrap_err(),
            "UserNotFoundException"
        );
        let r = srp_login(&srv.idp, &pool, &client, "ghost", PASSWORD, None).await;
        assert_eq!(
            r.unwrap_err(),
            "UserNotFoundException: User does not exist."
        );

        srv.idp
            .update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&client)
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .unwrap();
        assert_eq!(
            login(srv, &client, "ghost", PASSWORD).await.unwrap_err(),
            "NotAuthorizedException"
        );
        // SRP: the first step looks like a real user's (a stable salt), the answer fails
        // like a wrong password.
        let first = |name: &'static str| {
            srv.idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserSrpAuth)
                .auth_parameters("USERNAME", name)
                .auth_parameters("SRP_A", tessera_core::srp::client::client_public(&[5; 32]))
                .send()
        };
        let a = first("ghost").await.unwrap().challenge_parameters.unwrap();
        let b = first("ghost").await.unwrap().challenge_parameters.unwrap();
        assert_eq!(a["SALT"], b["SALT"]);
        assert_ne!(a["SRP_B"], b["SRP_B"]);
        let r = srp_login(&srv.idp, &pool, &client, "ghost", PASSWORD, None).await;
        assert_eq!(
            r.unwrap_err(),
            "NotAuthorizedException: Incorrect username or password."
        );
    }
);

both!(
    user_states_give_cognitos_exceptions,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        // Unconfirmed.
        srv.idp
            .sign_up()
            .client_id(&client)
            .username("erin")
            .password(PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(
            login(srv, &client, "erin", PASSWORD).await.unwrap_err(),
            "UserNotConfirmedException"
        );
        // A wrong password says nothing about the state.
        assert_eq!(
            login(srv, &client, "erin", "Wrong1234!").await.unwrap_err(),
            "NotAuthorizedException"
        );
        // Disabled.
        user(srv, &pool, "frank").await;
        srv.idp
            .admin_disable_user()
            .user_pool_id(&pool)
            .username("frank")
            .send()
            .await
            .unwrap();
        let r = srp_login(&srv.idp, &pool, &client, "frank", PASSWORD, None).await;
        assert_eq!(r.unwrap_err(), "NotAuthorizedException: User is disabled.");
        // Password reset required.
        user(srv, &pool, "gina").await;
        srv.idp
            .admin_reset_user_password()
            .user_pool_id(&pool)
            .username("gina")
            .send()
            .await
            .unwrap();
        assert_eq!(
            login(srv, &client, "gina", PASSWORD).await.unwrap_err(),
            "PasswordResetRequiredException"
        );
    }
);

both!(
    new_password_required_for_temporary_passwords,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let pool = c
            .create_user_pool()
            .pool_name("temp")
            .schema(
                aws_sdk_cognitoidentityprovider::types::SchemaAttributeType::builder()
                    .name("name")
                    .required(true)
                    .build(),
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
            .client_name("app")
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
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("hank")
            .temporary_password("Temp1234!")
            .message_action(MessageActionType::Suppress)
            .user_attributes(crate::users::attr("name", "Hank"))
            .send()
            .await
            .unwrap();
        let start = c
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "hank")
            .auth_parameters("PASSWORD", "Temp1234!")
            .send()
            .await
            .unwrap();
        assert_eq!(
            start.challenge_name,
            Some(ChallengeNameType::NewPasswordRequired)
        );
        let p = start.challenge_parameters.unwrap();
        assert_eq!(p["USER_ID_FOR_SRP"], "hank");
        assert_eq!(p["requiredAttributes"], "[]");
        let shown: serde_json::Value = serde_json::from_str(&p["userAttributes"]).unwrap();
        assert_eq!(shown["name"], "Hank");
        let session = start.session.unwrap();

        let answer = |pw: &'static str, session: String| {
            c.respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .session(session)
                .challenge_responses("USERNAME", "hank")
                .challenge_responses("NEW_PASSWORD", pw)
                .challenge_responses("userAttributes.name", "Henry")
                .send()
        };
        // A weak new password, then a tampered session, are refused.
        assert_eq!(
            code(answer("short", session.clone()).await),
            "InvalidPasswordException"
        );
        let mut tampered = session.clone().into_bytes();
        tampered[30] = if tampered[30] == b'A' { b'B' } else { b'A' };
        let r = answer(PASSWORD, String::from_utf8(tampered).unwrap()).await;
        assert_eq!(
            message(r),
            "Invalid session for the user, session is expired."
        );
        let done = answer(PASSWORD, session).await.unwrap();
        let tokens = done.authentication_result.unwrap();
        assert_eq!(
            crate::auth::claims(tokens.id_token.as_deref().unwrap())["name"],
            "Henry"
        );
        // Now a normal user: SRP works with the new password.
        srp_login(c, &pool, &client, "hank", PASSWORD, None)
            .await
            .unwrap();
    }
);

both!(
    a_password_set_during_an_srp_challenge_voids_it,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "vera").await;
        // The challenge was issued for the old password; an administrator resets it before
        // the answer comes: the old password's proof no longer signs in.
        let reset = async || {
            srv.idp
                .admin_set_user_password()
                .user_pool_id(&pool)
                .username("vera")
                .password("N3w-passw0rd!")
                .permanent(true)
                .send()
                .await
                .unwrap();
        };
        let r = srp_login_between(&srv.idp, &pool, &client, "vera", PASSWORD, None, reset).await;
        assert_eq!(
            r.unwrap_err(),
            "NotAuthorizedException: Incorrect username or password."
        );
        srp_login(&srv.idp, &pool, &client, "vera", "N3w-passw0rd!", None)
            .await
            .unwrap();
    }
);

both!(
    an_srp_answer_cannot_be_replayed,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ray").await;
        let answer =
            crate::auth::srp_answer(&srv.idp, &pool, &client, "ray", PASSWORD, None, async || {})
                .await
                .unwrap();
        let first = answer.clone().send().await.unwrap();
        assert!(first.authentication_result().is_some());
        let again = answer.send().await;
        assert_eq!(crate::harness::code(again), "NotAuthorizedException");
    }
);
