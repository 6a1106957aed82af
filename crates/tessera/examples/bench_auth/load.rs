//! The load: what each phase sends, the sign-in clients, and the setup through the AWS SDK.

use super::*;
// ---------------------------------------------------------------------------------------
// Load.

pub(crate) struct Ctx {
    pub(crate) http: reqwest::Client,
    pub(crate) url: String,
    /// host:port of the server, for the raw connections.
    pub(crate) addr: String,
    /// Ready-made HTTP/1.1 requests: GetUser per access token, REFRESH_TOKEN_AUTH per
    /// refresh token, and the JWKS GET.
    pub(crate) get_user_reqs: Vec<Vec<u8>>,
    pub(crate) refresh_reqs: Vec<Vec<u8>>,
    pub(crate) jwks_req: Vec<u8>,
    pub(crate) pool: String,
    pub(crate) client: String,
    pub(crate) users: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Load {
    Password,
    Srp,
    Refresh,
    GetUser,
    Jwks,
}

impl Load {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Load::Password => "USER_PASSWORD_AUTH",
            Load::Srp => "USER_SRP_AUTH (both round trips)",
            Load::Refresh => "REFRESH_TOKEN_AUTH",
            Load::GetUser => "GetUser",
            Load::Jwks => "JWKS GET",
        }
    }
    pub(crate) fn key(self) -> &'static str {
        match self {
            Load::Password => "password",
            Load::Srp => "srp",
            Load::Refresh => "refresh",
            Load::GetUser => "get_user",
            Load::Jwks => "jwks",
        }
    }
}

/// An unsigned AWS JSON 1.1 call; `Err` is "Code: message" or a transport error.
pub(crate) async fn call(
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

pub(crate) fn tokens(v: &Value) -> Result<(String, String), String> {
    let r = &v["AuthenticationResult"];
    match (r["AccessToken"].as_str(), r["RefreshToken"].as_str()) {
        (Some(a), refresh) => Ok((a.to_string(), refresh.unwrap_or_default().to_string())),
        _ => Err(format!("no tokens: {v}")),
    }
}

pub(crate) async fn password_sign_in(
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

pub(crate) async fn srp_sign_in(ctx: &Ctx, user: &str) -> Result<(), String> {
    let mut a = [0u8; 32];
    tessera_core::rand::SystemRng.fill(&mut a);
    let srp_a = tokio::task::spawn_blocking(move || tessera_core::srp::client::client_public(&a))
        .await
        .map_err(|e| e.to_string())?;
    let body = json!({
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": ctx.client,
        "AuthParameters": { "USERNAME": user, "SRP_A": srp_a },
    });
    let ch = call(&ctx.http, &ctx.url, "InitiateAuth", &body).await?;
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
    let (pool, uid, blk) = (ctx.pool.clone(), user_id.clone(), block.clone());
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
        "ClientId": ctx.client,
        "Session": ch["Session"],
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": tessera_core::srp::format_timestamp(now),
        },
    });
    let done = call(&ctx.http, &ctx.url, "RespondToAuthChallenge", &body).await?;
    tokens(&done).map(|_| ())
}

/// One request (one complete sign-in for SRP) of `load`, on item `i` of its pool.
/// One kind of load against the server under test.
pub(crate) struct Job {
    pub(crate) ctx: Arc<Ctx>,
    pub(crate) load: Load,
}

impl Target for Job {
    fn key(&self) -> String {
        self.load.key().to_string()
    }

    fn one(
        &self,
        conn: &mut Option<RawConn>,
        i: usize,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send {
        one(&self.ctx, conn, self.load, i)
    }
}

pub(crate) async fn one(
    ctx: &Ctx,
    conn: &mut Option<RawConn>,
    load: Load,
    i: usize,
) -> Result<(), String> {
    match load {
        Load::Password => {
            let user = &ctx.users[i % ctx.users.len()];
            let v = password_sign_in(&ctx.http, &ctx.url, &ctx.client, user, PASSWORD).await?;
            tokens(&v).map(|_| ())
        }
        Load::Srp => srp_sign_in(ctx, &ctx.users[i % ctx.users.len()]).await,
        Load::Refresh => {
            let req = &ctx.refresh_reqs[i % ctx.refresh_reqs.len()];
            raw_call(&ctx.addr, conn, req, "\"AccessToken\"").await
        }
        Load::GetUser => {
            let req = &ctx.get_user_reqs[i % ctx.get_user_reqs.len()];
            raw_call(&ctx.addr, conn, req, "\"Username\"").await
        }
        Load::Jwks => raw_call(&ctx.addr, conn, &ctx.jwks_req, "\"keys\"").await,
    }
}

/// Sends a ready-made request to `addr` on the task's connection (opened on first use, reopened
/// after an error) and checks that a 200 answer contains `key`; otherwise the Cognito error
/// as text. The answers are not parsed: at tens of thousands per second a JSON parse per
/// answer would make the one-core generator, not the server, the limit.
pub(crate) async fn raw_call(
    addr: &str,
    conn: &mut Option<RawConn>,
    req: &[u8],
    key: &str,
) -> Result<(), String> {
    if conn.is_none() {
        *conn = Some(RawConn::connect(addr).await?);
    }
    let c = conn.as_mut().ok_or("no connection")?;
    let (status, body) = match c.send(req).await {
        Ok(r) => r,
        Err(e) => {
            *conn = None;
            return Err(e);
        }
    };
    if status == 200 && body.windows(key.len()).any(|w| w == key.as_bytes()) {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    Err(format!(
        "{status} {}: {}",
        v["__type"].as_str().unwrap_or("?"),
        v["message"].as_str().unwrap_or("")
    ))
}

/// The floor: the same open-loop schedule against a server that does nothing (see
/// [`serve_floor`](super::server::serve_floor)), on the server's CPU, in the same run.
pub(crate) struct Floor {
    pub(crate) addr: String,
    pub(crate) req: Vec<u8>,
}

impl Target for Floor {
    fn key(&self) -> String {
        "floor".into()
    }

    fn one(
        &self,
        conn: &mut Option<RawConn>,
        _i: usize,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send {
        raw_call(&self.addr, conn, &self.req, "\"floor\"")
    }
}

// ---------------------------------------------------------------------------------------
// Setup.

pub(crate) fn admin(url: &str) -> aws_sdk_cognitoidentityprovider::Client {
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "bench"))
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(conf)
}

pub(crate) async fn create_client(
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

pub(crate) async fn create_users(
    idp: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    n: usize,
) {
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

// ---------------------------------------------------------------------------------------
