//! REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken and refresh-token rotation.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use super::{PASSWORD, claims, login, setup, user};
use crate::harness::{TestServer, both, both_clocked, code, message};
use tessera_core::clock::ManualClock;

async fn refresh_auth(srv: &TestServer, client: &str, token: &str) -> Result<String, String> {
    srv.idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .map(|r| {
            let t = r.authentication_result.unwrap();
            assert!(
                t.refresh_token.is_none(),
                "no new refresh token without rotation"
            );
            t.access_token.unwrap()
        })
        .map_err(|e| crate::harness::message(Err::<(), _>(e)))
}

both!(refresh_keeps_the_sign_in, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    user(srv, &pool, "kim").await;
    let t = login(srv, &client, "kim", PASSWORD).await.unwrap();
    let refresh = t.refresh_token.clone().unwrap();
    let first = claims(t.access_token.as_deref().unwrap());
    let access = refresh_auth(srv, &client, &refresh).await.unwrap();
    let again = claims(&access);
    assert_eq!(again["origin_jti"], first["origin_jti"]);
    assert_eq!(again["auth_time"], first["auth_time"]);
    assert_ne!(again["jti"], first["jti"]);
    // The old name of the flow, and GetTokensFromRefreshToken (Amplify v6's way).
    let r = srv
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshToken)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .unwrap();
    assert!(r.authentication_result.unwrap().id_token.is_some());
    let g = srv
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&refresh)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(g.access_token.is_some() && g.refresh_token.is_none());
    // Garbage, a token from another client, and a tampered token are refused.
    assert_eq!(
        refresh_auth(srv, &client, "bm90IGEgdG9rZW4")
            .await
            .unwrap_err(),
        "Invalid Refresh Token."
    );
    let other = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("other")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    assert_eq!(
        refresh_auth(srv, &other, &refresh).await.unwrap_err(),
        "Invalid Refresh Token."
    );
    let mut tampered = refresh.clone().into_bytes();
    tampered[40] = if tampered[40] == b'x' { b'y' } else { b'x' };
    assert_eq!(
        refresh_auth(srv, &client, &String::from_utf8(tampered).unwrap())
            .await
            .unwrap_err(),
        "Invalid Refresh Token."
    );
    // A disabled user cannot refresh.
    srv.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("kim")
        .send()
        .await
        .unwrap();
    assert!(refresh_auth(srv, &client, &refresh).await.is_err());
});

both_clocked!(
    rotation_replaces_the_refresh_token_after_a_grace_period,
    async |srv: &TestServer, clock: std::sync::Arc<ManualClock>| {
        let (pool, _) = setup(srv).await;
        user(srv, &pool, "lee").await;
        let client = crate::auth::rotating_client(srv, &pool, 10).await;
        let t = login(srv, &client, "lee", PASSWORD).await.unwrap();
        let r0 = t.refresh_token.unwrap();
        // Rotation is not compatible with REFRESH_TOKEN_AUTH.
        let r = srv
            .idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &r0)
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");
        let get = |token: String| {
            srv.idp
                .get_tokens_from_refresh_token()
                .client_id(&client)
                .refresh_token(token)
                .send()
        };
        let r1 = get(r0.clone())
            .await
            .unwrap()
            .authentication_result
            .unwrap()
            .refresh_token
            .unwrap();
        assert_ne!(r1, r0);
        // Within the grace period the old token still works (a retry).
        clock.advance_millis(5_000);
        assert!(get(r0.clone()).await.is_ok());
        // After it, the old token is refused as reused; the new one works and rotates.
        clock.advance_millis(6_000);
        assert_eq!(code(get(r0.clone()).await), "RefreshTokenReuseException");
        let r2 = get(r1.clone())
            .await
            .unwrap()
            .authentication_result
            .unwrap()
            .refresh_token
            .unwrap();
        assert_ne!(r2, r1);
        // The new token lives only as long as the original sign-in: 30 days.
        clock.advance_millis(30 * 86_400_000);
        assert_eq!(message(get(r2).await), "Refresh Token has expired");
    }
);
