//! Issue 19's audit of the configuration refusals (user pools, app clients, domains): the
//! exception name and the whole message Cognito answers, on both backends. Where each answer
//! comes from is in docs/fidelity.md, "Audit: configuration (issue 19)"; the row is named
//! beside each assertion.

use aws_sdk_cognitoidentityprovider::types::{
    CustomDomainConfigType, DeletionProtectionType, OAuthFlowType, TimeUnitsType,
    TokenValidityUnitsType,
};

use crate::harness::{TestServer, both};

/// Asserts the exception name and the whole message of a failed call.
fn refused<T: std::fmt::Debug, E>(r: Result<T, E>, exception: &str, text: &str)
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::fmt::Debug,
{
    let (got_code, got_message) = match &r {
        Ok(v) => panic!("expected {exception}, got {v:?}"),
        Err(e) => (
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        ),
    };
    assert_eq!((got_code.as_str(), got_message.as_str()), (exception, text));
}

async fn pool(srv: &TestServer) -> String {
    srv.idp
        .create_user_pool()
        .pool_name("fidelity")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

// Rows C1–C3.
both!(pool_refusals, async |srv: &TestServer| {
    let c = &srv.idp;
    // C1: an unknown pool is named.
    refused(
        c.describe_user_pool()
            .user_pool_id("us-east-1_Nope12345")
            .send()
            .await,
        "ResourceNotFoundException",
        "User pool us-east-1_Nope12345 does not exist.",
    );
    // C2: deletion protection.
    let protected = c
        .create_user_pool()
        .pool_name("protected")
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    refused(
        c.delete_user_pool().user_pool_id(&protected).send().await,
        "InvalidParameterException",
        "The user pool cannot be deleted because deletion protection is activated. \
         Deletion protection must be inactivated first.",
    );
    // C3: a pool with a domain.
    let id = pool(srv).await;
    c.create_user_pool_domain()
        .user_pool_id(&id)
        .domain("fidelity-config")
        .send()
        .await
        .unwrap();
    refused(
        c.delete_user_pool().user_pool_id(&id).send().await,
        "InvalidParameterException",
        "User pool cannot be deleted. It has a domain configured that should be deleted first.",
    );
});

// Rows C4–C8.
both!(client_refusals, async |srv: &TestServer| {
    let c = &srv.idp;
    let id = pool(srv).await;
    let base = || {
        c.create_user_pool_client()
            .user_pool_id(&id)
            .client_name("app")
    };
    // C4: an unknown client is named, in the signed calls too.
    refused(
        c.describe_user_pool_client()
            .user_pool_id(&id)
            .client_id("4example0client0id0000000")
            .send()
            .await,
        "ResourceNotFoundException",
        "User pool client 4example0client0id0000000 does not exist.",
    );
    // C5: one text for every validity out of range.
    let range = "Invalid range for token validity.";
    refused(
        base().access_token_validity(25).send().await,
        "InvalidParameterException",
        range,
    );
    refused(
        base()
            .id_token_validity(2)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .id_token(TimeUnitsType::Minutes)
                    .build(),
            )
            .send()
            .await,
        "InvalidParameterException",
        range,
    );
    refused(
        base().refresh_token_validity(3651).send().await,
        "InvalidParameterException",
        range,
    );
    // C6: attribute permissions the schema lacks.
    refused(
        base().read_attributes("custom:nope").send().await,
        "InvalidParameterException",
        "Invalid read attributes specified while creating a client",
    );
    let client = base()
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    refused(
        c.update_user_pool_client()
            .user_pool_id(&id)
            .client_id(&client)
            .write_attributes("custom:nope")
            .send()
            .await,
        "InvalidParameterException",
        "Invalid write attributes specified while updating a client",
    );
    // C7: an identity provider the pool does not have.
    refused(
        base().supported_identity_providers("Google").send().await,
        "InvalidParameterException",
        &format!("The provider Google does not exist for User Pool {id}"),
    );
    // C8: a scope nobody defines.
    refused(
        base().allowed_o_auth_scopes("api/read").send().await,
        "ScopeDoesNotExistException",
        "Invalid scope requested: api/read",
    );
});

// Rows C9–C12.
both!(oauth_flow_refusals, async |srv: &TestServer| {
    let c = &srv.idp;
    let id = pool(srv).await;
    let base = || {
        c.create_user_pool_client()
            .user_pool_id(&id)
            .client_name("app")
            .allowed_o_auth_flows_user_pool_client(true)
    };
    // C9: client_credentials needs a secret.
    refused(
        base()
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("openid")
            .send()
            .await,
        "InvalidOAuthFlowException",
        "client_credentials flow can not be selected if client does not have a client secret.",
    );
    // C10: and takes no standard scope.
    refused(
        base()
            .generate_secret(true)
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("openid")
            .send()
            .await,
        "InvalidOAuthFlowException",
        "openid is not supported with client_credentials flow",
    );
    // C11: OAuth on, without flows or without scopes.
    let required = "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client \
                    is allowed to use OAuth flows.";
    refused(
        base()
            .allowed_o_auth_scopes("openid")
            .callback_urls("https://app.example.com/cb")
            .send()
            .await,
        "InvalidOAuthFlowException",
        required,
    );
    refused(
        base()
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .callback_urls("https://app.example.com/cb")
            .send()
            .await,
        "InvalidOAuthFlowException",
        required,
    );
    // C12: the code flow without a callback URL.
    refused(
        base()
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .send()
            .await,
        "InvalidOAuthFlowException",
        "CallbackUrls can not be empty when code flow or implicit flow is selected",
    );
});

// Rows C13–C17.
both!(domain_refusals, async |srv: &TestServer| {
    let c = &srv.idp;
    let id = pool(srv).await;
    let other = pool(srv).await;
    let create = |pool: &str, domain: &str| {
        c.create_user_pool_domain()
            .user_pool_id(pool)
            .domain(domain)
    };
    // C13: reserved words.
    refused(
        create(&id, "mycognito-login").send().await,
        "InvalidParameterException",
        "Domain cannot contain reserved word: cognito",
    );
    // C14: a dotted name without a CustomDomainConfig.
    refused(
        create(&id, "login.example.com").send().await,
        "InvalidParameterException",
        "The domain name contains an invalid character. Domain names can only contain \
         lower-case letters, numbers, and hyphens. Please enter a different name that follows \
         this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$",
    );
    create(&id, "fidelity-login").send().await.unwrap();
    // C15: a domain another pool holds.
    refused(
        create(&other, "fidelity-login").send().await,
        "InvalidParameterException",
        "Domain already associated with another user pool.",
    );
    // C16: a second prefix domain for the same pool.
    refused(
        create(&id, "fidelity-second").send().await,
        "InvalidParameterException",
        "User pool already has a domain configured.",
    );
    // C17: deleting a domain the pool does not have.
    refused(
        c.delete_user_pool_domain()
            .user_pool_id(&other)
            .domain("fidelity-login")
            .send()
            .await,
        "InvalidParameterException",
        "No such domain or user pool exists.",
    );
    // A custom domain is still taken through the same member.
    create(&other, "auth.fidelity.example")
        .custom_domain_config(
            CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/fidelity")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
});
