//! Tessera's HTTP front end.
//!
//! Decodes AWS JSON 1.1 requests (`POST /` with `X-Amz-Target`), enforces SigV4 on every
//! operation the model does not mark unsigned, validates input against the model, calls one
//! core function per operation and encodes the answer or Cognito's error envelope. Also
//! answers CORS preflights for browser SDKs, serves the admin-only development outbox
//! (`GET /tessera/outbox`), the admin-only revocation feed for gateways
//! (`GET /tessera/revocations`), the health probes (`GET /health/live`, `GET /health/ready`), admin-only Prometheus metrics (`GET /tessera/metrics`) and,
//! in test mode only, `/moto-api/reset`.
//!
//! Must not contain business rules (they live in `tessera-core`) or SQL.

mod console;
mod dispatch;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
mod health;
mod hosted;
mod identity;
mod idp;
pub mod metrics;
pub mod outbox;
pub mod registry;
mod revocations;
mod wellknown;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::routing::{get, post};
use tessera_core::Tessera;
use tessera_core::secret::Secret;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use error::ApiError;
pub use outbox::OutboxView;

/// Largest request body accepted. Cognito's largest inputs (branding assets) stay well below.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Server settings that are about the transport, not the domain.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// Access key id → secret access key of the administrators allowed to sign admin calls.
    pub admin_keys: HashMap<String, Secret<String>>,
    /// Adds `POST /moto-api/reset`. Never on by default.
    pub test_mode: bool,
    /// Origins allowed by CORS; empty means any origin (Cognito's behaviour).
    pub cors_allowed_origins: Vec<String>,
    /// The development outbox, served admin-only at `GET /tessera/outbox`.
    pub outbox: Option<Arc<dyn OutboxView>>,
    /// Set when a graceful shutdown begins: `GET /health/ready` then answers 503 `draining`.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Serves the admin console at `/console`.
    pub console: bool,
    /// A user pool whose users (with MFA) may sign in to the console, besides admin keys.
    pub console_admin_pool: Option<String>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub core: Arc<Tessera>,
    pub identity: Arc<tessera_identity::IdentityPools>,
    pub config: Arc<ServerConfig>,
    pub registry: Arc<registry::Registry>,
}

/// Headers that the AWS browser SDKs send with API calls.
const CORS_ALLOWED_HEADERS: &[&str] = &[
    "content-type",
    "x-amz-target",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "cache-control",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// Headers a page's JavaScript may read from responses.
const CORS_EXPOSED_HEADERS: &[&str] = &[
    "x-amzn-requestid",
    "x-amzn-errortype",
    "x-amzn-errormessage",
    "date",
];

fn cors(config: &ServerConfig) -> CorsLayer {
    let origin = if config.cors_allowed_origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            config
                .cors_allowed_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
        .allow_headers(
            CORS_ALLOWED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .expose_headers(
            CORS_EXPOSED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .max_age(std::time::Duration::from_secs(86_400))
}

/// Builds the whole HTTP application.
pub fn app(
    core: Arc<Tessera>,
    identity: Arc<tessera_identity::IdentityPools>,
    config: ServerConfig,
) -> Router {
    apps(core, identity, config, false).0
}

/// The server's router and, with `separate_console`, the console's own (for a listener of
/// its own: the main router then has no `/console`).
pub fn apps(
    core: Arc<Tessera>,
    identity: Arc<tessera_identity::IdentityPools>,
    config: ServerConfig,
    separate_console: bool,
) -> (Router, Option<Router>) {
    let cors = cors(&config);
    let test_mode = config.test_mode;
    let console = config.console && !separate_console;
    let console_apart = config.console && separate_console;
    metrics::install();
    if config.console {
        console::activity::start();
    }
    let state = AppState {
        core,
        identity,
        config: Arc::new(config),
        registry: Arc::new(registry::Registry::build()),
    };
    let mut router = Router::new()
        .route("/", post(dispatch::api))
        .route("/health", get(health::live))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/tessera/outbox", get(outbox::outbox))
        .route("/tessera/revocations", get(revocations::feed))
        .route("/tessera/metrics", get(metrics::metrics))
        .route(
            "/tessera/import/{pool_id}/{job_id}",
            axum::routing::put(idp::import::upload::upload).layer(
                axum::extract::DefaultBodyLimit::max(tessera_core::import::MAX_FILE_BYTES + 1),
            ),
        )
        .route(
            "/identity/.well-known/openid-configuration",
            get(wellknown::identity_openid_configuration),
        )
        .route(
            "/identity/.well-known/jwks_uri",
            get(wellknown::identity_jwks),
        )
        .route(
            "/identity/.well-known/jwks.json",
            get(wellknown::identity_jwks),
        )
        .route("/{pool_id}/.well-known/jwks.json", get(wellknown::jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(wellknown::openid_configuration),
        )
        .merge(hosted::routes())
        .merge(if console {
            console::routes()
        } else {
            Router::new()
        })
        .nest("/domain/{domain}", hosted::routes());
    if test_mode {
        router = router.route("/moto-api/reset", post(dispatch::reset));
    }
    let counted = axum::middleware::from_fn_with_state(state.clone(), count_request);
    let apart = console_apart.then(|| {
        console::routes()
            .layer(counted.clone())
            .with_state(state.clone())
    });
    (router.layer(counted).with_state(state).layer(cors), apart)
}

/// Counts each request for the domain, whose background work yields while requests come in.
async fn count_request(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let _serving = st.core.request_began();
    next.run(req).await
}
