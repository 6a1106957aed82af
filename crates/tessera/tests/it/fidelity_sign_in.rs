//! Issue 19's audit of the sign-in refusals: the exception name and the whole message of
//! each row of docs/fidelity.md, "Audit: sign-in (issue 19)", on both backends. The row is
//! named beside each assertion; its source is in that table.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes,
    SmsMfaSettingsType, SoftwareTokenMfaSettingsType,
};

use crate::auth::{PASSWORD, login, setup, setup_with, user};
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

/// A client of `pool` that allows `flows` and reveals missing users (LEGACY).
async fn client_with(srv: &TestServer, pool: &str, flows: &[ExplicitAuthFlowsType]) -> String {
    let mut req = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("fidelity")
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Legacy);
    for f in flows {
        req = req.explicit_auth_flows(f.clone());
    }
    req.send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// USER_PASSWORD_AUTH with the given parameters.
async fn password_auth(
    srv: &TestServer,
    client: &str,
    params: &[(&str, &str)],
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError,
    >,
> {
    let mut req = srv
        .idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth);
    for (k, v) in params {
        req = req.auth_parameters(*k, *v);
    }
    req.send().await
}

both!(initiate_auth_refusals, async |srv: &TestServer| {
    let (pool, _) = setup(srv).await;
    let client = client_with(
        srv,
        &pool,
        &[
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ],
    )
    .await;
    user(srv, &pool, "ann").await;
    // S1: an unknown client.
    refused(
        password_auth(srv, "1example23456789", &[("USERNAME", "ann")]).await,
        "ResourceNotFoundException",
        "User pool client 1example23456789 does not exist.",
    );
    // S2: a flow the client does not allow.
    let r = srv
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "ann")
        .auth_parameters("SRP_A", "01")
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "USER_SRP_AUTH flow not enabled for this client",
    );
    // S3: an admin flow through InitiateAuth.
    let r = srv
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "ann")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "Initiate Auth method not supported.",
    );
    // S4: AdminInitiateAuth with a client that does not allow the admin flow.
    let r = srv
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "ann")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "Auth flow not enabled for this client",
    );
    // S22: CUSTOM_AUTH in a pool without the custom-auth triggers (message only: the
    // exception is unconfirmed).
    let custom = client_with(srv, &pool, &[ExplicitAuthFlowsType::AllowCustomAuth]).await;
    let r = srv
        .idp
        .initiate_auth()
        .client_id(&custom)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "ann")
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "Custom auth lambda trigger is not configured for the user pool.",
    );
    // S5: missing parameters.
    refused(
        password_auth(srv, &client, &[("USERNAME", "ann")]).await,
        "InvalidParameterException",
        "Missing required parameter PASSWORD",
    );
    refused(
        password_auth(srv, &client, &[("PASSWORD", PASSWORD)]).await,
        "InvalidParameterException",
        "Missing required parameter USERNAME",
    );
    // S6: a wrong password; S7: a missing user, with LEGACY existence errors.
    refused(
        password_auth(
            srv,
            &client,
            &[("USERNAME", "ann"), ("PASSWORD", "Wrong123!")],
        )
        .await,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    refused(
        password_auth(srv, &client, &[("USERNAME", "bob"), ("PASSWORD", PASSWORD)]).await,
        "UserNotFoundException",
        "User does not exist.",
    );
    // S8: unconfirmed, S9: disabled, S10: reset required.
    srv.idp
        .sign_up()
        .client_id(&client)
        .username("erin")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    refused(
        password_auth(
            srv,
            &client,
            &[("USERNAME", "erin"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "UserNotConfirmedException",
        "User is not confirmed.",
    );
    user(srv, &pool, "frank").await;
    srv.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("frank")
        .send()
        .await
        .unwrap();
    refused(
        password_auth(
            srv,
            &client,
            &[("USERNAME", "frank"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "NotAuthorizedException",
        "User is disabled.",
    );
    user(srv, &pool, "gina").await;
    srv.idp
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    refused(
        password_auth(
            srv,
            &client,
            &[("USERNAME", "gina"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "PasswordResetRequiredException",
        "Password reset required for the user",
    );
});

both!(secret_hash_refusals, async |srv: &TestServer| {
    let (pool, client) = setup_with(srv, true).await;
    user(srv, &pool, "ann").await;
    // S11: no SECRET_HASH; S12: a wrong one.
    refused(
        password_auth(srv, &client, &[("USERNAME", "ann"), ("PASSWORD", PASSWORD)]).await,
        "NotAuthorizedException",
        &format!("Client {client} is configured with secret but SECRET_HASH was not received"),
    );
    refused(
        password_auth(
            srv,
            &client,
            &[
                ("USERNAME", "ann"),
                ("PASSWORD", PASSWORD),
                ("SECRET_HASH", "bm90IHRoZSBoYXNo"),
            ],
        )
        .await,
        "NotAuthorizedException",
        &format!("Unable to verify secret hash for client {client}"),
    );
});

both!(token_refusals, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    user(srv, &pool, "ann").await;
    let tokens = login(srv, &client, "ann", PASSWORD).await.unwrap();
    let access = tokens.access_token().unwrap().to_string();
    let refresh = tokens.refresh_token().unwrap().to_string();
    let refresh_with = async |token: &str| {
        srv.idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", token)
            .send()
            .await
    };
    // S13: a refresh token that is not one (changed: a period was missing).
    refused(
        refresh_with("bm90IGEgdG9rZW4").await,
        "NotAuthorizedException",
        "Invalid Refresh Token.",
    );
    // S16: an access token that is not one.
    refused(
        srv.idp.get_user().access_token("not.a.token").send().await,
        "NotAuthorizedException",
        "Invalid Access Token",
    );
    // S14, S15: after GlobalSignOut, the refresh and access tokens are revoked.
    srv.idp
        .global_sign_out()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    refused(
        refresh_with(&refresh).await,
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    );
    refused(
        srv.idp.get_user().access_token(&access).send().await,
        "NotAuthorizedException",
        "Access Token has been revoked",
    );
});

both!(challenge_and_mfa_refusals, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    user(srv, &pool, "ann").await;
    // S17: a challenge answer without the Session its challenge needs (changed).
    let r = srv
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .challenge_responses("USERNAME", "ann")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "Missing required parameter Session",
    );
    let r = srv
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::SmsMfa)
        .challenge_responses("USERNAME", "ann")
        .challenge_responses("SMS_MFA_CODE", "123456")
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "Missing required parameter Session",
    );
    // S18: software-token MFA turned on before a token is verified (changed).
    let r = srv
        .idp
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("ann")
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    );
    // S19: SMS MFA turned on for a user without a phone number (changed).
    let r = srv
        .idp
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("ann")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    );
    // S20: a wrong code in VerifySoftwareToken.
    let access = login(srv, &client, "ann", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    srv.idp
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    let r = srv
        .idp
        .verify_software_token()
        .access_token(&access)
        .user_code("000000")
        .send()
        .await;
    refused(
        r,
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    );
    // S21: a device the user does not have.
    let r = srv
        .idp
        .admin_get_device()
        .user_pool_id(&pool)
        .username("ann")
        .device_key("us-east-1_00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    refused(r, "ResourceNotFoundException", "Device does not exist.");
});

both!(new_password_missing_attribute, async |srv: &TestServer| {
    use aws_sdk_cognitoidentityprovider::types::{MessageActionType, SchemaAttributeType};
    let pool = srv
        .idp
        .create_user_pool()
        .pool_name("required")
        .schema(
            SchemaAttributeType::builder()
                .name("name")
                .required(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = client_with(srv, &pool, &[ExplicitAuthFlowsType::AllowUserPasswordAuth]).await;
    srv.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("hank")
        .temporary_password("Temp1234!")
        .message_action(MessageActionType::Suppress)
        .user_attributes(crate::users::attr("name", "Hank"))
        .send()
        .await
        .unwrap();
    let session = password_auth(
        srv,
        &client,
        &[("USERNAME", "hank"), ("PASSWORD", "Temp1234!")],
    )
    .await
    .unwrap()
    .session
    .unwrap();
    // S23: the answer leaves a required attribute empty (changed).
    let r = srv
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(session)
        .challenge_responses("USERNAME", "hank")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .challenge_responses("userAttributes.name", "")
        .send()
        .await;
    refused(
        r,
        "InvalidParameterException",
        "Invalid attributes given, name is missing",
    );
});
