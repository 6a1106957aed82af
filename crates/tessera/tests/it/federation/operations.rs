//! The identity-provider operations: create, describe, update, list, delete, and their refusals.

use super::*;

both!(provider_operations, operations);

async fn operations(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, false).await;
    let c = &srv.idp;
    // Discovery filled in the endpoints; the mapping got username → sub.
    let d = c
        .describe_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    let details = d.provider_details.unwrap();
    assert_eq!(details["authorize_url"], format!("{}/authorize", up.issuer));
    assert_eq!(details["token_url"], format!("{}/token", up.issuer));
    assert_eq!(details["attributes_url"], format!("{}/userinfo", up.issuer));
    assert_eq!(details["jwks_uri"], format!("{}/jwks", up.issuer));
    assert_eq!(details["attributes_url_add_attributes"], "false");
    assert_eq!(details["client_secret"], UP_SECRET);
    // At rest, the secret is sealed with the server key.
    let store = tessera::open_store(&srv.settings).await.unwrap();
    let raw = store
        .get_document(
            &s.pool,
            tessera_core::store::DocKind::IdentityProvider,
            "MyOIDC",
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!raw.doc.contains(UP_SECRET), "{}", raw.doc);
    assert!(
        raw.doc.contains("\"client_secret\":\"sealed:"),
        "{}",
        raw.doc
    );
    assert_eq!(d.attribute_mapping.unwrap()["username"], "sub");
    assert_eq!(d.idp_identifiers, Some(vec![]));

    // Cognito's refusals, in its words (docs/fidelity.md F1–F5).
    let dup = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc)
        .provider_details("client_id", "x")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", &up.issuer)
        .provider_details("authorize_scopes", "openid")
        .send()
        .await;
    let err = dup.unwrap_err().into_service_error();
    assert!(err.is_duplicate_provider_exception(), "{err:?}");
    assert_eq!(
        aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(&err),
        Some(format!("MyOIDC already exists for tenant {}.", s.pool).as_str())
    );
    let missing = c
        .describe_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Nope")
        .send()
        .await;
    assert_eq!(
        message(missing),
        format!(
            "Identity provider Nope for tenantId {} does not exist.",
            s.pool
        )
    );
    let missing = c
        .update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Nope")
        .send()
        .await;
    assert_eq!(
        message(missing),
        format!(
            "Identity provider Nope in User Pool {} does not exist.",
            s.pool
        )
    );
    let wrong_name = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("NameOfGP")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Google)
        .provider_details("client_id", "g")
        .provider_details("client_secret", "s")
        .provider_details("authorize_scopes", "openid email")
        .send()
        .await;
    assert_eq!(
        message(wrong_name),
        "Provider NameOfGP cannot be of type Google."
    );
    let bad_mapping = c
        .update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .attribute_mapping("custom:zen_groups", "groups")
        .send()
        .await;
    assert_eq!(
        message(bad_mapping),
        "AttributeMapping contains invalid mapping: [custom:zen_groups]"
    );
    let unreachable = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Broken")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc)
        .provider_details("client_id", "x")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", "http://127.0.0.1:9")
        .provider_details("authorize_scopes", "openid")
        .send()
        .await;
    assert_eq!(code(unreachable), "InvalidParameterException");

    // Google through the configured endpoints: Cognito's details, the overridden URLs.
    let g = c
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Google")
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Google)
        .provider_details("client_id", "g-client")
        .provider_details("client_secret", "g-secret")
        .provider_details("authorize_scopes", "openid email profile")
        .idp_identifiers("example.com")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    let gd = g.provider_details.unwrap();
    assert_eq!(gd["authorize_url"], format!("{}/authorize", up.issuer));
    assert_eq!(gd["token_request_method"], "POST");
    assert_eq!(gd["attributes_url_add_attributes"], "true");
    assert_eq!(g.attribute_mapping.unwrap()["username"], "sub");
    assert_eq!(g.idp_identifiers, Some(vec!["example.com".to_string()]));

    // Identifiers are unique in the pool, also under concurrent writes.
    let taken = c
        .update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .idp_identifiers("EXAMPLE.com")
        .send()
        .await;
    assert_eq!(code(taken), "DuplicateProviderException");
    let racers = (0..6).map(|i| {
        let c = c.clone();
        let pool = s.pool.clone();
        let issuer = up.issuer.clone();
        async move {
            c.create_identity_provider()
                .user_pool_id(&pool)
                .provider_name(format!("Race{i}"))
                .provider_type(
                    aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::Oidc,
                )
                .provider_details("client_id", "x")
                .provider_details("attributes_request_method", "GET")
                .provider_details("oidc_issuer", &issuer)
                .provider_details("authorize_scopes", "openid")
                .idp_identifiers("race.example")
                .send()
                .await
        }
    });
    let results = all(racers).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&s.pool)
        .idp_identifier("race.example")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert!(by_id.provider_name.unwrap().starts_with("Race"));
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&s.pool)
        .idp_identifier("example.com")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(by_id.provider_name.as_deref(), Some("Google"));

    // Listing pages through all of them, names and types only.
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = c
            .list_identity_providers()
            .user_pool_id(&s.pool)
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await
            .unwrap();
        for p in page.providers() {
            names.push(p.provider_name().unwrap().to_string());
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"Google".to_string()) && names.contains(&"MyOIDC".to_string()));

    // A client may name the pool's providers only.
    let unknown = c
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("other")
        .supported_identity_providers("Salesforce")
        .send()
        .await;
    assert_eq!(
        message(unknown),
        format!(
            "The provider Salesforce does not exist for User Pool {}",
            s.pool
        )
    );

    // Deleting frees the name and its identifiers.
    c.delete_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Google")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            c.get_identity_provider_by_identifier()
                .user_pool_id(&s.pool)
                .idp_identifier("example.com")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    c.update_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("MyOIDC")
        .idp_identifiers("example.com")
        .send()
        .await
        .unwrap();

    // The pool's signing certificate: one X.509 certificate, the same every time.
    let cert = c
        .get_signing_certificate()
        .user_pool_id(&s.pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&cert)
        .unwrap();
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    let again = c
        .get_signing_certificate()
        .user_pool_id(&s.pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(cert, again);
    srv.stop().await;
}
