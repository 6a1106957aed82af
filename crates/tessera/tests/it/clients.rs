//! App clients through the AWS SDK for Rust.

use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, OAuthFlowType, PreventUserExistenceErrorTypes, TimeUnitsType,
    TokenValidityUnitsType,
};

use crate::harness::{TestServer, both, code};

async fn pool(srv: &TestServer) -> String {
    srv.idp
        .create_user_pool()
        .pool_name("clients")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

both!(create_describe_update_delete, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool_id = pool(srv).await;
    let created = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .access_token_validity(30)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .build(),
        )
        .read_attributes("email")
        .write_attributes("email")
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = created.client_id.clone().unwrap();
    assert_eq!(id.len(), 26);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    let secret = created.client_secret.clone().unwrap();
    assert_eq!(secret.len(), 51);
    assert_eq!(created.refresh_token_validity, 30);
    assert_eq!(created.access_token_validity, Some(30));
    assert_eq!(created.auth_session_validity, Some(3));
    assert_eq!(created.enable_token_revocation, Some(true));
    assert_eq!(created.allowed_o_auth_flows_user_pool_client, Some(false));

    let d = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(d.client_secret.as_deref(), Some(secret.as_str()));
    assert_eq!(d.client_name.as_deref(), Some("web"));
    assert_eq!(d.explicit_auth_flows().len(), 2);
    assert_eq!(
        d.prevent_user_existence_errors,
        Some(PreventUserExistenceErrorTypes::Enabled)
    );

    // Update: omitted settings return to defaults, the secret and name stay.
    let u = c
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(u.client_name.as_deref(), Some("web"));
    assert_eq!(u.client_secret.as_deref(), Some(secret.as_str()));
    assert_eq!(
        u.explicit_auth_flows(),
        [ExplicitAuthFlowsType::AllowUserPasswordAuth]
    );
    assert_eq!(u.access_token_validity, None);
    assert!(u.read_attributes().is_empty());
    assert_eq!(
        u.prevent_user_existence_errors,
        Some(PreventUserExistenceErrorTypes::Legacy)
    );

    c.delete_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let r = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .delete_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(client_belongs_to_its_pool, async |srv: &TestServer| {
    let c = &srv.idp;
    let a = pool(srv).await;
    let b = pool(srv).await;
    let id = c
        .create_user_pool_client()
        .user_pool_id(&a)
        .client_name("x")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let r = c
        .describe_user_pool_client()
        .user_pool_id(&b)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .create_user_pool_client()
        .user_pool_id("us-east-1_missing00")
        .client_name("x")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    // Deleting the pool takes its clients with it.
    c.delete_user_pool().user_pool_id(&a).send().await.unwrap();
    let r = c
        .describe_user_pool_client()
        .user_pool_id(&a)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(list_clients_paginates, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool_id = pool(srv).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            c.create_user_pool_client()
                .user_pool_id(&pool_id)
                .client_name(format!("c{i}"))
                .send()
                .await
                .unwrap()
                .user_pool_client
                .unwrap()
                .client_id
                .unwrap(),
        );
    }
    ids.sort();
    let first = c
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.user_pool_clients().len(), 2);
    let all: Vec<_> = c
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let got: Vec<_> = all.iter().map(|d| d.client_id.clone().unwrap()).collect();
    assert_eq!(got, ids);
    assert!(
        all.iter()
            .all(|d| d.user_pool_id.as_deref() == Some(pool_id.as_str()))
    );
    let r = c
        .list_user_pool_clients()
        .user_pool_id("us-east-1_missing00")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(client_rules, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool_id = pool(srv).await;
    let base = || {
        c.create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("r")
    };
    // client_credentials needs a secret and cannot be mixed with code.
    let r = base()
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .send()
        .await;
    assert_eq!(code(r), "InvalidOAuthFlowException");
    let r = base()
        .generate_secret(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .send()
        .await;
    assert_eq!(code(r), "InvalidOAuthFlowException");
    // Unknown scope.
    let r = base().allowed_o_auth_scopes("api/read").send().await;
    assert_eq!(code(r), "ScopeDoesNotExistException");
    // Plain-http callback only on localhost; default redirect must be a callback.
    let r = base().callback_urls("http://example.com/cb").send().await;
    assert_eq!(code(r), "InvalidParameterException");
    base()
        .callback_urls("http://localhost:3000/cb")
        .send()
        .await
        .unwrap();
    let r = base()
        .callback_urls("https://a.example/cb")
        .default_redirect_uri("https://b.example/cb")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    // Token validity out of range.
    let r = base()
        .access_token_validity(2)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Days)
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    // Attributes the pool does not have.
    let r = base().read_attributes("custom:nope").send().await;
    assert_eq!(code(r), "InvalidParameterException");
    // Legacy and new auth flow names cannot mix.
    let r = base()
        .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    // A working OAuth client.
    let ok = base()
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls("https://app.example/cb")
        .default_redirect_uri("https://app.example/cb")
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(ok.allowed_o_auth_flows_user_pool_client, Some(true));
    assert_eq!(ok.allowed_o_auth_scopes().len(), 2);
});

both!(
    client_secrets_are_sealed_at_rest,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let pool = c
            .create_user_pool()
            .pool_name("sealed")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let created = c
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("backend")
            .generate_secret(true)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        let (id, secret) = (created.client_id.unwrap(), created.client_secret.unwrap());
        // The database holds the secret sealed with the server key, not the secret.
        let store = tessera::open_store(&srv.settings).await.unwrap();
        let raw = store.get_client(&id).await.unwrap().unwrap();
        let stored = raw.secret.as_ref().unwrap().expose().clone();
        assert!(stored.starts_with("sealed:v1:"), "{stored}");
        assert!(!stored.contains(&secret));
        // Every reader gets it back.
        let described = c
            .describe_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&id)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        assert_eq!(described.client_secret.as_deref(), Some(secret.as_str()));

        // A secret stored before secrets were sealed still works, and is sealed when the client
        // is next updated.
        let mut legacy = raw.clone();
        legacy.client_id = "legacyclient0000000000000".into();
        legacy.secret = Some(tessera_core::secret::Secret::new("plain-old-secret".into()));
        store.insert_client(&legacy).await.unwrap();
        let describe = async || {
            c.describe_user_pool_client()
                .user_pool_id(&pool)
                .client_id("legacyclient0000000000000")
                .send()
                .await
                .unwrap()
                .user_pool_client
                .unwrap()
                .client_secret
        };
        assert_eq!(describe().await.as_deref(), Some("plain-old-secret"));
        c.update_user_pool_client()
            .user_pool_id(&pool)
            .client_id("legacyclient0000000000000")
            .client_name("renamed")
            .send()
            .await
            .unwrap();
        let again = store
            .get_client("legacyclient0000000000000")
            .await
            .unwrap()
            .unwrap();
        assert!(again.secret.unwrap().expose().starts_with("sealed:v1:"));
        assert_eq!(describe().await.as_deref(), Some("plain-old-secret"));
    }
);
