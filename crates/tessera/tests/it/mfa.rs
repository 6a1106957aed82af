//! MFA through the AWS SDK: the pool's configuration, software tokens (codes computed here
//! with an independent RFC 6238 implementation, on a manual clock), SMS and email codes
//! from the outbox, the choice between factors, and setup during sign-in.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, EmailMfaConfigType, EmailMfaSettingsType, MfaOptionType,
    SmsMfaConfigType, SmsMfaSettingsType, SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType,
    UserPoolMfaType,
};
use tessera_core::clock::ManualClock;

use crate::auth::{PASSWORD, login, setup, user};
use crate::harness::{TestServer, both, both_clocked, code, message};

/// An SMS configuration (SNS role and external id), which turning SMS MFA on needs: Tessera
/// stores it and delivers through its own SMS sender.
pub fn sms_configuration() -> aws_sdk_cognitoidentityprovider::types::SmsConfigurationType {
    aws_sdk_cognitoidentityprovider::types::SmsConfigurationType::builder()
        .sns_caller_arn("arn:aws:iam::123456789012:role/tessera-sms")
        .external_id("tessera-tests")
        .build()
        .unwrap()
}

/// RFC 4648 base32 without padding.
fn base32(s: &str) -> Vec<u8> {
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .iter()
            .position(|x| *x == c)
            .unwrap() as u32;
        value = (value << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((value >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

/// RFC 6238 (HMAC-SHA1, 30 s, 6 digits) at `unix_ms`.
pub fn totp(secret_b32: &str, unix_ms: i64) -> String {
    use aws_lc_rs::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &base32(secret_b32));
    let counter = ((unix_ms / 1000) / 30) as u64;
    let mac = hmac::sign(&key, &counter.to_be_bytes());
    let h = mac.as_ref();
    let o = (h[19] & 0xf) as usize;
    let n = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]) % 1_000_000;
    format!("{n:06}")
}

pub async fn configure(
    srv: &TestServer,
    pool: &str,
    mode: UserPoolMfaType,
    sms: bool,
    totp: bool,
    email: bool,
) {
    let mut req = srv
        .idp
        .set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(mode);
    if sms {
        req = req.sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Code: {####}")
                .sms_configuration(sms_configuration())
                .build(),
        );
    }
    if totp {
        req = req.software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        );
    }
    if email {
        req = req.email_mfa_configuration(
            EmailMfaConfigType::builder()
                .message("Sign in with {####}")
                .subject("Your code")
                .build(),
        );
    }
    req.send().await.unwrap();
}

async fn start(
    srv: &TestServer,
    client: &str,
    name: &str,
) -> aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput {
    srv.idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap()
}

async fn answer(srv: &TestServer, client: &str, challenge: ChallengeNameType, session: &str, key: &str, value: &str) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, String>{
    srv.idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(challenge)
        .session(session)
        .challenge_responses("USERNAME", "mia")
        .challenge_responses(key, value)
        .send()
        .await
        .map_err(|e| crate::harness::code(Err::<(), _>(e)))
}

both!(pool_configuration, async |srv: &TestServer| {
    let (pool, _) = setup(srv).await;
    let c = &srv.idp;
    let cfg = c
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(cfg.mfa_configuration(), Some(&UserPoolMfaType::Off));
    let r = c
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .email_mfa_configuration(
            EmailMfaConfigType::builder()
                .message("no placeholder")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    configure(srv, &pool, UserPoolMfaType::Optional, true, true, true).await;
    let cfg = c
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(cfg.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert!(cfg.software_token_mfa_configuration().unwrap().enabled());
    assert_eq!(
        cfg.email_mfa_configuration().unwrap().subject(),
        Some("Your code")
    );
    let p = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(p.mfa_configuration(), Some(&UserPoolMfaType::Optional));
});

both_clocked!(
    software_token,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        configure(srv, &pool, UserPoolMfaType::Optional, false, true, false).await;
        user(srv, &pool, "mia").await;
        // No factor yet: OPTIONAL lets the password alone through.
        let tokens = login(srv, &client, "mia", PASSWORD).await.unwrap();
        let access = tokens.access_token().unwrap();
        let c = &srv.idp;
        let r = c
            .set_user_mfa_preference()
            .access_token(access)
            .software_token_mfa_settings(
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .build(),
            )
            .send()
            .await;
        assert_eq!(
            message(r),
            "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
        );
        let secret = c
            .associate_software_token()
            .access_token(access)
            .send()
            .await
            .unwrap()
            .secret_code
            .unwrap();
        assert_eq!(secret.len(), 32);
        let now = clock.now_millis();
        let r = c
            .verify_software_token()
            .access_token(access)
            .user_code("000000")
            .send()
            .await;
        assert_eq!(code(r), "EnableSoftwareTokenMFAException");
        let ok = c
            .verify_software_token()
            .access_token(access)
            .user_code(totp(&secret, now))
            .friendly_device_name("phone")
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().map(|s| s.as_str()), Some("SUCCESS"));
        c.set_user_mfa_preference()
            .access_token(access)
            .software_token_mfa_settings(
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let me = c.get_user().access_token(access).send().await.unwrap();
        assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
        assert_eq!(me.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);

        let step = start(srv, &client, "mia").await;
        assert_eq!(
            step.challenge_name(),
            Some(&ChallengeNameType::SoftwareTokenMfa)
        );
        let session = step.session().unwrap();
        // The code used to verify the token cannot be used again (Cognito: ExpiredCode,
        // "Your software token has already been used once.", as amplify-swift's
        // MFASignInTests meet it).
        let r = answer(
            srv,
            &client,
            ChallengeNameType::SoftwareTokenMfa,
            session,
            "SOFTWARE_TOKEN_MFA_CODE",
            &totp(&secret, now),
        )
        .await;
        assert_eq!(r.unwrap_err(), "ExpiredCodeException");
        clock.advance_millis(30_000);
        let next = totp(&secret, clock.now_millis());
        let done = answer(
            srv,
            &client,
            ChallengeNameType::SoftwareTokenMfa,
            session,
            "SOFTWARE_TOKEN_MFA_CODE",
            &next,
        )
        .await
        .unwrap();
        assert!(
            done.authentication_result()
                .unwrap()
                .access_token()
                .is_some()
        );
        // Nor a code that signed in already; one step of drift is accepted.
        let again = start(srv, &client, "mia").await;
        let r = answer(
            srv,
            &client,
            ChallengeNameType::SoftwareTokenMfa,
            again.session().unwrap(),
            "SOFTWARE_TOKEN_MFA_CODE",
            &next,
        )
        .await;
        assert_eq!(r.unwrap_err(), "ExpiredCodeException");
        let ahead = totp(&secret, clock.now_millis() + 30_000);
        let done = answer(
            srv,
            &client,
            ChallengeNameType::SoftwareTokenMfa,
            again.session().unwrap(),
            "SOFTWARE_TOKEN_MFA_CODE",
            &ahead,
        )
        .await
        .unwrap();
        assert!(done.authentication_result().is_some());
        // A session answers its challenge once.
        clock.advance_millis(60_000);
        let later = totp(&secret, clock.now_millis());
        let r = answer(
            srv,
            &client,
            ChallengeNameType::SoftwareTokenMfa,
            again.session().unwrap(),
            "SOFTWARE_TOKEN_MFA_CODE",
            &later,
        )
        .await;
        assert_eq!(r.unwrap_err(), "NotAuthorizedException");
        // Wrong codes count as failed sign-ins: after five, the user is locked out.
        let step = start(srv, &client, "mia").await;
        for _ in 0..5 {
            let r = answer(
                srv,
                &client,
                ChallengeNameType::SoftwareTokenMfa,
                step.session().unwrap(),
                "SOFTWARE_TOKEN_MFA_CODE",
                "000000",
            )
            .await;
            assert_eq!(r.unwrap_err(), "CodeMismatchException");
        }
        let r = answer(
            srv,
            &client,
            ChallengeNameType::SoftwareTokenMfa,
            step.session().unwrap(),
            "SOFTWARE_TOKEN_MFA_CODE",
            &later,
        )
        .await;
        assert_eq!(r.unwrap_err(), "NotAuthorizedException");
    }
);

both!(sms_email_and_choice, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    configure(srv, &pool, UserPoolMfaType::Optional, true, false, true).await;
    user(srv, &pool, "mia").await;
    let c = &srv.idp;
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("mia")
        .user_attributes(crate::users::attr("phone_number", "+15555550123"))
        .send()
        .await
        .unwrap();
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("mia")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    let step = start(srv, &client, "mia").await;
    assert_eq!(step.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let p = step.challenge_parameters().unwrap();
    assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert_eq!(p["CODE_DELIVERY_DESTINATION"], "+*******0123");
    let code_sent = srv.last_code("+15555550123");
    let r = answer(
        srv,
        &client,
        ChallengeNameType::SmsMfa,
        step.session().unwrap(),
        "SMS_MFA_CODE",
        "000000",
    )
    .await;
    assert_eq!(r.unwrap_err(), "CodeMismatchException");
    let done = answer(
        srv,
        &client,
        ChallengeNameType::SmsMfa,
        step.session().unwrap(),
        "SMS_MFA_CODE",
        &code_sent,
    )
    .await
    .unwrap();
    assert!(done.authentication_result().is_some());

    // Two factors and no preference: the user chooses.
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("mia")
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    let step = start(srv, &client, "mia").await;
    assert_eq!(
        step.challenge_name(),
        Some(&ChallengeNameType::SelectMfaType)
    );
    assert_eq!(
        step.challenge_parameters().unwrap()["MFAS_CAN_CHOOSE"],
        r#"["SMS_MFA","EMAIL_OTP"]"#
    );
    let r = answer(
        srv,
        &client,
        ChallengeNameType::SelectMfaType,
        step.session().unwrap(),
        "ANSWER",
        "SOFTWARE_TOKEN_MFA",
    )
    .await;
    assert_eq!(r.unwrap_err(), "InvalidParameterException");
    let chosen = answer(
        srv,
        &client,
        ChallengeNameType::SelectMfaType,
        step.session().unwrap(),
        "ANSWER",
        "EMAIL_OTP",
    )
    .await
    .unwrap();
    assert_eq!(chosen.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    assert_eq!(
        chosen.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"],
        "m***@e***"
    );
    let mail = srv.last_code("mia@example.com");
    let done = answer(
        srv,
        &client,
        ChallengeNameType::EmailOtp,
        chosen.session().unwrap(),
        "EMAIL_OTP_CODE",
        &mail,
    )
    .await
    .unwrap();
    assert!(done.authentication_result().is_some());
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("mia")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_mfa_setting_list(), ["SMS_MFA", "EMAIL_OTP"]);
    assert!(u.preferred_mfa_setting().is_none());

    // The legacy switch.
    c.admin_set_user_settings()
        .user_pool_id(&pool)
        .username("mia")
        .mfa_options(
            MfaOptionType::builder()
                .delivery_medium("SMS".into())
                .attribute_name("phone_number")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("mia")
        .send()
        .await
        .unwrap();
    assert_eq!(u.mfa_options()[0].attribute_name(), Some("phone_number"));
});

both_clocked!(
    setup_when_required,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        configure(srv, &pool, UserPoolMfaType::On, false, true, false).await;
        user(srv, &pool, "mia").await;
        let c = &srv.idp;
        let step = start(srv, &client, "mia").await;
        assert_eq!(step.challenge_name(), Some(&ChallengeNameType::MfaSetup));
        assert_eq!(
            step.challenge_parameters().unwrap()["MFAS_CAN_SETUP"],
            r#"["SOFTWARE_TOKEN_MFA"]"#
        );
        // Answering before a token is verified is refused.
        let r = answer(
            srv,
            &client,
            ChallengeNameType::MfaSetup,
            step.session().unwrap(),
            "USERNAME",
            "mia",
        )
        .await;
        assert_eq!(r.unwrap_err(), "InvalidParameterException");
        let assoc = c
            .associate_software_token()
            .session(step.session().unwrap())
            .send()
            .await
            .unwrap();
        let secret = assoc.secret_code().unwrap();
        let verified = c
            .verify_software_token()
            .session(assoc.session().unwrap())
            .user_code(totp(secret, clock.now_millis()))
            .send()
            .await
            .unwrap();
        assert_eq!(verified.status().map(|s| s.as_str()), Some("SUCCESS"));
        let done = answer(
            srv,
            &client,
            ChallengeNameType::MfaSetup,
            verified.session().unwrap(),
            "USERNAME",
            "mia",
        )
        .await
        .unwrap();
        // The setup session gives tokens once.
        let r = answer(
            srv,
            &client,
            ChallengeNameType::MfaSetup,
            verified.session().unwrap(),
            "USERNAME",
            "mia",
        )
        .await;
        assert_eq!(r.unwrap_err(), "NotAuthorizedException");
        let access = done
            .authentication_result()
            .unwrap()
            .access_token()
            .unwrap();
        let me = c.get_user().access_token(access).send().await.unwrap();
        assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
        // From now on the token is asked for.
        clock.advance_millis(30_000);
        let step = start(srv, &client, "mia").await;
        assert_eq!(
            step.challenge_name(),
            Some(&ChallengeNameType::SoftwareTokenMfa)
        );
        // A setup session cannot be used with another client's challenge answer.
        let r = c
            .verify_software_token()
            .session("x".repeat(64))
            .user_code("123456")
            .send()
            .await;
        assert_eq!(code(r), "NotAuthorizedException");
    }
);

// Single use under concurrency (docs/adr/0014): one TOTP code sent at once on two sessions,
// five answers each, released together: the code signs in once, and each session is
// answered at most once.
both_clocked!(a_totp_code_signs_in_once, async |srv: &TestServer,
                                                clock: Arc<
    ManualClock,
>| {
    let (pool, client) = setup(srv).await;
    configure(srv, &pool, UserPoolMfaType::Optional, false, true, false).await;
    user(srv, &pool, "mia").await;
    let tokens = login(srv, &client, "mia", PASSWORD).await.unwrap();
    let access = tokens.access_token().unwrap();
    let c = &srv.idp;
    let secret = c
        .associate_software_token()
        .access_token(access)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    c.verify_software_token()
        .access_token(access)
        .user_code(totp(&secret, clock.now_millis()))
        .send()
        .await
        .unwrap();
    c.set_user_mfa_preference()
        .access_token(access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    clock.advance_millis(30_000);
    let sessions = [
        start(srv, &client, "mia").await.session.unwrap(),
        start(srv, &client, "mia").await.session.unwrap(),
    ];
    let code = totp(&secret, clock.now_millis());
    let results = crate::harness::together(10, |i| {
        let (idp, client, session, code) = (
            srv.idp.clone(),
            client.clone(),
            sessions[i % 2].clone(),
            code.clone(),
        );
        async move {
            idp.respond_to_auth_challenge()
                .client_id(client)
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session(session)
                .challenge_responses("USERNAME", "mia")
                .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
                .send()
                .await
                .map(|r| r.authentication_result.is_some())
                .map_err(|e| crate::harness::code(Err::<(), _>(e)))
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r == &&Ok(true)).count(),
        1,
        "{results:?}"
    );
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            r == "ExpiredCodeException" || r == "NotAuthorizedException",
            "{results:?}"
        );
    }
});

/// The user of `access` sets up an authenticator (AssociateSoftwareToken, then
/// VerifySoftwareToken with the current step's code) and, with `preferred`, makes it their
/// preferred factor; the authenticator's secret.
pub async fn enrol_totp(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    access: &str,
    preferred: bool,
) -> String {
    let secret = idp
        .associate_software_token()
        .access_token(access)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    idp.verify_software_token()
        .access_token(access)
        .user_code(totp(&secret, now))
        .send()
        .await
        .unwrap();
    if preferred {
        idp.set_user_mfa_preference()
            .access_token(access)
            .software_token_mfa_settings(
                aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    secret
}
