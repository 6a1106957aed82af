//! The rest of the trigger paths, against the webhook receiver of `triggers.rs`: custom email
//! and SMS senders (the code encrypted with the `[[kms_key]]` for the pool's KMSKeyID),
//! CustomMessage for invitations, PostConfirmation after AdminConfirmSignUp, which call's
//! ClientMetadata reaches which trigger, `userNotFound`, pre token generation version 3 for
//! client_credentials tokens, and the trigger metrics.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, CustomEmailLambdaVersionConfigType,
    CustomEmailSenderLambdaVersionType, CustomSmsLambdaVersionConfigType,
    CustomSmsSenderLambdaVersionType, DeliveryMediumType, ExplicitAuthFlowsType, LambdaConfigType,
    PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType,
    PreventUserExistenceErrorTypes,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tessera_core::secret::Secret;

use crate::auth::{PASSWORD, claims, setup};
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;

use crate::harness::{AKID, Backend, SECRET, code};
use crate::triggers::{Seen, arn, receiver, server_with, set_triggers};

const KMS: &str = "arn:aws:kms:us-east-1:123456789012:key/tessera-test";
const KEY: [u8; 32] = [42; 32];

/// What a sender received as `request.code`, decrypted as a sender would.
fn decrypt(code: &str) -> String {
    let raw = STANDARD.decode(code).unwrap();
    let (nonce, body) = raw.split_at(NONCE_LEN);
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &KEY).unwrap());
    let mut body = body.to_vec();
    let plain = key
        .open_in_place(
            Nonce::try_assume_unique_for_key(nonce).unwrap(),
            Aad::empty(),
            &mut body,
        )
        .unwrap();
    String::from_utf8(plain.to_vec()).unwrap()
}

/// The newest event a path received.
fn last(seen: &Seen, path: &str) -> Value {
    seen.lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(p, ..)| p == path)
        .map(|(_, e, _)| e.clone())
        .unwrap_or_else(|| panic!("nothing reached {path}"))
}

fn count(seen: &Seen, path: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|(p, ..)| p == path)
        .count()
}

/// Signs `name` in with the temporary password and sets `PASSWORD` in the
/// NEW_PASSWORD_REQUIRED answer, whose ClientMetadata is `{"step": step}`; `seen` is cleared
/// in between, so it holds what the answer fired.
async fn new_password(
    srv: &crate::harness::TestServer,
    client: &str,
    name: &str,
    step: &str,
    seen: &Seen,
) -> aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput{
    let started = srv
        .idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", "Temp-pass1!")
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    seen.lock().unwrap().clear();
    srv.idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", name)
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .client_metadata("step", step)
        .send()
        .await
        .unwrap()
}

fn senders() -> LambdaConfigType {
    LambdaConfigType::builder()
        .custom_email_sender(
            CustomEmailLambdaVersionConfigType::builder()
                .lambda_arn(arn("sender"))
                .lambda_version(CustomEmailSenderLambdaVersionType::V10)
                .build()
                .unwrap(),
        )
        .custom_sms_sender(
            CustomSmsLambdaVersionConfigType::builder()
                .lambda_arn(arn("sender"))
                .lambda_version(CustomSmsSenderLambdaVersionType::V10)
                .build()
                .unwrap(),
        )
        .custom_message(arn("message"))
        .kms_key_id(KMS)
        .build()
}

async fn run(backend: Backend) {
    let (base, seen) = receiver().await;
    let Some(srv) = server_with(backend, &base, |s| {
        s.kms_keys.insert(KMS.into(), Secret::new(KEY.to_vec()));
    })
    .await
    else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let (pool, client) = setup(&srv).await;

    // A custom sender needs a KMSKeyID, as in Cognito.
    let no_key = srv
        .idp
        .update_user_pool()
        .user_pool_id(&pool)
        .lambda_config(
            LambdaConfigType::builder()
                .custom_email_sender(
                    CustomEmailLambdaVersionConfigType::builder()
                        .lambda_arn(arn("sender"))
                        .lambda_version(CustomEmailSenderLambdaVersionType::V10)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(no_key), "InvalidParameterException");

    // The sign-up code goes to the sender, encrypted; nothing reaches the outbox and
    // CustomMessage is not asked (the sender composes its own message).
    set_triggers(&srv, &pool, senders()).await;
    let before = srv.outbox().len();
    srv.idp
        .sign_up()
        .client_id(&client)
        .username("sid")
        .password(PASSWORD)
        .user_attributes(crate::users::attr("email", "sid@example.com"))
        .client_metadata("campaign", "spring")
        .send()
        .await
        .unwrap();
    assert_eq!(
        srv.outbox().len(),
        before,
        "the sender delivers, not Tessera"
    );
    assert_eq!(count(&seen, "/message"), 0);
    let e = last(&seen, "/sender");
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "CustomEmailSender_SignUp");
    assert_eq!(e["userName"], "sid");
    assert_eq!(e["request"]["type"], "customEmailSenderRequestV1");
    assert_eq!(e["request"]["userAttributes"]["email"], "sid@example.com");
    assert_eq!(
        e["request"]["clientMetadata"],
        json!({"campaign": "spring"})
    );
    let sealed = e["request"]["code"].as_str().unwrap();
    let plain = decrypt(sealed);
    assert!(plain.len() == 6 && plain.bytes().all(|b| b.is_ascii_digit()));
    assert!(!sealed.contains(&plain), "the code travels encrypted");
    srv.idp
        .confirm_sign_up()
        .client_id(&client)
        .username("sid")
        .confirmation_code(&plain)
        .send()
        .await
        .unwrap();

    // An invitation by SMS: the temporary password, encrypted, to the SMS sender.
    srv.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("sms-user")
        .temporary_password("Temp-pass1!")
        .desired_delivery_mediums(DeliveryMediumType::Sms)
        .user_attributes(crate::users::attr("phone_number", "+15550001111"))
        .send()
        .await
        .unwrap();
    let e = last(&seen, "/sender");
    assert_eq!(e["triggerSource"], "CustomSMSSender_AdminCreateUser");
    assert_eq!(e["request"]["type"], "customSMSSenderRequestV1");
    assert_eq!(
        decrypt(e["request"]["code"].as_str().unwrap()),
        "Temp-pass1!"
    );

    // A KMSKeyID with no [[kms_key]]: the call fails clearly and nothing is sent.
    let mut other = senders();
    other.kms_key_id = Some("arn:aws:kms:us-east-1:123456789012:key/unknown".into());
    set_triggers(&srv, &pool, other).await;
    let r = srv
        .idp
        .forgot_password()
        .client_id(&client)
        .username("sid")
        .send()
        .await;
    let e = r.unwrap_err();
    assert_eq!(e.code(), Some("UnexpectedLambdaException"));
    assert_eq!(
        e.message(),
        Some(
            "CustomEmailSender invocation failed: no key is configured for the user pool's KMSKeyID."
        )
    );

    // Without senders: CustomMessage composes the invitation, keeping both placeholders.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .custom_message(arn("message"))
            .post_confirmation(arn("echo"))
            .build(),
    )
    .await;
    srv.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("ivy")
        .temporary_password("Temp-pass1!")
        .user_attributes(crate::users::attr("email", "ivy@example.com"))
        .client_metadata("inviter", "admin")
        .send()
        .await
        .unwrap();
    let e = last(&seen, "/message");
    assert_eq!(e["triggerSource"], "CustomMessage_AdminCreateUser");
    assert_eq!(e["request"]["usernameParameter"], "{username}");
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["clientMetadata"], json!({"inviter": "admin"}));
    let sent = srv.outbox().last().cloned().unwrap();
    assert_eq!(sent["subject"], "Welcome to Tessera");
    assert_eq!(sent["body"], "Hello ivy, your code is Temp-pass1!");

    // AdminConfirmSignUp runs PostConfirmation with its ClientMetadata.
    srv.idp
        .sign_up()
        .client_id(&client)
        .username("pat")
        .password(PASSWORD)
        .user_attributes(crate::users::attr("email", "pat@example.com"))
        .send()
        .await
        .unwrap();
    srv.idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("pat")
        .client_metadata("source", "support")
        .send()
        .await
        .unwrap();
    let e = last(&seen, "/echo");
    assert_eq!(e["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(e["userName"], "pat");
    assert_eq!(e["request"]["clientMetadata"], json!({"source": "support"}));
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );

    // ClientMetadata: InitiateAuth's reaches PreAuthentication but not PostAuthentication or
    // pre token generation; RespondToAuthChallenge's reaches both.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_authentication(arn("echo"))
            .post_authentication(arn("echo"))
            .pre_token_generation_config(
                PreTokenGenerationVersionConfigType::builder()
                    .lambda_arn(arn("echo"))
                    .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                    .build()
                    .unwrap(),
            )
            .build(),
    )
    .await;
    seen.lock().unwrap().clear();
    srv.idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "pat")
        .auth_parameters("PASSWORD", PASSWORD)
        .client_metadata("step", "initiate")
        .send()
        .await
        .unwrap();
    let events: Vec<Value> = seen.lock().unwrap().iter().map(|s| s.1.clone()).collect();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication"
        ]
    );
    assert_eq!(
        events[0]["request"]["clientMetadata"],
        json!({"step": "initiate"})
    );
    assert_eq!(events[1]["request"]["clientMetadata"], json!({}));
    assert_eq!(events[2]["request"]["clientMetadata"], json!({}));

    srv.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("newbie")
        .temporary_password("Temp-pass1!")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    new_password(&srv, &client, "newbie", "respond", &seen).await;
    let events: Vec<Value> = seen.lock().unwrap().iter().map(|s| s.1.clone()).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[0]["triggerSource"],
        "PostAuthentication_Authentication"
    );
    assert_eq!(events[1]["triggerSource"], "TokenGeneration_Authentication");
    for e in &events {
        assert_eq!(e["request"]["clientMetadata"], json!({"step": "respond"}));
    }

    // userNotFound: a client that hides missing users still runs PreAuthentication, saying so.
    let hiding = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("hiding")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    seen.lock().unwrap().clear();
    let r = srv
        .idp
        .initiate_auth()
        .client_id(&hiding)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    let e = last(&seen, "/echo");
    assert_eq!(e["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(e["userName"], "nobody");
    assert_eq!(e["request"]["userNotFound"], true);
    assert_eq!(e["request"]["userAttributes"], json!({}));
    // A client that reveals missing users answers at once, without the trigger.
    seen.lock().unwrap().clear();
    let r = crate::auth::login(&srv, &client, "nobody", PASSWORD).await;
    assert_eq!(r.err().as_deref(), Some("UserNotFoundException"));
    assert_eq!(count(&seen, "/echo"), 0);

    // Pre token generation version 3 customises client_credentials tokens (with the
    // request's aws_client_metadata); versions 1 and 2 do not see them.
    let f = crate::oauth::fixture(&srv).await;
    let machine_token = async |metadata: Option<&str>| {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("scope", "orders/read"),
        ];
        if let Some(m) = metadata {
            form.push(("aws_client_metadata", m));
        }
        let r = reqwest::Client::new()
            .post(format!("{}/oauth2/token", f.base))
            .basic_auth(&f.m2m_client, Some(&f.m2m_secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap())
    };
    for (version, fires) in [
        (PreTokenGenerationLambdaVersionType::V20, false),
        (PreTokenGenerationLambdaVersionType::V30, true),
    ] {
        set_triggers(
            &srv,
            &f.pool,
            LambdaConfigType::builder()
                .pre_token_generation_config(
                    PreTokenGenerationVersionConfigType::builder()
                        .lambda_arn(arn("tokens-v3"))
                        .lambda_version(version)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .await;
        seen.lock().unwrap().clear();
        let (status, t) = machine_token(Some(r#"{"tenant":"acme"}"#)).await;
        assert_eq!(status, 200, "{t}");
        let c = claims(t["access_token"].as_str().unwrap());
        if fires {
            let e = last(&seen, "/tokens-v3");
            assert_eq!(e["version"], "3");
            assert_eq!(e["triggerSource"], "TokenGeneration_ClientCredentials");
            assert_eq!(e["callerContext"]["clientId"], f.m2m_client.as_str());
            assert_eq!(e["request"]["scopes"], json!(["orders/read"]));
            assert_eq!(e["request"]["clientMetadata"], json!({"tenant": "acme"}));
            assert_eq!(c["tenant"], "acme");
            assert_eq!(c["scope"], "orders/read orders/audit");
            assert_eq!(c["sub"], f.m2m_client.as_str(), "protected claims stay");
        } else {
            assert_eq!(count(&seen, "/tokens-v3"), 0);
            assert!(c.get("tenant").is_none());
            assert_eq!(c["scope"], "orders/read");
        }
    }
    let (status, t) = machine_token(Some("not json")).await;
    assert_eq!(
        (status, t["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // An MFA code sent after a RespondToAuthChallenge: CustomMessage_Authentication gets
    // that call's ClientMetadata.
    let (mfa_pool, mfa_client) = setup(&srv).await;
    // (UpdateUserPool resets what it is not given, MFA included: triggers first.)
    set_triggers(
        &srv,
        &mfa_pool,
        LambdaConfigType::builder()
            .custom_message(arn("message"))
            .build(),
    )
    .await;
    srv.idp
        .set_user_pool_mfa_config()
        .user_pool_id(&mfa_pool)
        .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::On)
        .sms_mfa_configuration(
            aws_sdk_cognitoidentityprovider::types::SmsMfaConfigType::builder()
                .sms_authentication_message("Code: {####}")
                .sms_configuration(crate::mfa::sms_configuration())
                .build(),
        )
        .send()
        .await
        .unwrap();
    srv.idp
        .admin_create_user()
        .user_pool_id(&mfa_pool)
        .username("mo")
        .temporary_password("Temp-pass1!")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .user_attributes(crate::users::attr("phone_number", "+15550002222"))
        .user_attributes(crate::users::attr("phone_number_verified", "true"))
        .send()
        .await
        .unwrap();
    let mfa = new_password(&srv, &mfa_client, "mo", "new-password", &seen).await;
    assert_eq!(mfa.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let e = last(&seen, "/message");
    assert_eq!(e["triggerSource"], "CustomMessage_Authentication");
    assert_eq!(
        e["request"]["clientMetadata"],
        json!({"step": "new-password"})
    );
    assert_eq!(
        srv.outbox().last().unwrap()["body"],
        format!("code {}", srv.last_code("+15550002222")),
        "the trigger's SMS text, with the code"
    );

    // Each invocation is counted by trigger and outcome; the endpoint is admin-only.
    let http = reqwest::Client::new();
    let metrics = format!("{}/tessera/metrics", srv.url);
    let refused = http.get(&metrics).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let text = http
        .get(&metrics)
        .basic_auth(AKID, Some(SECRET))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"tessera_trigger_invocations_total{trigger="CustomEmailSender",outcome="ok"}"#,
        r#"tessera_trigger_invocations_total{trigger="PreTokenGeneration",outcome="ok"}"#,
        "tessera_trigger_duration_seconds",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(!text.contains("Temp-pass1!"));
    srv.stop().await;
}

#[tokio::test]
async fn trigger_paths_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn trigger_paths_postgres() {
    run(Backend::Postgres).await;
}
