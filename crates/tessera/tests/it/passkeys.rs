//! Passkeys through the AWS SDK: registration options for the pool's relying party, the
//! refusals of a registration that was not started or is not a WebAuthn response, listing
//! and deletion, and WEB_AUTHN offered only to users with a passkey. (The ceremonies with
//! a real authenticator run in Chromium: e2e/js/passkeys.test.mjs.)

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType, SignInPolicyType, UserPoolMfaType, UserPoolPolicyType,
    WebAuthnConfigurationType,
};
use aws_smithy_types::Document;

use crate::auth::{PASSWORD, login, user};
use crate::harness::{TestServer, both, code};

both!(passkey_registration_and_choice, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("passkeys")
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors("PASSWORD".into())
                        .allowed_first_auth_factors("WEB_AUTHN".into())
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
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Off)
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id("localhost")
                .build(),
        )
        .send()
        .await
        .unwrap();
    user(srv, &pool, "pia").await;
    let tokens = login(srv, &client, "pia", PASSWORD).await.unwrap();
    let access = tokens.access_token().unwrap();

    // A pool whose sign-in policy leaves passkeys out refuses to register one.
    let (other_pool, other_client) = crate::auth::setup(srv).await;
    user(srv, &other_pool, "pia").await;
    let other = login(srv, &other_client, "pia", PASSWORD).await.unwrap();
    let r = c
        .start_web_authn_registration()
        .access_token(other.access_token().unwrap())
        .send()
        .await;
    assert_eq!(code(r), "WebAuthnNotEnabledException");

    // Completing what was never started is refused.
    let r = c
        .complete_web_authn_registration()
        .access_token(access)
        .credential(Document::Object(Default::default()))
        .send()
        .await;
    assert_eq!(code(r), "WebAuthnChallengeNotFoundException");

    let options = c
        .start_web_authn_registration()
        .access_token(access)
        .send()
        .await
        .unwrap()
        .credential_creation_options;
    let Document::Object(o) = &options else {
        panic!("options are an object: {options:?}")
    };
    let Some(Document::Object(rp)) = o.get("rp") else {
        panic!("rp: {options:?}")
    };
    assert_eq!(rp.get("id"), Some(&Document::String("localhost".into())));
    let Some(Document::Object(u)) = o.get("user") else {
        panic!("user: {options:?}")
    };
    assert_eq!(u.get("name"), Some(&Document::String("pia".into())));
    assert!(matches!(o.get("challenge"), Some(Document::String(s)) if s.len() >= 43));

    // Something that is not a registration response.
    let r = c
        .complete_web_authn_registration()
        .access_token(access)
        .credential(Document::Object(
            [("id".to_string(), Document::String("x".into()))].into(),
        ))
        .send()
        .await;
    assert_eq!(code(r), "WebAuthnCredentialNotSupportedException");

    let listed = c
        .list_web_authn_credentials()
        .access_token(access)
        .send()
        .await
        .unwrap();
    assert!(listed.credentials().is_empty());
    let r = c
        .delete_web_authn_credential()
        .access_token(access)
        .credential_id("bm9uZQ")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");

    // Without a passkey, WEB_AUTHN is not among the first factors offered.
    let start = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "pia")
        .send()
        .await
        .unwrap();
    let offered: Vec<&str> = start
        .available_challenges()
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(offered, ["PASSWORD", "PASSWORD_SRP"]);
    let r = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "pia")
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.challenge_name().map(|c| c.as_str()),
        Some("SELECT_CHALLENGE")
    );
});
