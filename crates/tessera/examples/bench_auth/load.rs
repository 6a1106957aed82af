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

pub(crate) async fn srp_sign_in(ctx: &Ctx, user: &str) -> Result<(), String> {
    let done =
        common::cognito::srp_sign_in(&ctx.http, &ctx.url, &ctx.pool, &ctx.client, user).await?;
    tokens(&done).map(|_| ())
}

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

// ---------------------------------------------------------------------------------------
