//! RevokeToken, GlobalSignOut and AdminUserGlobalSignOut: revoked tokens are refused by
//! every operation that takes one, on every node.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use super::{PASSWORD, get_user_error, login, setup, user};
use crate::harness::{TestServer, both, code};

const REVOKED: &str = "NotAuthorizedException: Access Token has been revoked";

/// Every operation that takes an access token refuses a revoked one the same way.
async fn refused_everywhere(srv: &TestServer, access: &str) {
    use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
    let c = &srv.idp;
    let msg = |e: &dyn ProvideErrorMetadata| {
        format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
    };
    assert_eq!(get_user_error(c, access).await.as_deref(), Some(REVOKED));
    let e = c
        .update_user_attributes()
        .access_token(access)
        .user_attributes(crate::users::attr("name", "x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
    let e = c
        .delete_user_attributes()
        .access_token(access)
        .user_attribute_names("name")
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
    let e = c
        .change_password()
        .access_token(access)
        .previous_password(PASSWORD)
        .proposed_password("Another1!")
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
    let e = c
        .get_user_attribute_verification_code()
        .access_token(access)
        .attribute_name("email")
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
    let e = c
        .verify_user_attribute()
        .access_token(access)
        .attribute_name("email")
        .code("123456")
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
    let e = c
        .global_sign_out()
        .access_token(access)
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
    let e = c
        .delete_user()
        .access_token(access)
        .send()
        .await
        .unwrap_err();
    assert_eq!(msg(&e), REVOKED);
}

async fn refresh_fails(srv: &TestServer, client: &str, refresh: &str) -> String {
    code(
        srv.idp
            .initiate_auth()
            .client_id(client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh)
            .send()
            .await,
    )
}

both!(revoke_token_ends_one_sign_in, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    user(srv, &pool, "max").await;
    let a = login(srv, &client, "max", PASSWORD).await.unwrap();
    let b = login(srv, &client, "max", PASSWORD).await.unwrap();
    let a_access = a.access_token.unwrap();
    assert_eq!(get_user_error(&srv.idp, &a_access).await, None);
    // An access token is the wrong kind of token.
    let r = srv
        .idp
        .revoke_token()
        .client_id(&client)
        .token(&a_access)
        .send()
        .await;
    assert_eq!(code(r), "UnsupportedTokenTypeException");
    srv.idp
        .revoke_token()
        .client_id(&client)
        .token(a.refresh_token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    refused_everywhere(srv, &a_access).await;
    assert_eq!(
        refresh_fails(srv, &client, a.refresh_token.as_deref().unwrap()).await,
        "NotAuthorizedException"
    );
    // The other sign-in is untouched.
    assert_eq!(
        get_user_error(&srv.idp, b.access_token.as_deref().unwrap()).await,
        None
    );
    // Revoking again, or revoking garbage, is fine (RFC 7009).
    srv.idp
        .revoke_token()
        .client_id(&client)
        .token(a.refresh_token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
});

both!(
    global_sign_out_ends_every_sign_in,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ned").await;
        user(srv, &pool, "other").await;
        let a = login(srv, &client, "ned", PASSWORD).await.unwrap();
        let b = login(srv, &client, "ned", PASSWORD).await.unwrap();
        let o = login(srv, &client, "other", PASSWORD).await.unwrap();
        srv.idp
            .global_sign_out()
            .access_token(a.access_token.as_deref().unwrap())
            .send()
            .await
            .unwrap();
        refused_everywhere(srv, a.access_token.as_deref().unwrap()).await;
        assert_eq!(
            get_user_error(&srv.idp, b.access_token.as_deref().unwrap())
                .await
                .as_deref(),
            Some(REVOKED)
        );
        assert_eq!(
            refresh_fails(srv, &client, b.refresh_token.as_deref().unwrap()).await,
            "NotAuthorizedException"
        );
        assert_eq!(
            get_user_error(&srv.idp, o.access_token.as_deref().unwrap()).await,
            None
        );
        // A new sign-in works; the admin sign-out ends it too.
        let c = login(srv, &client, "ned", PASSWORD).await.unwrap();
        assert_eq!(
            get_user_error(&srv.idp, c.access_token.as_deref().unwrap()).await,
            None
        );
        srv.idp
            .admin_user_global_sign_out()
            .user_pool_id(&pool)
            .username("ned")
            .send()
            .await
            .unwrap();
        assert_eq!(
            get_user_error(&srv.idp, c.access_token.as_deref().unwrap())
                .await
                .as_deref(),
            Some(REVOKED)
        );
        // Disabling a user revokes its tokens.
        srv.idp
            .admin_disable_user()
            .user_pool_id(&pool)
            .username("other")
            .send()
            .await
            .unwrap();
        assert_eq!(
            get_user_error(&srv.idp, o.access_token.as_deref().unwrap())
                .await
                .as_deref(),
            Some(REVOKED)
        );
    }
);

both!(
    revocation_reaches_the_other_nodes,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "olga").await;
        let (node_b, idp_b) = srv.second_node().await;
        let t = login(srv, &client, "olga", PASSWORD).await.unwrap();
        let access = t.access_token.unwrap();
        // Node B has verified (and cached) the token before the revocation.
        assert_eq!(get_user_error(&idp_b, &access).await, None);
        srv.idp
            .revoke_token()
            .client_id(&client)
            .token(t.refresh_token.as_deref().unwrap())
            .send()
            .await
            .unwrap();
        let mut seen = None;
        for _ in 0..100 {
            seen = get_user_error(&idp_b, &access).await;
            if seen.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(seen.as_deref(), Some(REVOKED));
        // A node that starts later knows it from the start.
        let (node_c, idp_c) = srv.second_node().await;
        assert_eq!(
            get_user_error(&idp_c, &access).await.as_deref(),
            Some(REVOKED)
        );
        node_b.shutdown().await.unwrap();
        node_c.shutdown().await.unwrap();
    }
);
