//! `tessera gate`: a reverse proxy that lets through only requests whose bearer token a
//! route accepts, as API Gateway's Cognito authorizer does, and hands the verified claims to
//! the backend in headers. It also answers forward-auth checks for nginx `auth_request`,
//! Traefik ForwardAuth and Envoy's HTTP ext_authz.

mod browser;
pub mod config;
mod revoked;
mod route;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tessera_verify::{Claims, Config, JwksSource, Verifier, VerifyError, refusal};

pub use config::{Auth, GateConfig};
use route::Route;

/// A running gateway.
pub struct Gate {
    pub addr: SocketAddr,
    /// `https` with a certificate, else `http`.
    pub scheme: &'static str,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Gate {
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await??;
        Ok(())
    }

    /// Runs until `signal` completes.
    pub async fn serve_until(
        self,
        signal: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        signal.await;
        self.stop().await
    }
}

struct Shared {
    verifier: Verifier,
    routes: Vec<Route>,
    forward_auth_path: Option<String>,
    /// (claim, header) pairs, in order.
    claim_headers: Vec<(String, HeaderName)>,
    client: Client<HttpConnector, Body>,
    /// Revoked sign-ins, when the gate follows Tessera's revocation feed.
    revoked: Arc<tessera_core::tokens::revocation::RevocationSet>,
    /// Browser mode, when configured.
    browser: Option<browser::Browser>,
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn json_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "message": message }).to_string(),
    )
        .into_response()
}

/// Starts the gateway on `cfg.listen` (https with `cfg.tls_cert_file` and `cfg.tls_key_file`),
/// served and stopped as `tessera serve` is (`crate::serve`).
pub async fn start(cfg: GateConfig) -> anyhow::Result<Gate> {
    let tls = match (&cfg.tls_cert_file, &cfg.tls_key_file) {
        (Some(cert), Some(key)) => Some(crate::tls::acceptor(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!("TLS needs both a certificate and a key file"),
    };
    let mut vc = Config::new(&cfg.issuer.issuer);
    vc.audiences = cfg.issuer.audiences.clone();
    vc.leeway = Duration::from_secs(cfg.issuer.leeway_secs);
    if let Some(url) = &cfg.issuer.jwks_url {
        vc.jwks = Some(JwksSource::Url(url.clone()));
    }
    let routes = cfg
        .routes
        .iter()
        .map(Route::new)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let claim_headers = cfg
        .claim_headers
        .iter()
        .map(|(claim, h)| Ok((claim.clone(), HeaderName::try_from(h.as_str())?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let revoked = Arc::new(tessera_core::tokens::revocation::RevocationSet::default());
    let poller = match &cfg.revocation {
        Some(r) => Some(revoked::follow(r, revoked.clone())?),
        None => None,
    };
    let browser = match &cfg.browser {
        Some(b) => Some(browser::Browser::new(b, &cfg.issuer.issuer)?),
        None => None,
    };
    let shared = Arc::new(Shared {
        browser,
        verifier: Verifier::new(vc),
        routes,
        forward_auth_path: cfg.forward_auth_path.clone(),
        claim_headers,
        client: Client::builder(TokioExecutor::new()).build(connector),
        revoked,
    });
    let app = axum::Router::new().fallback(handle).with_state(shared);
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("binding {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let drain = crate::serve::Drain {
        draining: None,
        delay: Duration::ZERO,
        grace: Duration::from_secs(cfg.shutdown_grace_secs),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        let served = crate::serve::serve(listener, tls, app, stop, drain).await;
        if let Some(p) = poller {
            p.abort();
        }
        served
    });
    Ok(Gate {
        addr,
        scheme,
        shutdown: tx,
        task,
    })
}

async fn handle(State(g): State<Arc<Shared>>, mut req: Request) -> Response {
    if let Some(p) = &g.forward_auth_path
        && (req.uri().path() == p || req.uri().path().starts_with(&format!("{p}/")))
    {
        return forward_auth(&g, p, req).await;
    }
    if let Some(b) = &g.browser
        && b.owns(req.uri().path())
    {
        let (method, uri, headers) = (
            req.method().clone(),
            req.uri().clone(),
            req.headers().clone(),
        );
        return browser_endpoint(&g, b, &method, &uri, &headers).await;
    }
    let Some(route) = g
        .routes
        .iter()
        .find(|r| r.matches(req.method(), req.uri().path()))
    else {
        // API Gateway's answer for a path and method no route has.
        return json_error(StatusCode::FORBIDDEN, "Missing Authentication Token");
    };
    let mut set_cookies = Vec::new();
    if let Some(b) = &g.browser {
        let (uri, headers) = (req.uri().clone(), req.headers().clone());
        match browser_token(b, route, &uri, &headers).await {
            Ok(Some((token, cookies))) => {
                if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
                    req.headers_mut().insert(header::AUTHORIZATION, v);
                }
                set_cookies = cookies;
            }
            Ok(None) => {}
            Err(r) => return r,
        }
        browser::Browser::strip_cookies(req.headers_mut());
    }
    let claims = match authorize(&g, route, req.headers()).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut resp = proxy(&g, route, claims, req).await;
    for c in set_cookies {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// Browser mode's own endpoints (sign in, callback, sign out).
async fn browser_endpoint(
    g: &Shared,
    b: &browser::Browser,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    if method != Method::GET {
        return json_error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    let path = uri.path();
    let query = uri.query();
    if path == b.login_path() {
        b.login(query).await
    } else if path == b.callback_path() {
        b.callback(query, headers, &g.verifier).await
    } else {
        b.logout().await
    }
}

/// For a browser without a bearer token on a route that needs one: the signed-in session's
/// token (refreshed if due, with the new cookies), or the way to sign in. `Ok(None)` leaves
/// the request as it is.
async fn browser_token(
    b: &browser::Browser,
    route: &Route,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Option<(String, Vec<HeaderValue>)>, Response> {
    if route.auth == Auth::Public || tessera_verify::bearer(headers).is_some() {
        return Ok(None);
    }
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let Some(session) = b.session(headers) else {
        return match b.sign_in_first(headers, path_and_query) {
            Some(r) => Err(r),
            None => Ok(None),
        };
    };
    match b.live(session).await {
        Ok((s, cookies)) => {
            let token = match route.auth {
                Auth::Id => s.id.clone().unwrap_or(s.access),
                _ => s.access,
            };
            Ok(Some((token, cookies.unwrap_or_default())))
        }
        Err(()) => {
            // The sign-in ended (refresh refused): forget it, and start again.
            let mut r = b
                .sign_in_first(headers, path_and_query)
                .unwrap_or_else(|| refusal(&VerifyError::Missing));
            for c in b.clear_cookies() {
                r.headers_mut().append(header::SET_COOKIE, c);
            }
            Err(r)
        }
    }
}

/// What a route lets through: `Ok(None)` for a public route, the claims otherwise.
async fn authorize(
    g: &Shared,
    route: &Route,
    headers: &HeaderMap,
) -> Result<Option<Arc<Claims>>, Response> {
    if route.auth == Auth::Public {
        return Ok(None);
    }
    let token = tessera_verify::bearer(headers).unwrap_or_default();
    let claims = g
        .verifier
        .verify_token(token)
        .await
        .map_err(|e| refusal(&e))?;
    if claims
        .str("origin_jti")
        .is_some_and(|j| g.revoked.is_revoked(j))
    {
        return Err(refusal(&VerifyError::Revoked));
    }
    let token_use = claims.str("token_use");
    let wrong = match route.auth {
        Auth::Access => token_use != Some("access"),
        Auth::Id => token_use != Some("id"),
        Auth::Any | Auth::Public => false,
    };
    if wrong {
        return Err(refusal(&VerifyError::WrongTokenUse(
            token_use.unwrap_or_default().to_string(),
        )));
    }
    claims
        .require(&route.scopes, &route.groups)
        .map_err(|e| refusal(&e))?;
    Ok(Some(claims))
}

/// The header value of a claim: strings as they are, arrays joined with commas.
fn claim_value(v: &Value) -> Option<HeaderValue> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(","),
        Value::Null => return None,
        other => other.to_string(),
    };
    HeaderValue::from_bytes(text.as_bytes()).ok()
}

/// Removes every claim header the client sent and adds the verified ones.
fn set_claim_headers(g: &Shared, headers: &mut HeaderMap, claims: Option<&Claims>) {
    for (_, h) in &g.claim_headers {
        headers.remove(h);
    }
    if let Some(c) = claims {
        for (claim, h) in &g.claim_headers {
            if let Some(v) = c.get(claim).and_then(claim_value) {
                headers.insert(h.clone(), v);
            }
        }
    }
}

async fn proxy(g: &Shared, route: &Route, claims: Option<Arc<Claims>>, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let Ok(uri) = Uri::try_from(format!("{}{}", route.backend, path_and_query)) else {
        return json_error(StatusCode::BAD_REQUEST, "Bad Request");
    };
    parts.uri = uri;
    for h in HOP_BY_HOP {
        parts.headers.remove(h);
    }
    // The backend is addressed by its own host name.
    parts.headers.remove(header::HOST);
    set_claim_headers(g, &mut parts.headers, claims.as_deref());
    match g.client.request(Request::from_parts(parts, body)).await {
        Ok(resp) => {
            let (mut parts, body) = resp.into_parts();
            for h in HOP_BY_HOP {
                parts.headers.remove(h);
            }
            Response::from_parts(parts, Body::new(body))
        }
        Err(e) => {
            tracing::warn!(backend = %route.backend, error = %e, "backend unreachable");
            json_error(StatusCode::BAD_GATEWAY, "Bad Gateway")
        }
    }
}

/// Forward-auth: which request is being asked about, from the conventions of nginx
/// (`X-Original-Method`, `X-Original-URI`, set in its config), Traefik (`X-Forwarded-Method`,
/// `X-Forwarded-Uri`) and Envoy's HTTP ext_authz (the original path after the check path,
/// with the original method).
fn asked_about(prefix: &str, req: &Request) -> (Method, String) {
    let h = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let method = h("x-original-method")
        .or_else(|| h("x-forwarded-method"))
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .unwrap_or_else(|| req.method().clone());
    let uri = h("x-original-uri")
        .or_else(|| h("x-forwarded-uri"))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let rest = req.uri().path().strip_prefix(prefix).unwrap_or_default();
            if rest.is_empty() {
                "/".into()
            } else {
                rest.into()
            }
        });
    let path = uri.split('?').next().unwrap_or("/").to_string();
    (method, path)
}

async fn forward_auth(g: &Shared, prefix: &str, req: Request) -> Response {
    let (method, path) = asked_about(prefix, &req);
    let Some(route) = g.routes.iter().find(|r| r.matches(&method, &path)) else {
        return json_error(StatusCode::FORBIDDEN, "Missing Authentication Token");
    };
    match authorize(g, route, req.headers()).await {
        Ok(claims) => {
            let mut r = StatusCode::OK.into_response();
            set_claim_headers(g, r.headers_mut(), claims.as_deref());
            r
        }
        Err(r) => r,
    }
}
