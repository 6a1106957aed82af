//! Talking to a Tessera under test: the admin credentials, unsigned AWS JSON 1.1 calls,
//! the password and SRP sign-ins, and the setup of a pool's clients and users.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, MessageActionType, PreventUserExistenceErrorTypes,
};
use serde_json::{Value, json};
use tessera_core::rand::Rng;

/// The admin key pair the benchmarks give the server.
pub const AKID: &str = "AKIDTESSERABENCH0001";
pub const SECRET: &str = "bench-secret-access-key-0123456789abcdef";
/// Every benchmark user's password.
pub const PASSWORD: &str = "Bench-Passw0rd!";

/// An unsigned AWS JSON 1.1 call; `Err` is "Code: message" or a transport error.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    op: &str,
    body: &Value,
) -> Result<Value, String> {
    let r = http
        .post(url)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let ok = r.status().is_success();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if ok {
        Ok(v)
    } else {
        Err(format!(
            "{}: {}",
            v["__type"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        ))
    }
}

pub fn tokens(v: &Value) -> Result<(String, String), String> {
    let r = &v["AuthenticationResult"];
    match (r["AccessToken"].as_str(), r["RefreshToken"].as_str()) {
        (Some(a), refresh) => Ok((a.to_string(), refresh.unwrap_or_default().to_string())),
        _ => Err(format!("no tokens: {v}")),
    }
}

pub async fn password_sign_in(
    http: &reqwest::Client,
    url: &str,
    client: &str,
    user: &str,
    password: &str,
) -> Result<Value, String> {
    let body = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client,
        "AuthParameters": { "USERNAME": user, "PASSWORD": password },
    });
    call(http, url, "InitiateAuth", &body).await
}

/// Both round trips of USER_SRP_AUTH with `PASSWORD`, as a client computes them; the
/// final answer.
pub async fn srp_sign_in(
    http: &reqwest::Client,
    url: &str,
    pool: &str,
    client: &str,
    user: &str,
) -> Result<Value, String> {
    let mut a = [0u8; 32];
    tessera_core::rand::SystemRng.fill(&mut a);
    let srp_a = tokio::task::spawn_blocking(move || tessera_core::srp::client::client_public(&a))
        .await
        .map_err(|e| e.to_string())?;
    let body = json!({
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": client,
        "AuthParameters": { "USERNAME": user, "SRP_A": srp_a },
    });
    let ch = call(http, url, "InitiateAuth", &body).await?;
    let p = &ch["ChallengeParameters"];
    let get = |k: &str| p[k].as_str().unwrap_or_default().to_string();
    let (user_id, salt, srp_b, block) = (
        get("USER_ID_FOR_SRP"),
        get("SALT"),
        get("SRP_B"),
        get("SECRET_BLOCK"),
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (pool, uid, blk) = (pool.to_string(), user_id.clone(), block.clone());
    let signature = tokio::task::spawn_blocking(move || {
        tessera_core::srp::client::client_signature(
            tessera_core::srp::pool_name(&pool),
            &uid,
            PASSWORD,
            &salt,
            &srp_b,
            &a,
            &blk,
            now,
        )
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("client signature: {e:?}"))?;
    let body = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": client,
        "Session": ch["Session"],
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": tessera_core::srp::format_timestamp(now),
        },
    });
    call(http, url, "RespondToAuthChallenge", &body).await
}

/// One request (one complete sign-in for SRP) of `load`, on item `i` of its pool.
/// One kind of load against the server under test.
pub fn admin(url: &str) -> aws_sdk_cognitoidentityprovider::Client {
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "bench"))
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(conf)
}

pub async fn create_client(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    name: &str,
    hide_users: bool,
) -> String {
    let mut req = idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
    if hide_users {
        req = req.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled);
    }
    req.send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

pub async fn create_users(idp: &aws_sdk_cognitoidentityprovider::Client, pool: &str, n: usize) {
    let idp = idp.clone();
    let pool = pool.to_string();
    let mut set = tokio::task::JoinSet::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(8));
    for i in 0..n {
        let (idp, pool, sem) = (idp.clone(), pool.clone(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            let name = format!("user{i:04}");
            idp.admin_create_user()
                .user_pool_id(&pool)
                .username(&name)
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .unwrap();
            idp.admin_set_user_password()
                .user_pool_id(&pool)
                .username(&name)
                .password(PASSWORD)
                .permanent(true)
                .send()
                .await
                .unwrap();
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
}
