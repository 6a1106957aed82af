//! Expiry and lockout, with the domain on a manual clock.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, MessageActionType};
use tessera_core::clock::ManualClock;

use super::{PASSWORD, get_user_error, login, setup, srp_login, user};
use crate::harness::{TestServer, both_clocked, message};

both_clocked!(
    access_tokens_and_sessions_expire,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "quinn").await;
        let t = login(srv, &client, "quinn", PASSWORD).await.unwrap();
        let access = t.access_token.unwrap();
        clock.advance_millis(3_599_000);
        assert_eq!(get_user_error(&srv.idp, &access).await, None);
        clock.advance_millis(2_000);
        assert_eq!(
            get_user_error(&srv.idp, &access).await.as_deref(),
            Some("NotAuthorizedException: Access Token has expired")
        );
        // The refresh token still works (30 days).
        assert!(
            srv.idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", t.refresh_token.as_deref().unwrap())
                .send()
                .await
                .is_ok()
        );

        // A challenge session lasts 3 minutes (the client's AuthSessionValidity).
        srv.idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username("temp")
            .temporary_password("Temp1234!")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let start = || {
            srv.idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "temp")
                .auth_parameters("PASSWORD", "Temp1234!")
                .send()
        };
        let session = start().await.unwrap().session.unwrap();
        clock.advance_millis(181_000);
        let r = srv
            .idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", "temp")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(
            message(r),
            "Invalid session for the user, session is expired."
        );
        // The temporary password itself expires after 7 days.
        clock.advance_millis(7 * 86_400_000);
        assert_eq!(
            message(start().await),
            "Temporary password has expired and must be reset by an administrator."
        );
    }
);

both_clocked!(
    repeated_failures_lock_the_user_out_with_back_off,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "rae").await;
        let wrong = || login(srv, &client, "rae", "Wrong1234!");
        for _ in 0..5 {
            assert_eq!(wrong().await.unwrap_err(), "NotAuthorizedException");
        }
        // Locked for one second, even with the right password and with SRP.
        let locked = |r: Result<_, String>| r.unwrap_err();
        let r = srv
            .idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "rae")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(message(r), "Password attempts exceeded");
        assert_eq!(
            locked(srp_login(&srv.idp, &pool, &client, "rae", PASSWORD, None).await),
            "NotAuthorizedException: Password attempts exceeded"
        );
        clock.advance_millis(1_001);
        // The sixth failure locks for two seconds.
        wrong().await.unwrap_err();
        clock.advance_millis(1_500);
        assert!(login(srv, &client, "rae", PASSWORD).await.is_err());
        clock.advance_millis(600);
        // Success clears the count.
        login(srv, &client, "rae", PASSWORD).await.unwrap();
        for _ in 0..4 {
            wrong().await.unwrap_err();
        }
        login(srv, &client, "rae", PASSWORD).await.unwrap();
    }
);

both_clocked!(
    a_hidden_missing_user_is_locked_out_like_a_real_one,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        use aws_sdk_cognitoidentityprovider::types::{
            ExplicitAuthFlowsType, PreventUserExistenceErrorTypes,
        };
        let (pool, revealing) = setup(srv).await;
        let hiding = srv
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("hiding")
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        user(srv, &pool, "real").await;
        let attempt = async |client: &str, name: &str| {
            let r = srv
                .idp
                .initiate_auth()
                .client_id(client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", name)
                .auth_parameters("PASSWORD", "Wrong1234!")
                .send()
                .await;
            message(r)
        };
        for _ in 0..5 {
            assert_eq!(
                attempt(&hiding, "real").await,
                "Incorrect username or password."
            );
            assert_eq!(
                attempt(&hiding, "ghost").await,
                "Incorrect username or password."
            );
        }
        // The sixth answer is the lockout for both, over password and SRP alike.
        assert_eq!(attempt(&hiding, "real").await, "Password attempts exceeded");
        assert_eq!(
            attempt(&hiding, "Ghost").await,
            "Password attempts exceeded"
        );
        assert_eq!(
            srp_login(&srv.idp, &pool, &hiding, "ghost", PASSWORD, None)
                .await
                .unwrap_err(),
            "NotAuthorizedException: Password attempts exceeded"
        );
        // A client that reveals missing users says so, lockout or not.
        assert_eq!(attempt(&revealing, "ghost").await, "User does not exist.");
        clock.advance_millis(1_001);
        assert_eq!(
            attempt(&hiding, "ghost").await,
            "Incorrect username or password."
        );
    }
);

both_clocked!(
    a_revoked_refresh_token_stays_refused_after_its_revocation_leaves_memory,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "orla").await;
        let t = login(srv, &client, "orla", PASSWORD).await.unwrap();
        let refresh_token = t.refresh_token.unwrap();
        let refresh = async || {
            srv.idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", &refresh_token)
                .send()
                .await
        };
        refresh().await.unwrap();
        srv.idp
            .revoke_token()
            .client_id(&client)
            .token(&refresh_token)
            .send()
            .await
            .unwrap();
        assert_eq!(message(refresh().await), "Refresh Token has been revoked");
        // A day later every access token of the sign-in has expired, so the revocation
        // leaves the in-memory set (the background reader runs every second); the refresh
        // token itself lives 30 days and must stay refused. (The clock jumps a day at once
        // here, so the node also drops its record cache as after a long gap in the feed.)
        clock.advance_millis(tessera_core::tokens::revocation::TOKEN_MAX_LIFETIME_MS + 1_000);
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        assert_eq!(message(refresh().await), "Refresh Token has been revoked");
    }
);
