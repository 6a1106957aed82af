//! Lambda triggers delivered to a webhook receiver in this process: the exact event JSON
//! (shaped as in the developer guide's examples), the signature, the effect of each answer,
//! and the failure paths (an error, a timeout, an answer that is not JSON, an unmapped
//! function), none of which leaves a partial user behind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, LambdaConfigType, PreTokenGenerationLambdaVersionType,
    PreTokenGenerationVersionConfigType,
};
use serde_json::{Value, json};
use tessera_delivery::TriggerTarget;

use crate::auth::{PASSWORD, claims, login, setup};
use crate::harness::{Backend, TestServer, code};

const SECRET: &str = "trigger-signing-secret";

pub(crate) fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// What the receiver saw: path, event, signature header.
pub(crate) type Seen = Arc<Mutex<Vec<(String, Value, Option<String>)>>>;

/// A receiver answering by path, recording every event with its signature header.
pub(crate) async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let log = log.clone();
        async move {
            let path = req.uri().path().to_string();
            let sig = req
                .headers()
                .get("x-tessera-signature")
                .map(|v| v.to_str().unwrap().to_string());
            let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap();
            let event: Value = serde_json::from_slice(&body).unwrap();
            let expected = tessera_delivery::sms_webhook::signature(SECRET.as_bytes(), &body);
            assert_eq!(sig.as_deref(), Some(expected.as_str()), "signed body");
            log.lock().unwrap().push((path.clone(), event.clone(), sig));
            let mut e = event;
            let answer = match path.as_str() {
                "/confirm" => {
                    e["response"] = json!({"autoConfirmUser": true, "autoVerifyEmail": true});
                    (200, e.to_string())
                }
                "/refuse" => (500, json!({"errorMessage": "no thanks"}).to_string()),
                "/slow" => {
                    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
                    (200, e.to_string())
                }
                "/garbage" => (200, "this is not json".to_string()),
                "/tokens-v2" => {
                    e["response"] = json!({"claimsAndScopeOverrideDetails": {
                        "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}, "claimsToSuppress": ["email"]},
                        "accessTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold", "sub": "forged"}, "scopesToAdd": ["orders/read"]},
                        "groupOverrideDetails": {"groupsToOverride": ["vip"]}
                    }});
                    (200, e.to_string())
                }
                // Version 3 for a machine token: a claim from the client metadata, a scope.
                "/tokens-v3" => {
                    let tenant = e["request"]["clientMetadata"]["tenant"].clone();
                    e["response"] = json!({"claimsAndScopeOverrideDetails": {
                        "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": tenant}, "scopesToAdd": ["orders/audit"]}
                    }});
                    (200, e.to_string())
                }
                "/tokens-v1" => {
                    e["response"] = json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"tier": "silver"}}});
                    (200, e.to_string())
                }
                "/message" => {
                    e["response"] = json!({
                        "emailSubject": "Welcome to Tessera",
                        "emailMessage": format!("Hello {}, your code is {{####}}", e["request"]["usernameParameter"].as_str().unwrap()),
                        "smsMessage": "code {####}"
                    });
                    (200, e.to_string())
                }
                "/migrate" => {
                    let name = e["userName"].as_str().unwrap().to_string();
                    let pw = e["request"]["password"].clone();
                    if pw.is_null() || pw == "Legacy-pass1!" {
                        e["response"] = json!({
                            "userAttributes": {"email": format!("{name}@legacy.example"), "email_verified": "true"},
                            "finalUserStatus": "CONFIRMED",
                            "messageAction": "SUPPRESS"
                        });
                        (200, e.to_string())
                    } else {
                        (400, json!({"errorMessage": "Bad password"}).to_string())
                    }
                }
                // CUSTOM_AUTH: "6 x 7?", three tries.
                "/define" => {
                    let history = e["request"]["session"].as_array().cloned().unwrap_or_default();
                    let last_ok = history.last().is_some_and(|h| h["challengeResult"] == true);
                    e["response"] = if last_ok {
                        json!({"issueTokens": true, "failAuthentication": false})
                    } else if history.len() >= 3 {
                        json!({"issueTokens": false, "failAuthentication": true})
                    } else {
                        json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false})
                    };
                    (200, e.to_string())
                }
                // CUSTOM_AUTH after SRP: the password first, then the question.
                "/define-srp" => {
                    let history = e["request"]["session"].as_array().cloned().unwrap_or_default();
                    let last = history.last().cloned().unwrap_or_default();
                    e["response"] = match (last["challengeName"].as_str(), last["challengeResult"] == true) {
                        (Some("SRP_A"), true) => json!({"challengeName": "PASSWORD_VERIFIER"}),
                        (Some("PASSWORD_VERIFIER"), true) => json!({"challengeName": "CUSTOM_CHALLENGE"}),
                        (Some("CUSTOM_CHALLENGE"), true) => json!({"issueTokens": true}),
                        _ => json!({"failAuthentication": true}),
                    };
                    (200, e.to_string())
                }
                "/create" => {
                    e["response"] = json!({
                        "publicChallengeParameters": {"question": "6 x 7?"},
                        "privateChallengeParameters": {"answer": "42"},
                        "challengeMetadata": "MULTIPLY"
                    });
                    (200, e.to_string())
                }
                "/verify" => {
                    let ok = e["request"]["challengeAnswer"] == e["request"]["privateChallengeParameters"]["answer"];
                    e["response"] = json!({"answerCorrect": ok});
                    (200, e.to_string())
                }
                _ => (200, e.to_string()),
            };
            (
                axum::http::StatusCode::from_u16(answer.0).unwrap(),
                [("content-type", "application/json")],
                answer.1,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

pub(crate) async fn server(backend: Backend, base: &str) -> Option<TestServer> {
    server_with(backend, base, |_| {}).await
}

/// [`server`] with further settings.
pub(crate) async fn server_with(
    backend: Backend,
    base: &str,
    edit: impl FnOnce(&mut tessera::Settings),
) -> Option<TestServer> {
    let targets: HashMap<String, TriggerTarget> = [
        "confirm",
        "refuse",
        "slow",
        "garbage",
        "tokens-v2",
        "tokens-v1",
        "echo",
        "define",
        "create",
        "verify",
        "message",
        "migrate",
        "define-srp",
        "sender",
        "tokens-v3",
    ]
    .into_iter()
    .map(|n| {
        (
            arn(n),
            TriggerTarget::Http {
                url: format!("{base}/{n}"),
                secret: Some(tessera_core::secret::Secret::new(SECRET.into())),
            },
        )
    })
    .collect();
    TestServer::start_custom(
        backend,
        Arc::new(tessera_core::clock::SystemClock),
        move |s| {
            s.triggers = targets;
            edit(s);
        },
    )
    .await
}

pub(crate) async fn set_triggers(srv: &TestServer, pool: &str, cfg: LambdaConfigType) {
    srv.idp
        .update_user_pool()
        .user_pool_id(pool)
        .lambda_config(cfg)
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .send()
        .await
        .unwrap();
}

async fn sign_up(srv: &TestServer, client: &str, name: &str) -> Result<bool, String> {
    srv.idp
        .sign_up()
        .client_id(client)
        .username(name)
        .password(PASSWORD)
        .user_attributes(crate::users::attr("email", &format!("{name}@example.com")))
        .validation_data(crate::users::attr("invite", "abc"))
        .send()
        .await
        .map(|r| r.user_confirmed)
        .map_err(|e| {
            let code = aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::code(&e)
                .unwrap_or_default()
                .to_string();
            let msg = aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(&e)
                .unwrap_or_default()
                .to_string();
            format!("{code}: {msg}")
        })
}

async fn run(backend: Backend) {
    let (base, seen) = receiver().await;
    let Some(srv) = server(backend, &base).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let (pool, client) = setup(&srv).await;

    // PreSignUp confirms the user and verifies the email; the event is Cognito's.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_sign_up(arn("confirm"))
            .post_confirmation(arn("echo"))
            .build(),
    )
    .await;
    assert_eq!(sign_up(&srv, &client, "tia").await, Ok(true));
    let (path, event, _) = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(path, "/confirm");
    assert_eq!(event["version"], "1");
    assert_eq!(event["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(event["userPoolId"], pool.as_str());
    assert_eq!(event["userName"], "tia");
    assert_eq!(event["callerContext"]["clientId"], client.as_str());
    assert!(event["callerContext"]["awsSdkVersion"].is_string());
    assert_eq!(
        event["request"]["userAttributes"]["email"],
        "tia@example.com"
    );
    assert_eq!(event["request"]["validationData"]["invite"], "abc");
    assert_eq!(event["response"], json!({}));
    let u = srv
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("tia")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    let verified = u
        .user_attributes()
        .iter()
        .find(|a| a.name() == "email_verified")
        .and_then(|a| a.value());
    assert_eq!(verified, Some("true"));

    // Failures: the function's error, a timeout, an answer that is not JSON, a function no
    // target is configured for. None leaves a user behind.
    for (name, want_code, want) in [
        (
            "refuse",
            "UserLambdaValidationException",
            Some("PreSignUp failed with error no thanks."),
        ),
        (
            "garbage",
            "InvalidLambdaResponseException",
            Some("Unrecognizable lambda output"),
        ),
        ("slow", "UnexpectedLambdaException", None),
        ("nowhere", "UnexpectedLambdaException", None),
    ] {
        set_triggers(
            &srv,
            &pool,
            LambdaConfigType::builder().pre_sign_up(arn(name)).build(),
        )
        .await;
        let user = format!("u-{name}");
        let r = sign_up(&srv, &client, &user).await.unwrap_err();
        assert!(r.starts_with(want_code), "{name}: {r}");
        if let Some(m) = want {
            assert!(r.ends_with(m), "{name}: {r}");
        }
        let gone = srv
            .idp
            .admin_get_user()
            .user_pool_id(&pool)
            .username(&user)
            .send()
            .await;
        assert_eq!(code(gone), "UserNotFoundException", "{name}");
    }

    // AdminCreateUser fires PreSignUp too, and a refusal creates nobody.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_sign_up(arn("refuse"))
            .build(),
    )
    .await;
    let r = srv
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("adm")
        .send()
        .await;
    assert_eq!(code(r), "UserLambdaValidationException");
    assert_eq!(
        seen.lock().unwrap().last().unwrap().1["triggerSource"],
        "PreSignUp_AdminCreateUser"
    );
    let gone = srv
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("adm")
        .send()
        .await;
    assert_eq!(code(gone), "UserNotFoundException");

    // PostConfirmation after a code; PostAuthentication after a sign-in.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .post_confirmation(arn("echo"))
            .post_authentication(arn("echo"))
            .build(),
    )
    .await;
    assert_eq!(sign_up(&srv, &client, "una").await, Ok(false));
    let code_sent = srv.last_code("una@example.com");
    srv.idp
        .confirm_sign_up()
        .client_id(&client)
        .username("una")
        .confirmation_code(code_sent)
        .send()
        .await
        .unwrap();
    let last = seen.lock().unwrap().last().cloned().unwrap().1;
    assert_eq!(last["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(
        last["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    login(&srv, &client, "una", PASSWORD).await.unwrap();
    let last = seen.lock().unwrap().last().cloned().unwrap().1;
    assert_eq!(last["triggerSource"], "PostAuthentication_Authentication");

    // Pre token generation, version 2: claims added and suppressed, a scope added, groups
    // overridden; protected claims stay.
    let v2 = PreTokenGenerationVersionConfigType::builder()
        .lambda_arn(arn("tokens-v2"))
        .lambda_version(PreTokenGenerationLambdaVersionType::V20)
        .build()
        .unwrap();
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_token_generation_config(v2)
            .build(),
    )
    .await;
    let t = login(&srv, &client, "una", PASSWORD).await.unwrap();
    let (id, access) = (
        claims(t.id_token().unwrap()),
        claims(t.access_token().unwrap()),
    );
    assert_eq!(id["tier"], "gold");
    assert!(id.get("email").is_none());
    assert_eq!(access["tier"], "gold");
    assert_ne!(access["sub"], "forged");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");
    assert_eq!(access["cognito:groups"], json!(["vip"]));
    let event = seen.lock().unwrap().last().cloned().unwrap().1;
    assert_eq!(event["version"], "2");
    assert_eq!(event["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(
        event["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    // Refreshes run it too.
    let r = srv
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", t.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        claims(r.authentication_result().unwrap().id_token().unwrap())["tier"],
        "gold"
    );
    assert_eq!(
        seen.lock().unwrap().last().unwrap().1["triggerSource"],
        "TokenGeneration_RefreshTokens"
    );

    // Version 1 changes the ID token only.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_token_generation(arn("tokens-v1"))
            .build(),
    )
    .await;
    let t = login(&srv, &client, "una", PASSWORD).await.unwrap();
    assert_eq!(claims(t.id_token().unwrap())["tier"], "silver");
    assert!(claims(t.access_token().unwrap()).get("tier").is_none());
    // A refusing pre token generation refuses the sign-in.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_token_generation(arn("refuse"))
            .build(),
    )
    .await;
    let r = login(&srv, &client, "una", PASSWORD).await;
    assert_eq!(r.unwrap_err(), "UserLambdaValidationException");

    // CustomMessage rewrites the code message; PostConfirmation follows a password reset.
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
        .forgot_password()
        .client_id(&client)
        .username("una")
        .send()
        .await
        .unwrap();
    let sent = srv.outbox().last().cloned().unwrap();
    assert_eq!(sent["subject"], "Welcome to Tessera");
    let event = seen.lock().unwrap().last().cloned().unwrap().1;
    assert_eq!(event["triggerSource"], "CustomMessage_ForgotPassword");
    assert_eq!(event["request"]["codeParameter"], "{####}");
    let reset_code = srv.last_code("una@example.com");
    srv.idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("una")
        .confirmation_code(reset_code)
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().last().unwrap().1["triggerSource"],
        "PostConfirmation_ConfirmForgotPassword"
    );

    // UserMigration brings users in at sign-in (with their password) and at ForgotPassword.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .user_migration(arn("migrate"))
            .build(),
    )
    .await;
    let r = login(&srv, &client, "mo", "Wrong-pass1!").await;
    assert_eq!(r.unwrap_err(), "UserLambdaValidationException");
    let t = login(&srv, &client, "mo", "Legacy-pass1!").await.unwrap();
    assert_eq!(claims(t.id_token().unwrap())["email"], "mo@legacy.example");
    let event = seen.lock().unwrap().last().cloned().unwrap().1;
    assert_eq!(event["triggerSource"], "UserMigration_Authentication");
    let calls = seen.lock().unwrap().len();
    login(&srv, &client, "mo", "Legacy-pass1!").await.unwrap();
    assert_eq!(
        seen.lock().unwrap().len(),
        calls,
        "an existing user is not migrated again"
    );
    srv.idp
        .forgot_password()
        .client_id(&client)
        .username("ned")
        .send()
        .await
        .unwrap();
    let ned = srv
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("ned")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ned.user_status().map(|s| s.as_str()),
        Some("RESET_REQUIRED")
    );
    assert!(!srv.last_code("ned@legacy.example").is_empty());

    // PreAuthentication may refuse a sign-in before the password is checked.
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_authentication(arn("refuse"))
            .build(),
    )
    .await;
    let r = login(&srv, &client, "una", PASSWORD).await;
    assert_eq!(r.unwrap_err(), "UserLambdaValidationException");
    set_triggers(
        &srv,
        &pool,
        LambdaConfigType::builder()
            .pre_authentication(arn("echo"))
            .build(),
    )
    .await;
    login(&srv, &client, "una", PASSWORD).await.unwrap();
    assert_eq!(
        seen.lock().unwrap().last().unwrap().1["triggerSource"],
        "PreAuthentication_Authentication"
    );

    // CUSTOM_AUTH: define, create, verify, with the history in the session.
    let custom = LambdaConfigType::builder()
        .define_auth_challenge(arn("define"))
        .create_auth_challenge(arn("create"))
        .verify_auth_challenge_response(arn("verify"))
        .build();
    set_triggers(&srv, &pool, custom).await;
    let client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("custom")
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowCustomAuth,
        )
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let start = |name: &'static str| {
        srv.idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::CustomAuth)
            .auth_parameters("USERNAME", name)
            .send()
    };
    let answer = |session: String, value: &'static str| {
        srv.idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(
                aws_sdk_cognitoidentityprovider::types::ChallengeNameType::CustomChallenge,
            )
            .session(session)
            .challenge_responses("USERNAME", "una")
            .challenge_responses("ANSWER", value)
            .client_metadata("probe", "yes")
            .send()
    };
    let step = start("una").await.unwrap();
    assert_eq!(step.challenge_parameters().unwrap()["question"], "6 x 7?");
    assert_eq!(step.challenge_parameters().unwrap()["USERNAME"], "una");
    let wrong = answer(step.session().unwrap().to_string(), "41")
        .await
        .unwrap();
    assert_eq!(
        wrong.challenge_name().map(|c| c.as_str()),
        Some("CUSTOM_CHALLENGE")
    );
    let define = seen
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(p, ..)| p == "/define")
        .cloned()
        .unwrap()
        .1;
    assert_eq!(
        define["request"]["session"],
        json!([{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "MULTIPLY"}])
    );

    assert_eq!(
        define["request"]["clientMetadata"],
        json!({"probe": "yes"}),
        "ClientMetadata reaches the triggers"
    );
    // The same session cannot be answered twice.
    let r = answer(step.session().unwrap().to_string(), "42").await;
    assert_eq!(code(r), "NotAuthorizedException");
    let right = answer(wrong.session().unwrap().to_string(), "42")
        .await
        .unwrap();
    assert!(
        right
            .authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    // Three wrong answers fail the sign-in.
    let mut s1 = start("una").await.unwrap().session().unwrap().to_string();
    for i in 0..3 {
        let r = answer(s1.clone(), "0").await;
        if i < 2 {
            s1 = r.unwrap().session().unwrap().to_string();
        } else {
            assert_eq!(code(r), "NotAuthorizedException");
        }
    }

    // CUSTOM_AUTH that starts with SRP (SRP_A, then PASSWORD_VERIFIER, then the question).
    let with_srp = LambdaConfigType::builder()
        .define_auth_challenge(arn("define-srp"))
        .create_auth_challenge(arn("create"))
        .verify_auth_challenge_response(arn("verify"))
        .build();
    set_triggers(&srv, &pool, with_srp).await;
    let a: [u8; 32] = [5u8; 32];
    let step = srv
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "una")
        .auth_parameters("SRP_A", tessera_core::srp::client::client_public(&a))
        .auth_parameters("CHALLENGE_NAME", "SRP_A")
        .send()
        .await
        .unwrap();
    assert_eq!(
        step.challenge_name().map(|c| c.as_str()),
        Some("PASSWORD_VERIFIER")
    );
    let p = step.challenge_parameters().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = tessera_core::srp::client::client_signature(
        tessera_core::srp::pool_name(&pool),
        &p["USER_ID_FOR_SRP"],
        PASSWORD,
        &p["SALT"],
        &p["SRP_B"],
        &a,
        &p["SECRET_BLOCK"],
        now,
    )
    .unwrap();
    let question = srv
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(aws_sdk_cognitoidentityprovider::types::ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", &p["USER_ID_FOR_SRP"])
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", tessera_core::srp::format_timestamp(now))
        .send()
        .await
        .unwrap();
    assert_eq!(
        question.challenge_name().map(|c| c.as_str()),
        Some("CUSTOM_CHALLENGE")
    );
    let define = seen
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(p, ..)| p == "/define-srp")
        .cloned()
        .unwrap()
        .1;
    assert_eq!(
        define["request"]["session"],
        json!([
            {"challengeName": "SRP_A", "challengeResult": true},
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": true}
        ])
    );
    let done = answer(question.session().unwrap().to_string(), "42")
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
    srv.stop().await;
}

#[tokio::test]
async fn triggers_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn triggers_postgres() {
    run(Backend::Postgres).await;
}
