//! Remembered devices through the AWS SDK: NewDeviceMetadata at sign-in, ConfirmDevice with
//! the device's SRP verifier (computed here as amazon-cognito-identity-js computes it),
//! DEVICE_SRP_AUTH standing in for MFA, status changes, listing and forgetting.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, DeviceConfigurationType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType, SmsMfaConfigType, SmsMfaSettingsType, UserPoolMfaType,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use tessera_core::srp;

use crate::auth::{PASSWORD, setup, user};
use crate::harness::{TestServer, both, code};

pub(crate) const DEVICE_PASSWORD: &str = "device-random-password-0123456789";
const PHONE: &str = "+15555550142";

fn claim(jwt: &str, name: &str) -> serde_json::Value {
    let payload = URL_SAFE_NO_PAD
        .decode(jwt.split('.').nth(1).unwrap())
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&payload).unwrap()[name].clone()
}

/// USER_PASSWORD_AUTH (with DEVICE_KEY when given), answering an SMS MFA challenge with
/// the outbox's code. Returns the last answer.
pub(crate) async fn sign_in(
    srv: &TestServer,
    client: &str,
    device: Option<&str>,
) -> (
    Option<ChallengeNameType>,
    std::collections::HashMap<String, String>,
    Option<String>,
    Option<aws_sdk_cognitoidentityprovider::types::AuthenticationResultType>,
) {
    let mut req = srv
        .idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "dee")
        .auth_parameters("PASSWORD", PASSWORD);
    if let Some(d) = device {
        req = req.auth_parameters("DEVICE_KEY", d);
    }
    let out = req.send().await.unwrap();
    (
        out.challenge_name().cloned(),
        out.challenge_parameters().cloned().unwrap_or_default(),
        out.session().map(str::to_string),
        out.authentication_result().cloned(),
    )
}

async fn answer_sms(
    srv: &TestServer,
    client: &str,
    session: &str,
) -> aws_sdk_cognitoidentityprovider::types::AuthenticationResultType {
    srv.idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::SmsMfa)
        .session(session)
        .challenge_responses("USERNAME", "dee")
        .challenge_responses("SMS_MFA_CODE", srv.last_code(PHONE))
        .send()
        .await
        .unwrap()
        .authentication_result()
        .cloned()
        .unwrap()
}

/// DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER, as the device computes them.
pub(crate) async fn device_srp(
    srv: &TestServer,
    client: &str,
    session: &str,
    key: &str,
    group: &str,
    password: &str,
) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, String>{
    device_srp_answer(srv, client, session, key, group, password)
        .await?
        .send()
        .await
        .map_err(|e| code(Err::<(), _>(e)))
}

/// DEVICE_SRP_AUTH, and the DEVICE_PASSWORD_VERIFIER answer ready to send.
async fn device_srp_answer(
    srv: &TestServer,
    client: &str,
    session: &str,
    key: &str,
    group: &str,
    password: &str,
) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::builders::RespondToAuthChallengeFluentBuilder, String>{
    let a: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(53).wrapping_add(7));
    let step = srv
        .idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::DeviceSrpAuth)
        .session(session)
        .challenge_responses("USERNAME", "dee")
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("SRP_A", srp::client::client_public(&a))
        .send()
        .await
        .map_err(|e| code(Err::<(), _>(e)))?;
    assert_eq!(
        step.challenge_name(),
        Some(&ChallengeNameType::DevicePasswordVerifier)
    );
    let p = step.challenge_parameters().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = srp::client::client_signature(
        group,
        key,
        password,
        &p["SALT"],
        &p["SRP_B"],
        &a,
        &p["SECRET_BLOCK"],
        now,
    )
    .unwrap();
    Ok(srv
        .idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::DevicePasswordVerifier)
        .session(step.session().unwrap())
        .challenge_responses("USERNAME", "dee")
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", srp::format_timestamp(now)))
}

/// A pool tracking devices (ChallengeRequiredOnNewDevice as given) with SMS MFA, and the
/// user "dee" with SMS MFA on.
pub(crate) async fn device_pool(srv: &TestServer, challenge_required: bool) -> (String, String) {
    let (pool, client) = setup(srv).await;
    let c = &srv.idp;
    c.update_user_pool()
        .user_pool_id(&pool)
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(challenge_required)
                .device_only_remembered_on_user_prompt(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_configuration(crate::mfa::sms_configuration())
                .build(),
        )
        .send()
        .await
        .unwrap();
    user(srv, &pool, "dee").await;
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("dee")
        .user_attributes(crate::users::attr("phone_number", PHONE))
        .send()
        .await
        .unwrap();
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("dee")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();

    (pool, client)
}

/// A first sign-in (password, then SMS) gets a new device, which confirms itself with its
/// SRP verifier: (device key, device group key, access token, ConfirmDevice's answer).
pub(crate) async fn remember_device(
    srv: &TestServer,
    client: &str,
) -> (
    String,
    String,
    String,
    aws_sdk_cognitoidentityprovider::operation::confirm_device::ConfirmDeviceOutput,
) {
    let c = &srv.idp;
    // A first sign-in (password, then SMS) gets a new device.
    let (ch, _, session, _) = sign_in(srv, client, None).await;
    assert_eq!(ch, Some(ChallengeNameType::SmsMfa));
    let tokens = answer_sms(srv, client, &session.unwrap()).await;
    let meta = tokens.new_device_metadata().unwrap();
    let (key, group) = (
        meta.device_key().unwrap().to_string(),
        meta.device_group_key().unwrap().to_string(),
    );
    assert!(key.starts_with("us-east-1_"));
    let access = tokens.access_token().unwrap();
    assert_eq!(claim(access, "device_key"), key.as_str());

    // The device confirms itself with its SRP verifier.
    let salt = [9u8; 16];
    let verifier = srp::verifier(&group, &key, DEVICE_PASSWORD, &salt);
    let confirmed = c
        .confirm_device()
        .access_token(access)
        .device_key(&key)
        .device_name("laptop")
        .device_secret_verifier_config(
            DeviceSecretVerifierConfigType::builder()
                .password_verifier(STANDARD.encode(&verifier))
                .salt(STANDARD.encode(salt))
                .build(),
        )
        .send()
        .await
        .unwrap();
    (key, group, access.to_string(), confirmed)
}

both!(remembered_devices, async |srv: &TestServer| {
    let (pool, client) = device_pool(srv, true).await;
    let c = &srv.idp;
    let (key, group, access, confirmed) = remember_device(srv, &client).await;
    let access = access.as_str();
    assert!(!confirmed.user_confirmation_necessary());
    let d = c
        .get_device()
        .access_token(access)
        .device_key(&key)
        .send()
        .await
        .unwrap()
        .device
        .unwrap();
    let attr = |n: &str| {
        d.device_attributes()
            .iter()
            .find(|a| a.name() == n)
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(attr("device_name").as_deref(), Some("laptop"));
    assert_eq!(
        attr("device_remembered_status").as_deref(),
        Some("remembered")
    );
    let listed = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("dee")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.devices().len(), 1);

    // Signing in on the remembered device: DEVICE_SRP_AUTH instead of the SMS code.
    let (ch, params, session, _) = sign_in(srv, &client, Some(&key)).await;
    assert_eq!(ch, Some(ChallengeNameType::DeviceSrpAuth));
    assert_eq!(params["DEVICE_KEY"], key);
    let wrong = device_srp(
        srv,
        &client,
        session.as_deref().unwrap(),
        &key,
        &group,
        "not-the-password",
    )
    .await;
    assert_eq!(wrong.unwrap_err(), "NotAuthorizedException");
    let (_, _, session, _) = sign_in(srv, &client, Some(&key)).await;
    let done = device_srp(
        srv,
        &client,
        session.as_deref().unwrap(),
        &key,
        &group,
        DEVICE_PASSWORD,
    )
    .await
    .unwrap();
    let result = done.authentication_result().unwrap();
    assert!(result.new_device_metadata().is_none());
    assert_eq!(
        claim(result.access_token().unwrap(), "device_key"),
        key.as_str()
    );
    // A device's proof signs in once (docs/adr/0014): ten answers released together.
    let (_, _, session, _) = sign_in(srv, &client, Some(&key)).await;
    let answer = device_srp_answer(
        srv,
        &client,
        session.as_deref().unwrap(),
        &key,
        &group,
        DEVICE_PASSWORD,
    )
    .await
    .unwrap();
    let results = crate::harness::together(10, |_| {
        let answer = answer.clone();
        async move {
            answer
                .send()
                .await
                .map(|r| r.authentication_result().is_some())
                .map_err(|e| code(Err::<(), _>(e)))
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r == &&Ok(true)).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e == "NotAuthorizedException"),
        "{results:?}"
    );
    // Refreshed tokens stay on the device.
    let refreshed = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", result.refresh_token().unwrap())
        .auth_parameters("DEVICE_KEY", &key)
        .send()
        .await
        .unwrap();
    let refreshed = refreshed.authentication_result().unwrap();
    assert_eq!(
        claim(refreshed.access_token().unwrap(), "device_key"),
        key.as_str()
    );

    // Not remembered any more: the device is still proven, and MFA is asked again.
    c.admin_update_device_status()
        .user_pool_id(&pool)
        .username("dee")
        .device_key(&key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .unwrap();
    let (_, _, session, _) = sign_in(srv, &client, Some(&key)).await;
    let step = device_srp(
        srv,
        &client,
        session.as_deref().unwrap(),
        &key,
        &group,
        DEVICE_PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(step.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let tokens = answer_sms(srv, &client, step.session().unwrap()).await;
    assert!(tokens.new_device_metadata().is_none());

    // Forgotten: the key no longer helps, and a new device comes with the next sign-in.
    c.forget_device()
        .access_token(tokens.access_token().unwrap())
        .device_key(&key)
        .send()
        .await
        .unwrap();
    let r = c
        .admin_get_device()
        .user_pool_id(&pool)
        .username("dee")
        .device_key(&key)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let (ch, _, session, _) = sign_in(srv, &client, Some(&key)).await;
    assert_eq!(ch, Some(ChallengeNameType::SmsMfa));
    let tokens = answer_sms(srv, &client, &session.unwrap()).await;
    assert!(tokens.new_device_metadata().is_some());
});

// ChallengeRequiredOnNewDevice false: a remembered device is proven, and MFA is still asked
// (API reference, DeviceConfigurationType).
both!(
    a_remembered_device_skips_mfa_only_when_the_pool_says_so,
    async |srv: &TestServer| {
        let (_, client) = device_pool(srv, false).await;
        let (key, group, _, _) = remember_device(srv, &client).await;
        let (ch, _, session, _) = sign_in(srv, &client, Some(&key)).await;
        assert_eq!(ch, Some(ChallengeNameType::DeviceSrpAuth));
        let step = device_srp(
            srv,
            &client,
            session.as_deref().unwrap(),
            &key,
            &group,
            DEVICE_PASSWORD,
        )
        .await
        .unwrap();
        assert_eq!(step.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    }
);
