//! Choice-based sign-in (USER_AUTH): SELECT_CHALLENGE with the factors the pool allows and
//! the user has, a preferred challenge, email and SMS codes as a first factor (no MFA after
//! them), passwords as a first factor (MFA after them), and GetUserAuthFactors.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, EmailMfaConfigType, ExplicitAuthFlowsType, SignInPolicyType,
    SoftwareTokenMfaConfigType, UserPoolMfaType, UserPoolPolicyType,
};

use super::{PASSWORD, user};
use crate::harness::{TestServer, both, code};

async fn pool_with_choice(srv: &TestServer) -> (String, String) {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("choice")
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors("PASSWORD".into())
                        .allowed_first_auth_factors("EMAIL_OTP".into())
                        .allowed_first_auth_factors("SMS_OTP".into())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    (pool, client)
}

both!(user_auth_choices, async |srv: &TestServer| {
    let (pool, client) = pool_with_choice(srv).await;
    user(srv, &pool, "uma").await;
    let c = &srv.idp;
    // The user has a password and a verified email (no phone): those are offered.
    let start = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "uma")
        .send()
        .await
        .unwrap();
    assert_eq!(
        start.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    let offered: Vec<&str> = start
        .available_challenges()
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(offered, ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]);
    let r = c
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(start.session().unwrap())
        .challenge_responses("USERNAME", "uma")
        .challenge_responses("ANSWER", "SMS_OTP")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    // Email code as the first factor.
    let otp = c
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(start.session().unwrap())
        .challenge_responses("USERNAME", "uma")
        .challenge_responses("ANSWER", "EMAIL_OTP")
        .send()
        .await
        .unwrap();
    assert_eq!(otp.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    assert_eq!(
        otp.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"],
        "u***@e***"
    );
    let done = c
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(otp.session().unwrap())
        .challenge_responses("USERNAME", "uma")
        .challenge_responses("EMAIL_OTP_CODE", srv.last_code("uma@example.com"))
        .send()
        .await
        .unwrap();
    assert!(
        done.authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );

    // A preferred challenge skips the choice; PASSWORD carries the password.
    let direct = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "uma")
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(direct.authentication_result().is_some());
    let r = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "uma")
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
        .auth_parameters("PASSWORD", "Wrong-pass1!")
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    // Through SELECT_CHALLENGE, PASSWORD_SRP goes on to PASSWORD_VERIFIER.
    let start = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "uma")
        .send()
        .await
        .unwrap();
    let a: [u8; 32] = [7u8; 32];
    let srp = c
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(start.session().unwrap())
        .challenge_responses("USERNAME", "uma")
        .challenge_responses("ANSWER", "PASSWORD_SRP")
        .challenge_responses("SRP_A", tessera_core::srp::client::client_public(&a))
        .send()
        .await
        .unwrap();
    assert_eq!(
        srp.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );

    let own = c
        .get_user_auth_factors()
        .access_token(
            direct
                .authentication_result()
                .unwrap()
                .access_token()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(own.username(), "uma");
    let factors: Vec<&str> = own
        .configured_user_auth_factors()
        .iter()
        .map(|x| x.as_str())
        .collect();
    assert_eq!(factors, ["PASSWORD", "EMAIL_OTP"]);

    // USER_AUTH needs ALLOW_USER_AUTH on the client.
    let (_, other) = crate::auth::setup(srv).await;
    let r = c
        .initiate_auth()
        .client_id(&other)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "uma")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
});

both!(
    passwordless_skips_mfa_password_does_not,
    async |srv: &TestServer| {
        let (pool, client) = pool_with_choice(srv).await;
        user(srv, &pool, "uma").await;
        let c = &srv.idp;
        c.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::On)
            .software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder().enabled(true).build(),
            )
            .email_mfa_configuration(EmailMfaConfigType::builder().build())
            .send()
            .await
            .unwrap();
        let pw = c
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "uma")
            .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(
            pw.challenge_name(),
            Some(&ChallengeNameType::EmailOtp),
            "MFA after a password"
        );
        let otp = c
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "uma")
            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
            .send()
            .await
            .unwrap();
        assert_eq!(otp.challenge_name(), Some(&ChallengeNameType::EmailOtp));
        let done = c
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::EmailOtp)
            .session(otp.session().unwrap())
            .challenge_responses("USERNAME", "uma")
            .challenge_responses("EMAIL_OTP_CODE", srv.last_code("uma@example.com"))
            .send()
            .await
            .unwrap();
        assert!(
            done.authentication_result().is_some(),
            "no MFA after a passwordless factor"
        );
    }
);
