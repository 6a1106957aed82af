//! Sign-in, tokens, refresh, revocation and the user's own operations, driven by the AWS SDK
//! for Rust (SRP's client arithmetic from `tessera_core::srp::client`, since the SDK has
//! none).

mod cache;
mod choice;
mod claims;
mod flows;
mod own;
mod refresh;
mod revocation;
mod timing;

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType,
    MessageActionType,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::harness::TestServer;

pub const PASSWORD: &str = "Passw0rd!";

/// A pool and a client allowing password, SRP and refresh flows (no secret).
pub async fn setup(srv: &TestServer) -> (String, String) {
    setup_with(srv, false).await
}

pub async fn setup_with(srv: &TestServer, secret: bool) -> (String, String) {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("auth")
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
        .generate_secret(secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
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

/// A client with refresh-token rotation after `grace` seconds (password and refresh flows).
pub async fn rotating_client(srv: &TestServer, pool: &str, grace: i32) -> String {
    use aws_sdk_cognitoidentityprovider::types::{FeatureType, RefreshTokenRotationType};
    srv.idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("rotating")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(grace)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// A confirmed user with `PASSWORD` and an email.
pub async fn user(srv: &TestServer, pool: &str, name: &str) {
    srv.idp
        .admin_create_user()
        .user_pool_id(pool)
        .username(name)
        .message_action(MessageActionType::Suppress)
        .user_attributes(crate::users::attr("email", &format!("{name}@example.com")))
        .user_attributes(crate::users::attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    srv.idp
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(name)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

/// USER_PASSWORD_AUTH, returning the tokens.
pub async fn login(
    srv: &TestServer,
    client: &str,
    name: &str,
    password: &str,
) -> Result<AuthenticationResultType, String> {
    srv.idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|e| crate::harness::code(Err::<(), _>(e)))
        .map(|r| r.authentication_result.unwrap())
}

/// Both round trips of USER_SRP_AUTH, as amazon-cognito-identity-js makes them. `Err` is
/// "Code: message" of the failing step.
pub async fn srp_login(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    client: &str,
    name: &str,
    password: &str,
    secret_hash: Option<&dyn Fn(&str) -> String>,
) -> Result<AuthenticationResultType, String> {
    srp_login_between(idp, pool, client, name, password, secret_hash, async || {}).await
}

/// `srp_login`, running `between` after the challenge came and before it is answered.
pub async fn srp_login_between(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    client: &str,
    name: &str,
    password: &str,
    secret_hash: Option<&dyn Fn(&str) -> String>,
    between: impl AsyncFnOnce(),
) -> Result<AuthenticationResultType, String> {
    let respond = srp_answer(idp, pool, client, name, password, secret_hash, between).await?;
    let done = respond.send().await.map_err(|e| srp_failure(&e))?;
    done.authentication_result
        .ok_or_else(|| format!("challenge {:?}", done.challenge_name))
}

fn srp_failure(e: &dyn aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

/// USER_SRP_AUTH's first round trip, and the PASSWORD_VERIFIER answer ready to send.
pub async fn srp_answer(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    client: &str,
    name: &str,
    password: &str,
    secret_hash: Option<&dyn Fn(&str) -> String>,
    between: impl AsyncFnOnce(),
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::builders::RespondToAuthChallengeFluentBuilder,
    String,
>{
    let fail =
        |e: &dyn aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata| srp_failure(e);
    let a: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    let mut start = idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("SRP_A", tessera_core::srp::client::client_public(&a));
    if let Some(h) = secret_hash {
        start = start.auth_parameters("SECRET_HASH", h(name));
    }
    let challenge = start.send().await.map_err(|e| fail(&e))?;
    between().await;
    assert_eq!(
        challenge.challenge_name,
        Some(ChallengeNameType::PasswordVerifier)
    );
    let p: HashMap<String, String> = challenge.challenge_parameters.unwrap();
    let user_id = &p["USER_ID_FOR_SRP"];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = tessera_core::srp::client::client_signature(
        tessera_core::srp::pool_name(pool),
        user_id,
        password,
        &p["SALT"],
        &p["SRP_B"],
        &a,
        &p["SECRET_BLOCK"],
        now,
    )
    .unwrap();
    let mut respond = idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", tessera_core::srp::format_timestamp(now));
    if let Some(h) = secret_hash {
        respond = respond.challenge_responses("SECRET_HASH", h(user_id));
    }
    Ok(respond)
}

/// The payload of a JWT, unverified.
pub fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The header of a JWT.
pub fn header(token: &str) -> serde_json::Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

/// Checks a token's RS256 signature against the pool's published JWKS (fetched over HTTP).
pub async fn verify_with_jwks(srv: &TestServer, pool: &str, token: &str) -> bool {
    let jwks: serde_json::Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = header(token)["kid"].as_str().unwrap().to_string();
    let Some(jwk) = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
    else {
        return false;
    };
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &sig,
        )
        .is_ok()
}

/// GetUser's error code for an access token (`None` when it works).
pub async fn get_user_error(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    access: &str,
) -> Option<String> {
    use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
    match idp.get_user().access_token(access).send().await {
        Ok(_) => None,
        Err(e) => Some(format!(
            "{}: {}",
            e.code().unwrap_or(""),
            e.message().unwrap_or("")
        )),
    }
}
