//! Domain and resource-server operations, and the OAuth settings of app clients.

use aws_sdk_cognitoidentityprovider::types::{
    CustomDomainConfigType, OAuthFlowType, ResourceServerScopeType,
};

use super::fixture;
use crate::harness::{TestServer, code, message};

fn scope(name: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(name)
        .build()
        .unwrap()
}

crate::harness::both!(domains, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let c = &srv.idp;
    // Described, and named by the pool.
    let d = c
        .describe_user_pool_domain()
        .domain(&f.domain)
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(d.user_pool_id(), Some(f.pool.as_str()));
    assert_eq!(d.domain(), Some(f.domain.as_str()));
    assert_eq!(d.status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(d.managed_login_version(), Some(1));
    let pool = c
        .describe_user_pool()
        .user_pool_id(&f.pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool.domain(), Some(f.domain.as_str()));
    // A domain nobody has: an empty description, as Cognito answers.
    let none = c
        .describe_user_pool_domain()
        .domain("nobody-has-this")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert!(none.user_pool_id().is_none() && none.domain().is_none());

    // Taken by this pool's prefix already; taken by another pool; reserved words.
    let other = c
        .create_user_pool()
        .pool_name("other")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let r = c
        .create_user_pool_domain()
        .user_pool_id(&other)
        .domain(&f.domain)
        .send()
        .await;
    assert_eq!(
        message(r),
        "Domain already associated with another user pool."
    );
    let r = c
        .create_user_pool_domain()
        .user_pool_id(&f.pool)
        .domain("second-prefix")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .create_user_pool_domain()
        .user_pool_id(&other)
        .domain("my-cognito-login")
        .send()
        .await;
    assert_eq!(message(r), "Domain cannot contain reserved word: cognito");

    // A custom domain beside the prefix; its CloudFront domain is this server's host.
    let out = c
        .create_user_pool_domain()
        .user_pool_id(&f.pool)
        .domain("auth.example.localhost")
        .custom_domain_config(
            CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/x")
                .build()
                .unwrap(),
        )
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert!(out.cloud_front_domain().is_some());
    assert_eq!(out.managed_login_version(), Some(2));
    let up = c
        .update_user_pool_domain()
        .user_pool_id(&f.pool)
        .domain("auth.example.localhost")
        .managed_login_version(1)
        .send()
        .await
        .unwrap();
    assert_eq!(up.managed_login_version(), Some(1));

    // A pool with a domain cannot be deleted; its domains can, once.
    let r = c.delete_user_pool().user_pool_id(&f.pool).send().await;
    assert_eq!(code(r), "InvalidParameterException");
    for d in [f.domain.as_str(), "auth.example.localhost"] {
        c.delete_user_pool_domain()
            .user_pool_id(&f.pool)
            .domain(d)
            .send()
            .await
            .unwrap();
    }
    let r = c
        .delete_user_pool_domain()
        .user_pool_id(&f.pool)
        .domain(&f.domain)
        .send()
        .await;
    assert_eq!(message(r), "No such domain or user pool exists.");
    // Freed: another pool may take it.
    c.create_user_pool_domain()
        .user_pool_id(&other)
        .domain(&f.domain)
        .send()
        .await
        .unwrap();
    c.delete_user_pool()
        .user_pool_id(&f.pool)
        .send()
        .await
        .unwrap();
});

crate::harness::both!(resource_servers, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let c = &srv.idp;
    let rs = c
        .describe_resource_server()
        .user_pool_id(&f.pool)
        .identifier("orders")
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(rs.name(), Some("Orders"));
    assert_eq!(rs.scopes()[0].scope_name(), "read");

    let r = c
        .create_resource_server()
        .user_pool_id(&f.pool)
        .identifier("orders")
        .name("Again")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .create_resource_server()
        .user_pool_id(&f.pool)
        .identifier("dupes")
        .name("Dupes")
        .scopes(scope("a"))
        .scopes(scope("a"))
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");

    // Pages of one, in identifier order.
    for id in ["https://api.example.com", "billing"] {
        c.create_resource_server()
            .user_pool_id(&f.pool)
            .identifier(id)
            .name("X")
            .scopes(scope("write"))
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut next = None;
    loop {
        let page = c
            .list_resource_servers()
            .user_pool_id(&f.pool)
            .max_results(1)
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        seen.extend(
            page.resource_servers()
                .iter()
                .map(|r| r.identifier().unwrap().to_string()),
        );
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["billing", "https://api.example.com", "orders"]);

    // Update replaces the scope list; a client may then name only scopes that exist.
    c.update_resource_server()
        .user_pool_id(&f.pool)
        .identifier("billing")
        .name("Billing")
        .scopes(scope("pay"))
        .send()
        .await
        .unwrap();
    let mk = |s: &str| {
        c.create_user_pool_client()
            .user_pool_id(&f.pool)
            .client_name("m2m")
            .generate_secret(true)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes(s)
            .send()
    };
    mk("billing/pay").await.unwrap();
    assert_eq!(
        message(mk("billing/write").await),
        "Invalid scope requested: billing/write"
    );
    assert_eq!(code(mk("openid").await), "InvalidOAuthFlowException");

    c.delete_resource_server()
        .user_pool_id(&f.pool)
        .identifier("billing")
        .send()
        .await
        .unwrap();
    let r = c
        .describe_resource_server()
        .user_pool_id(&f.pool)
        .identifier("billing")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .delete_resource_server()
        .user_pool_id(&f.pool)
        .identifier("billing")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});
