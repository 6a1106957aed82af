//! Federated users linked to native ones, and the triggers and switches a federated sign-in obeys.

use super::*;

both!(linked_users, linking);
both!(triggers_and_disabling, triggers_and_disable);

async fn linking(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, true).await;
    crate::auth::user(&srv, &s.pool, "alice").await;
    let alice_sub = srv
        .idp
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("alice")
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .unwrap()
        .value()
        .unwrap()
        .to_string();
    let source = |v: &str| {
        ProviderUserIdentifierType::builder()
            .provider_name("MyOIDC")
            .provider_attribute_name("Cognito_Subject")
            .provider_attribute_value(v)
            .build()
    };
    let dest = ProviderUserIdentifierType::builder()
        .provider_name("Cognito")
        .provider_attribute_value("alice")
        .build();
    srv.idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(source("linked-9"))
        .send()
        .await
        .unwrap();
    let again = srv
        .idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(source("linked-9"))
        .send()
        .await;
    assert_eq!(
        message(again),
        "SourceUser is already linked to DestinationUser"
    );
    up.set_user("linked-9", "alice-at-idp@example.org", "Alice");
    let tokens = sign_in(&s, &up, "linked-9").await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], json!(alice_sub));
    assert_eq!(id["cognito:username"], "alice");
    assert!(
        id.get("cognito:groups").is_none(),
        "linked users join no automatic group"
    );
    assert!(
        srv.idp
            .admin_get_user()
            .user_pool_id(&s.pool)
            .username("MyOIDC_linked-9")
            .send()
            .await
            .is_err(),
        "no federated user is made for a linked identity"
    );

    // A native user named like a federated one is not taken over by that upstream identity.
    crate::auth::user(&srv, &s.pool, "MyOIDC_squatter").await;
    up.set_user("squatter", "victim@example.org", "Victim");
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let refused = back_from_upstream(&mut b, &up, &p, "squatter").await;
    assert!(refused.param("code").is_none(), "{:?}", refused.location);
    assert_eq!(
        refused.param("error_description").as_deref(),
        Some("Already found an entry for username MyOIDC_squatter")
    );
    let native = srv
        .idp
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("MyOIDC_squatter")
        .send()
        .await
        .unwrap();
    assert_eq!(native.user_status().unwrap().as_str(), "CONFIRMED");
    assert!(
        native
            .user_attributes()
            .iter()
            .all(|a| a.value() != Some("victim@example.org"))
    );

    // A source that has signed in already cannot be linked.
    up.set_user("solo-1", "solo@example.org", "Solo");
    sign_in(&s, &up, "solo-1").await;
    let merge = srv
        .idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(source("solo-1"))
        .send()
        .await;
    assert_eq!(
        message(merge),
        "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link"
    );
    let native_source = srv
        .idp
        .admin_link_provider_for_user()
        .user_pool_id(&s.pool)
        .destination_user(dest.clone())
        .source_user(dest.clone())
        .send()
        .await;
    assert_eq!(code(native_source), "InvalidParameterException");

    // Undoing the link: the next sign-in makes a federated user of its own.
    srv.idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(source("linked-9"))
        .send()
        .await
        .unwrap();
    let tokens = sign_in(&s, &up, "linked-9").await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_ne!(id["sub"], json!(alice_sub));
    assert_eq!(id["cognito:username"], "MyOIDC_linked-9");
    srv.stop().await;
}

async fn triggers_and_disable(srv: TestServer, up: Upstream, seen: Seen) {
    let s = setup(&srv, &up, true).await;
    // PreSignUp refuses: the client hears Cognito's words, and no user is made.
    crate::triggers::set_triggers(
        &srv,
        &s.pool,
        aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
            .pre_sign_up(crate::triggers::arn("refuse"))
            .build(),
    )
    .await;
    up.set_user("new-1", "new@example.org", "New");
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let refused = back_from_upstream(&mut b, &up, &p, "new-1").await;
    assert_eq!(refused.param("error").as_deref(), Some("invalid_request"));
    assert_eq!(
        refused.param("error_description").as_deref(),
        Some("PreSignUp failed with error no thanks.")
    );
    assert!(
        srv.idp
            .admin_get_user()
            .user_pool_id(&s.pool)
            .username("MyOIDC_new-1")
            .send()
            .await
            .is_err()
    );
    let event = seen.lock().unwrap().last().unwrap().1.clone();
    assert_eq!(event["triggerSource"], "PreSignUp_ExternalProvider");
    assert_eq!(event["userName"], "MyOIDC_new-1");
    assert_eq!(
        event["request"]["userAttributes"]["email"],
        "new@example.org"
    );
    // Allowed: PreSignUp_ExternalProvider, then PostConfirmation_ConfirmSignUp.
    crate::triggers::set_triggers(
        &srv,
        &s.pool,
        aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
            .pre_sign_up(crate::triggers::arn("confirm"))
            .post_confirmation(crate::triggers::arn("confirm"))
            .build(),
    )
    .await;
    sign_in(&s, &up, "new-1").await;
    let sources: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .rev()
        .take(2)
        .map(|(_, e, _)| e["triggerSource"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        sources,
        [
            "PostConfirmation_ConfirmSignUp",
            "PreSignUp_ExternalProvider"
        ]
    );

    // AdminDisableProviderForUser on a native user: its password no longer works.
    crate::auth::user(&srv, &s.pool, "carol").await;
    let password_client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("pw")
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    assert!(
        crate::auth::login(&srv, &password_client, "carol", crate::auth::PASSWORD)
            .await
            .is_ok()
    );
    srv.idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("Cognito")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("carol")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        crate::auth::login(&srv, &password_client, "carol", crate::auth::PASSWORD)
            .await
            .is_err()
    );
    // A federated user disabled by it cannot sign in again.
    srv.idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("MyOIDC")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("new-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let disabled = back_from_upstream(&mut b, &up, &p, "new-1").await;
    assert!(disabled.param("code").is_none(), "{:?}", disabled.location);
    assert_eq!(disabled.param("error").as_deref(), Some("invalid_request"));
    // Unknown provider, unknown user.
    let unknown = srv
        .idp
        .admin_disable_provider_for_user()
        .user_pool_id(&s.pool)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("MyOIDC")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("nobody")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(unknown), "UserNotFoundException");
    srv.stop().await;
}
