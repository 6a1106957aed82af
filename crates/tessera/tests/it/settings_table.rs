//! Settings Tessera stores without acting on them (docs/compat.md, "Settings"; issue 19, "No
//! silent no-ops in settings") are kept and echoed by DescribeUserPool and
//! DescribeUserPoolClient, through updates too. Members newer than the SDK for Rust
//! (DcrConfiguration, KeyConfiguration) are added to the request's JSON before it is signed,
//! and read back from the raw answer.

use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentityprovider::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cognitoidentityprovider::error::BoxError;
use aws_sdk_cognitoidentityprovider::types::{
    AdvancedSecurityModeType, AnalyticsConfigurationType, UserPoolAddOnsType, UserPoolTierType,
};
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};

use crate::harness::{TestServer, both};

/// Adds `extra`'s members to a request's JSON body before signing, and keeps the answer's
/// JSON body.
#[derive(Debug, Clone)]
struct Raw {
    extra: Value,
    answer: Arc<Mutex<Value>>,
}

impl Raw {
    fn new(extra: Value) -> Self {
        Raw {
            extra,
            answer: Arc::new(Mutex::new(Value::Null)),
        }
    }

    fn answer(&self) -> Value {
        self.answer.lock().unwrap().clone()
    }
}

impl Intercept for Raw {
    fn name(&self) -> &'static str {
        "settings_table::Raw"
    }

    fn modify_before_signing(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request_mut();
        let mut body: Value = serde_json::from_slice(req.body().bytes().unwrap_or(b"{}"))?;
        for (k, v) in self.extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let bytes = serde_json::to_vec(&body)?;
        req.headers_mut()
            .insert("content-length", bytes.len().to_string());
        *req.body_mut() = SdkBody::from(bytes);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(b) = ctx.response().body().bytes() {
            *self.answer.lock().unwrap() = serde_json::from_slice(b).unwrap_or_default();
        }
        Ok(())
    }
}

both!(stored_only_settings_are_echoed, async |srv: &TestServer| {
    let c = &srv.idp;
    let key = json!({
        "KeyType": "CUSTOMER_MANAGED_KEY",
        "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/settings-table"
    });
    let raw = Raw::new(json!({ "KeyConfiguration": key }));
    let pool = c
        .create_user_pool()
        .pool_name("settings")
        .user_pool_tier(UserPoolTierType::Plus)
        .user_pool_add_ons(
            UserPoolAddOnsType::builder()
                .advanced_security_mode(AdvancedSecurityModeType::Audit)
                .build()
                .unwrap(),
        )
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(raw.answer()["UserPool"]["KeyConfiguration"], key);
    let pool_id = pool.id.unwrap();

    let describe = Raw::new(json!({}));
    let d = c
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .customize()
        .interceptor(describe.clone())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(d.user_pool_tier, Some(UserPoolTierType::Plus));
    assert_eq!(
        d.user_pool_add_ons.unwrap().advanced_security_mode,
        AdvancedSecurityModeType::Audit
    );
    assert_eq!(describe.answer()["UserPool"]["KeyConfiguration"], key);

    // UpdateUserPool resets what it leaves out, and stores what it is given.
    let dcr = json!({
        "EnableStatus": "Enabled",
        "AllowedScopes": ["openid"],
        "OpenDcrEnabled": false
    });
    c.update_user_pool()
        .user_pool_id(&pool_id)
        .customize()
        .interceptor(Raw::new(json!({ "DcrConfiguration": dcr })))
        .send()
        .await
        .unwrap();
    let describe = Raw::new(json!({}));
    let d = c
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .customize()
        .interceptor(describe.clone())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(describe.answer()["UserPool"]["DcrConfiguration"], dcr);
    assert!(d.user_pool_add_ons.is_none());

    // App clients: Pinpoint analytics and the propagation of user context data.
    let analytics = AnalyticsConfigurationType::builder()
        .application_id("0123456789abcdef0123456789abcdef")
        .role_arn("arn:aws:iam::123456789012:role/pinpoint")
        .external_id("ext")
        .user_data_shared(true)
        .build();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .analytics_configuration(analytics.clone())
        .enable_propagate_additional_user_context_data(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let client_id = client.client_id.unwrap();
    let d = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(d.analytics_configuration, Some(analytics));
    assert_eq!(d.enable_propagate_additional_user_context_data, Some(true));

    c.update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .default_redirect_uri("https://app.example.com/cb")
        .callback_urls("https://app.example.com/cb")
        .send()
        .await
        .unwrap();
    let d = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(
        d.default_redirect_uri.as_deref(),
        Some("https://app.example.com/cb")
    );
    assert_eq!(d.analytics_configuration, None);
});
