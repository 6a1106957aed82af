//! The record cache (pools, clients, users, group claims) never serves a record that was
//! changed: at once on the node that made the change, and on the other nodes once they
//! read the change feed (PostgreSQL wakes them at once; SQLite polls).

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ExplicitAuthFlowsType};

use super::{PASSWORD, claims, login, setup, user};
use crate::harness::{TestServer, both};

async fn name_of(idp: &aws_sdk_cognitoidentityprovider::Client, access: &str) -> Option<String> {
    idp.get_user()
        .access_token(access)
        .send()
        .await
        .unwrap()
        .user_attributes
        .into_iter()
        .find(|a| a.name == "name")
        .and_then(|a| a.value)
}

/// Polls `f` until it returns true (for up to 5 seconds).
async fn eventually<F: AsyncFnMut() -> bool>(mut f: F) -> bool {
    for _ in 0..100 {
        if f().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

both!(
    changes_are_seen_at_once_on_the_same_node,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "cato").await;
        let t = login(srv, &client, "cato", PASSWORD).await.unwrap();
        let access = t.access_token.unwrap();
        assert_eq!(name_of(&srv.idp, &access).await, None);
        srv.idp
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("cato")
            .user_attributes(crate::users::attr("name", "Cato"))
            .send()
            .await
            .unwrap();
        assert_eq!(name_of(&srv.idp, &access).await.as_deref(), Some("Cato"));

        // Group membership shows in the next refresh's tokens.
        srv.idp
            .create_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await
            .unwrap();
        let refresh = || {
            srv.idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", t.refresh_token.as_deref().unwrap())
                .send()
        };
        let before = refresh().await.unwrap().authentication_result.unwrap();
        assert!(
            claims(before.access_token.as_deref().unwrap())
                .get("cognito:groups")
                .is_none()
        );
        srv.idp
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("cato")
            .group_name("staff")
            .send()
            .await
            .unwrap();
        let after = refresh().await.unwrap().authentication_result.unwrap();
        assert_eq!(
            claims(after.access_token.as_deref().unwrap())["cognito:groups"],
            serde_json::json!(["staff"])
        );

        // A flow the client stops allowing is refused at once.
        srv.idp
            .update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&client)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .unwrap();
        assert_eq!(
            login(srv, &client, "cato", PASSWORD).await.unwrap_err(),
            "InvalidParameterException"
        );
    }
);

both!(changes_reach_the_other_nodes, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    user(srv, &pool, "dora").await;
    let (node_b, idp_b) = srv.second_node().await;
    let t = login(srv, &client, "dora", PASSWORD).await.unwrap();
    let access = t.access_token.unwrap();
    // Node B has the user, the pool and the client in memory now.
    assert_eq!(name_of(&idp_b, &access).await, None);
    srv.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("dora")
        .user_attributes(crate::users::attr("name", "Dora"))
        .send()
        .await
        .unwrap();
    assert!(eventually(async || name_of(&idp_b, &access).await.as_deref() == Some("Dora")).await);

    let b_login = async || {
        use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
        match idp_b
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "dora")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
        {
            Ok(_) => "ok".to_string(),
            Err(e) => e.code().unwrap_or_default().to_string(),
        }
    };
    assert_eq!(b_login().await, "ok");
    srv.idp
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap();
    assert!(eventually(async || b_login().await == "InvalidParameterException").await);

    // A deleted user is gone on node B too.
    srv.idp
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("dora")
        .send()
        .await
        .unwrap();
    assert!(
        eventually(async || { idp_b.get_user().access_token(&access).send().await.is_err() }).await
    );
    node_b.shutdown().await.unwrap();
});

both!(
    a_revoked_refresh_token_is_refused_on_the_other_nodes,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ezra").await;
        let (node_b, idp_b) = srv.second_node().await;
        let t = login(srv, &client, "ezra", PASSWORD).await.unwrap();
        let refresh_token = t.refresh_token.unwrap();
        let refresh_on_b = async || {
            use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
            match idp_b
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", &refresh_token)
                .send()
                .await
            {
                Ok(_) => "ok".to_string(),
                Err(e) => e.message().unwrap_or_default().to_string(),
            }
        };
        // Node B has the family in memory now.
        assert_eq!(refresh_on_b().await, "ok");
        srv.idp
            .revoke_token()
            .client_id(&client)
            .token(&refresh_token)
            .send()
            .await
            .unwrap();
        assert!(
            eventually(async || refresh_on_b().await == "Refresh Token has been revoked").await
        );
        node_b.shutdown().await.unwrap();
    }
);
