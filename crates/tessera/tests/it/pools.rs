//! User pool operations through the AWS SDK for Rust.

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeDataType, DeletionProtectionType, PasswordPolicyType,
    SchemaAttributeType, StringAttributeConstraintsType, UserPoolPolicyType, UsernameAttributeType,
    UsernameConfigurationType, VerifiedAttributeType,
};

use crate::harness::{TestServer, both, code, message};

fn custom(name: &str, ty: AttributeDataType) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(ty)
        .build()
}

both!(create_describe_with_defaults, async |srv: &TestServer| {
    let c = &srv.idp;
    let created = c
        .create_user_pool()
        .pool_name("demo")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .username_attributes(UsernameAttributeType::Email)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .schema(custom("tenant", AttributeDataType::String))
        .user_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let pool = created.user_pool.unwrap();
    let id = pool.id.clone().unwrap();
    assert!(id.starts_with("us-east-1_"), "{id}");
    assert_eq!(id.len(), "us-east-1_".len() + 9);
    assert_eq!(
        pool.arn.as_deref(),
        Some(format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{id}").as_str())
    );
    assert_eq!(
        pool.mfa_configuration.as_ref().map(|m| m.as_str()),
        Some("OFF")
    );
    assert_eq!(
        pool.deletion_protection,
        Some(DeletionProtectionType::Inactive)
    );
    let pw = pool
        .policies
        .as_ref()
        .unwrap()
        .password_policy
        .as_ref()
        .unwrap();
    assert_eq!(pw.minimum_length, Some(8));
    assert_eq!(pw.temporary_password_validity_days, 7);
    assert!(pool.creation_date.is_some());

    let d = c
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(d.name.as_deref(), Some("demo"));
    let schema = d.schema_attributes();
    assert_eq!(schema.len(), 21);
    assert_eq!(schema[0].name.as_deref(), Some("sub"));
    assert!(
        schema
            .iter()
            .any(|a| a.name.as_deref() == Some("custom:tenant"))
    );
    assert_eq!(d.username_attributes(), [UsernameAttributeType::Email]);
    assert_eq!(
        d.username_configuration.as_ref().map(|u| u.case_sensitive),
        Some(false)
    );
    assert_eq!(
        d.user_pool_tags
            .as_ref()
            .and_then(|t| t.get("team"))
            .map(String::as_str),
        Some("identity")
    );
    assert_eq!(d.estimated_number_of_users, 0);
    assert_eq!(
        d.verification_message_template
            .as_ref()
            .and_then(|t| t.default_email_option.as_ref())
            .map(|o| o.as_str()),
        Some("CONFIRM_WITH_CODE")
    );
});

both!(region_comes_from_the_signature, async |srv: &TestServer| {
    let eu = srv.client_in("eu-central-1");
    let pool = eu
        .create_user_pool()
        .pool_name("eu")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert!(pool.id.unwrap().starts_with("eu-central-1_"));
    assert!(
        pool.arn
            .unwrap()
            .starts_with("arn:aws:cognito-idp:eu-central-1:123456789012:userpool/")
    );
});

both!(describe_missing_pool, async |srv: &TestServer| {
    let r = srv
        .idp
        .describe_user_pool()
        .user_pool_id("us-east-1_missing00")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = srv
        .idp
        .delete_user_pool()
        .user_pool_id("us-east-1_missing00")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = srv
        .idp
        .update_user_pool()
        .user_pool_id("us-east-1_missing00")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(
    username_and_alias_attributes_exclusive,
    async |srv: &TestServer| {
        let r = srv
            .idp
            .create_user_pool()
            .pool_name("x")
            .username_attributes(UsernameAttributeType::Email)
            .alias_attributes(AliasAttributeType::PreferredUsername)
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");
    }
);

both!(update_resets_omitted_settings, async |srv: &TestServer| {
    let c = &srv.idp;
    let id = c
        .create_user_pool()
        .pool_name("upd")
        .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::Optional)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let before = c
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(
        before.mfa_configuration.as_ref().map(|m| m.as_str()),
        Some("OPTIONAL")
    );
    c.update_user_pool()
        .user_pool_id(&id)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_symbols(false)
                        .build(),
                )
                .build(),
        )
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap();
    let after = c
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(
        after.mfa_configuration.as_ref().map(|m| m.as_str()),
        Some("OFF"),
        "omitted → default"
    );
    let pw = after.policies.unwrap().password_policy.unwrap();
    assert_eq!(pw.minimum_length, Some(12));
    assert!(!pw.require_symbols);
    assert_eq!(
        after.deletion_protection,
        Some(DeletionProtectionType::Active)
    );
    assert_eq!(after.name.as_deref(), Some("upd"));
    assert!(after.last_modified_date.unwrap() >= before.last_modified_date.unwrap());

    // Deletion protection refuses the delete and the pool stays.
    let r = c.delete_user_pool().user_pool_id(&id).send().await;
    let m = message(r);
    assert!(m.contains("deletion protection"), "{m}");
    c.describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    c.update_user_pool()
        .user_pool_id(&id)
        .deletion_protection(DeletionProtectionType::Inactive)
        .send()
        .await
        .unwrap();
    c.delete_user_pool().user_pool_id(&id).send().await.unwrap();
    let r = c.describe_user_pool().user_pool_id(&id).send().await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(list_pools_paginates, async |srv: &TestServer| {
    let c = &srv.idp;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            c.create_user_pool()
                .pool_name(format!("p{i}"))
                .send()
                .await
                .unwrap()
                .user_pool
                .unwrap()
                .id
                .unwrap(),
        );
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_user_pools()
            .max_results(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.user_pools().len() <= 3);
        seen.extend(page.user_pools().iter().map(|p| p.id.clone().unwrap()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);
    // The SDK's paginator agrees.
    let all: Vec<_> = c
        .list_user_pools()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    let r = c
        .list_user_pools()
        .max_results(5)
        .next_token("garbage!")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
});

both!(custom_attributes, async |srv: &TestServer| {
    let c = &srv.idp;
    let id = c
        .create_user_pool()
        .pool_name("ca")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    c.add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("plan")
                .attribute_data_type(AttributeDataType::String)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("20")
                        .build(),
                )
                .build(),
        )
        .custom_attributes(custom("age", AttributeDataType::Number))
        .send()
        .await
        .unwrap();
    let d = c
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let names: Vec<_> = d
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name.clone())
        .collect();
    assert!(
        names.contains(&"custom:plan".to_string()) && names.contains(&"custom:age".to_string())
    );
    let r = c
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(custom("plan", AttributeDataType::String))
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .add_custom_attributes()
        .user_pool_id("us-east-1_nothere00")
        .custom_attributes(custom("x", AttributeDataType::String))
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let mut req = c.add_custom_attributes().user_pool_id(&id);
    for i in 0..25 {
        req = req.custom_attributes(custom(&format!("a{i}"), AttributeDataType::String));
    }
    req.send().await.unwrap();
    let mut req = c.add_custom_attributes().user_pool_id(&id);
    for i in 0..24 {
        req = req.custom_attributes(custom(&format!("b{i}"), AttributeDataType::String));
    }
    assert_eq!(code(req.send().await), "LimitExceededException");
});
