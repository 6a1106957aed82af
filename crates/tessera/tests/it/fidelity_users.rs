//! Issue 19's user and password refusals (items 6, 8–12 and 14): the exception name and the
//! whole message Cognito answers, on both backends. Where each answer comes from is in
//! docs/fidelity.md, "User and password refusals (issue 19)"; the row is named beside each
//! assertion.

use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, ExplicitAuthFlowsType, MessageActionType, RecoveryOptionNameType,
    RecoveryOptionType, SmsConfigurationType, SmsMfaConfigType, UserPoolMfaType,
    UsernameAttributeType, VerifiedAttributeType,
};

use crate::auth::{PASSWORD, login, user};
use crate::harness::{TestServer, both, code, message};
use crate::users::attr;

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

/// A client allowing the password flow.
async fn client_of(srv: &TestServer, pool: &str) -> String {
    srv.idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// A pool whose users sign in with an email or a phone number, and its client.
async fn by_attribute(srv: &TestServer) -> (String, String) {
    let pool = srv
        .idp
        .create_user_pool()
        .pool_name("fidelity")
        .username_attributes(UsernameAttributeType::Email)
        .username_attributes(UsernameAttributeType::PhoneNumber)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = client_of(srv, &pool).await;
    (pool, client)
}

/// A pool that verifies email, with `recovery` as its AccountRecoverySetting, and its client.
async fn email_pool(
    srv: &TestServer,
    recovery: Option<RecoveryOptionNameType>,
) -> (String, String) {
    let mut req = srv
        .idp
        .create_user_pool()
        .pool_name("fidelity")
        .auto_verified_attributes(VerifiedAttributeType::Email);
    if let Some(name) = recovery {
        req = req.account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .name(name)
                        .priority(1)
                        .build()
                        .unwrap(),
                )
                .build(),
        );
    }
    let pool = req.send().await.unwrap().user_pool.unwrap().id.unwrap();
    let client = client_of(srv, &pool).await;
    (pool, client)
}

fn sms_configuration(external_id: Option<&str>) -> SmsConfigurationType {
    SmsConfigurationType::builder()
        .sns_caller_arn("arn:aws:iam::123456789012:role/tessera-sms")
        .set_external_id(external_id.map(str::to_owned))
        .build()
        .unwrap()
}

// docs/fidelity.md, issue 19, rows 6a and 6b.
both!(
    sign_up_names_the_attribute_taken,
    async |srv: &TestServer| {
        let (_, client) = by_attribute(srv).await;
        let sign_up = |name: &str| {
            srv.idp
                .sign_up()
                .client_id(&client)
                .username(name)
                .password(PASSWORD)
        };
        sign_up("ann@example.com").send().await.unwrap();
        refused(
            sign_up("ann@example.com").send().await,
            "UsernameExistsException",
            "An account with the given email already exists.",
        );
        sign_up("+15550100001").send().await.unwrap();
        refused(
            sign_up("+15550100001").send().await,
            "UsernameExistsException",
            "An account with the given phone_number already exists.",
        );
    }
);

// docs/fidelity.md, issue 19, rows 6c and 6d.
both!(
    attribute_updates_name_the_attribute_taken,
    async |srv: &TestServer| {
        let (pool, client) = by_attribute(srv).await;
        let c = &srv.idp;
        for (name, phone) in [("bea@example.com", "+15550100002"), ("cal@example.com", "")] {
            let mut req = c
                .admin_create_user()
                .user_pool_id(&pool)
                .username(name)
                .message_action(MessageActionType::Suppress);
            if !phone.is_empty() {
                req = req.user_attributes(attr("phone_number", phone));
            }
            req.send().await.unwrap();
        }
        let admin_update = |name: &str, value: &str| {
            c.admin_update_user_attributes()
                .user_pool_id(&pool)
                .username("cal@example.com")
                .user_attributes(attr(name, value))
        };
        refused(
            admin_update("email", "bea@example.com").send().await,
            "AliasExistsException",
            "An account with the given email already exists.",
        );
        refused(
            admin_update("phone_number", "+15550100002").send().await,
            "AliasExistsException",
            "An account with the given phone_number already exists.",
        );

        // The same through the user's own UpdateUserAttributes.
        c.admin_set_user_password()
            .user_pool_id(&pool)
            .username("cal@example.com")
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
        let tokens = login(srv, &client, "cal@example.com", PASSWORD)
            .await
            .unwrap();
        let r = c
            .update_user_attributes()
            .access_token(tokens.access_token.unwrap())
            .user_attributes(attr("email", "bea@example.com"))
            .send()
            .await;
        refused(
            r,
            "AliasExistsException",
            "An account with the given email already exists.",
        );
    }
);

// docs/fidelity.md, issue 19, row 8.
both!(
    admin_only_recovery_refuses_forgot_password,
    async |srv: &TestServer| {
        let (pool, client) = email_pool(srv, Some(RecoveryOptionNameType::AdminOnly)).await;
        user(srv, &pool, "dora").await;
        // Refused for everyone, before the user is looked up.
        for name in ["dora", "nobody"] {
            let r = srv
                .idp
                .forgot_password()
                .client_id(&client)
                .username(name)
                .send()
                .await;
            refused(
                r,
                "NotAuthorizedException",
                "Contact administrator to reset password.",
            );
        }
        assert!(
            srv.outbox()
                .iter()
                .all(|m| m["destination"] != "dora@example.com")
        );
    }
);

// docs/fidelity.md, issue 19, row 9.
both!(
    a_temporary_password_cannot_be_reset,
    async |srv: &TestServer| {
        let (pool, client) = email_pool(srv, None).await;
        srv.idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username("eve")
            .user_attributes(attr("email", "eve@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let r = srv
            .idp
            .forgot_password()
            .client_id(&client)
            .username("eve")
            .send()
            .await;
        refused(
            r,
            "NotAuthorizedException",
            "User password cannot be reset in the current state.",
        );
        let r = srv
            .idp
            .admin_reset_user_password()
            .user_pool_id(&pool)
            .username("eve")
            .send()
            .await;
        refused(
            r,
            "NotAuthorizedException",
            "User password cannot be reset in the current state.",
        );
        assert!(
            srv.outbox()
                .iter()
                .all(|m| m["destination"] != "eve@example.com")
        );
    }
);

// docs/fidelity.md, issue 19, rows 10a and 10b.
both!(an_unknown_client_or_user, async |srv: &TestServer| {
    let (_, client) = email_pool(srv, None).await;
    let c = &srv.idp;
    for id in ["nosuchclient1234", client.as_str()] {
        let (exception, text) = if id == client {
            (
                "UserNotFoundException",
                "Username/client id combination not found.".to_string(),
            )
        } else {
            (
                "ResourceNotFoundException",
                format!("User pool client {id} does not exist."),
            )
        };
        let ghost = "ghost";
        if id != client {
            let r = c
                .sign_up()
                .client_id(id)
                .username(ghost)
                .password(PASSWORD)
                .send()
                .await;
            refused(r, exception, &text);
        }
        let r = c
            .confirm_sign_up()
            .client_id(id)
            .username(ghost)
            .confirmation_code("123456")
            .send()
            .await;
        refused(r, exception, &text);
        let r = c
            .resend_confirmation_code()
            .client_id(id)
            .username(ghost)
            .send()
            .await;
        refused(r, exception, &text);
        let r = c
            .forgot_password()
            .client_id(id)
            .username(ghost)
            .send()
            .await;
        refused(r, exception, &text);
        let r = c
            .confirm_forgot_password()
            .client_id(id)
            .username(ghost)
            .confirmation_code("123456")
            .password(PASSWORD)
            .send()
            .await;
        refused(r, exception, &text);
    }
    // Sign-in keeps its own wording for a missing user.
    let r = login(srv, &client, "ghost", PASSWORD).await;
    assert_eq!(r.unwrap_err(), "UserNotFoundException");
});

// docs/fidelity.md, issue 19, rows 11a–11c.
both!(a_reset_code_not_outstanding, async |srv: &TestServer| {
    let (pool, client) = email_pool(srv, None).await;
    user(srv, &pool, "finn").await;
    let c = &srv.idp;
    let confirm = |code: &str, password: &str| {
        c.confirm_forgot_password()
            .client_id(&client)
            .username("finn")
            .confirmation_code(code)
            .password(password)
    };
    // No code was ever sent.
    refused(
        confirm("123456", "N3w-Passw0rd!").send().await,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );
    // The new password is checked before the code (Tessera's order; unconfirmed).
    refused(
        confirm("123456", "short").send().await,
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    );
    // A code superseded by a newer one is a wrong code.
    let forgot = || c.forgot_password().client_id(&client).username("finn");
    forgot().send().await.unwrap();
    let first = srv.last_code("finn@example.com");
    forgot().send().await.unwrap();
    let second = srv.last_code("finn@example.com");
    if first != second {
        refused(
            confirm(&first, "N3w-Passw0rd!").send().await,
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        );
    }
    confirm(&second, "N3w-Passw0rd!").send().await.unwrap();
    login(srv, &client, "finn", "N3w-Passw0rd!").await.unwrap();
});

// docs/fidelity.md, issue 19, rows 12a–12c.
both!(
    sms_mfa_needs_an_sms_configuration,
    async |srv: &TestServer| {
        let (pool, _) = email_pool(srv, None).await;
        let c = &srv.idp;
        let set = |mode: UserPoolMfaType, sms: Option<SmsConfigurationType>| {
            c.set_user_pool_mfa_config()
                .user_pool_id(&pool)
                .mfa_configuration(mode)
                .sms_mfa_configuration(
                    SmsMfaConfigType::builder()
                        .sms_authentication_message("Your code is {####}")
                        .set_sms_configuration(sms)
                        .build(),
                )
        };
        let no_sms =
            "Invalid SMS MFA configuration given, external id and a valid caller arn are required";
        for mode in [
            UserPoolMfaType::Optional,
            UserPoolMfaType::On,
            UserPoolMfaType::Off,
        ] {
            refused(
                set(mode, None).send().await,
                "InvalidParameterException",
                no_sms,
            );
        }
        refused(
            set(UserPoolMfaType::Optional, Some(sms_configuration(None)))
                .send()
                .await,
            "InvalidParameterException",
            no_sms,
        );
        let r = c
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::On)
            .send()
            .await;
        refused(
            r,
            "InvalidParameterException",
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
        );
        // Nothing refused was kept.
        let cfg = c
            .get_user_pool_mfa_config()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap();
        assert_eq!(cfg.mfa_configuration, Some(UserPoolMfaType::Off));
        assert!(cfg.sms_mfa_configuration.is_none());

        // With the role and its external id, in the request: accepted and echoed.
        let out = set(
            UserPoolMfaType::Optional,
            Some(sms_configuration(Some("tessera"))),
        )
        .send()
        .await
        .unwrap();
        let echoed = out
            .sms_mfa_configuration
            .unwrap()
            .sms_configuration
            .unwrap();
        assert_eq!(
            echoed.sns_caller_arn,
            "arn:aws:iam::123456789012:role/tessera-sms"
        );

        // A pool that has an SMS configuration already needs none in the request.
        let configured = c
            .create_user_pool()
            .pool_name("with-sms")
            .sms_configuration(sms_configuration(Some("tessera")))
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        c.set_user_pool_mfa_config()
            .user_pool_id(&configured)
            .mfa_configuration(UserPoolMfaType::Optional)
            .sms_mfa_configuration(
                SmsMfaConfigType::builder()
                    .sms_authentication_message("Your code is {####}")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
);

// docs/fidelity.md, issue 19, row 14. The model's checks come first; the value and the message are those of aws/amazon-freertos#1829.
both!(
    identity_pool_validation_is_validation_exception,
    async |srv: &TestServer| {
        let conf = aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentity::config::Region::new("us-east-1"))
            .endpoint_url(&srv.url)
            .credentials_provider(aws_credential_types::Credentials::new(
                crate::harness::AKID,
                crate::harness::SECRET,
                None,
                None,
                "tessera-tests",
            ))
            .build();
        let identity = aws_sdk_cognitoidentity::Client::from_conf(conf);
        let r = identity
            .get_id()
            .identity_pool_id("6eaf0258-e8c5-467f-90de-6e212326e6d3")
            .send()
            .await;
        assert_eq!(code(r), "ValidationException");
        let r = identity
            .get_id()
            .identity_pool_id("6eaf0258-e8c5-467f-90de-6e212326e6d3")
            .send()
            .await;
        assert_eq!(
            message(r),
            "1 validation error detected: Value '6eaf0258-e8c5-467f-90de-6e212326e6d3' at \
         'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression \
         pattern: [\\w-]+:[0-9a-f-]+"
        );
        // A well-formed call reaches the operation.
        let r = identity
            .get_id()
            .identity_pool_id("us-east-1:6eaf0258-e8c5-467f-90de-6e212326e6d3")
            .send()
            .await;
        assert_eq!(
            message(r),
            "IdentityPool 'us-east-1:6eaf0258-e8c5-467f-90de-6e212326e6d3' not found."
        );
    }
);
