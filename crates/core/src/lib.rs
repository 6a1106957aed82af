//! Tessera's domain core.
//!
//! Business rules of Cognito user pools live here: what a pool or app client may contain,
//! the defaults Cognito fills in, pagination, tagging, and (in later modules) users, auth
//! flows and tokens. It talks to the outside world only through ports (`store::Store`,
//! `clock::Clock`, `rand::Rng`) so that every rule can be tested without HTTP, SQL or sleeping.
//!
//! Must not depend on axum, hyper, sqlx or any concrete adapter. It uses the generated wire
//! types from `tessera-wire` as its settings documents (see docs/adr/0002).

pub mod auth;
pub mod cache;
pub mod clients;
pub mod clock;
pub mod console;
pub mod devices;
pub mod error;
pub mod export;
pub mod federation;
pub mod groups;
pub mod health;
pub mod ids;
pub mod import;
mod lock;
pub mod messages;
pub mod mfa;
pub mod migration;
pub mod oauth;
mod once;
pub mod page;
pub mod passkeys;
pub mod pools;
pub mod rand;
pub mod replicas;
pub mod schema;
pub mod sealing;
pub mod secret;
pub mod settings;
pub mod srp;
pub mod store;
pub mod tags;
pub mod tokens;
pub mod triggers;
pub mod users;

use std::sync::Arc;

pub use error::CoreError;

/// Deployment-wide settings the domain needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Twelve-digit account id used in ARNs.
    pub account_id: String,
    /// Region used when a call carries none (unsigned calls).
    pub default_region: String,
    /// The base URL clients reach this deployment at; tokens' `iss` is `<public_url>/<pool id>`.
    pub public_url: String,
    /// Endpoints that replace the social identity providers' public ones.
    pub federation_endpoints: Vec<federation::details::EndpointOverride>,
    /// The Region this node answers as (multi-Region replicas, [`replicas`]); `None`: every
    /// Region, each pool as its primary.
    pub site_region: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            account_id: "000000000000".into(),
            default_region: "us-east-1".into(),
            public_url: "http://localhost:9229".into(),
            federation_endpoints: Vec::new(),
            site_region: None,
        }
    }
}

/// Requests begun and in flight on this node.
#[derive(Debug, Default)]
pub struct RequestCounts {
    pub(crate) began: std::sync::atomic::AtomicU64,
    pub(crate) in_flight: std::sync::atomic::AtomicU64,
}

/// A request being served ([`Tessera::request_began`]); dropping it ends it.
#[derive(Debug)]
pub struct RequestInFlight(Arc<RequestCounts>);

impl RequestInFlight {
    fn begin(counts: &Arc<RequestCounts>) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        counts.began.fetch_add(1, Relaxed);
        counts.in_flight.fetch_add(1, Relaxed);
        RequestInFlight(counts.clone())
    }
}

impl Drop for RequestInFlight {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// How often an optimistic read-modify-write is retried when another writer got there first.
pub(crate) const MAX_RETRIES: usize = 8;

/// The answer once `MAX_RETRIES` read-modify-writes of `what` all lost the race.
pub(crate) fn concurrent_modification(what: &str) -> CoreError {
    CoreError::ConcurrentModification(format!(
        "The {what} was modified by another request; try again."
    ))
}

/// The adapters core talks to, chosen by the binary.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn store::Store>,
    pub clock: Arc<dyn clock::Clock>,
    pub rng: Arc<dyn rand::Rng>,
    pub messages: Arc<dyn messages::MessageSender>,
    /// The server key (never stored in the database).
    pub sealer: Arc<sealing::Sealer>,
}

/// The domain service: one per process, shared by every request.
#[derive(Clone)]
pub struct Tessera {
    pub(crate) store: Arc<dyn store::Store>,
    pub(crate) clock: Arc<dyn clock::Clock>,
    pub(crate) rng: Arc<dyn rand::Rng>,
    pub(crate) messages: Arc<dyn messages::MessageSender>,
    pub(crate) sealer: Arc<sealing::Sealer>,
    pub(crate) settings: Settings,
    pub(crate) keys: Arc<tokens::keys::KeyCache>,
    pub(crate) verified: Arc<tokens::VerifiedCache>,
    pub(crate) verified_ids: Arc<tokens::VerifiedIdCache>,
    pub(crate) revocations: Arc<tokens::revocation::RevocationSet>,
    pub(crate) cache: Arc<cache::RecordCache>,
    pub(crate) triggers: Arc<dyn triggers::TriggerInvoker>,
    /// Upstream identity providers (federation).
    pub(crate) upstream: Arc<dyn federation::Upstream>,
    /// Source Cognito pools (live migration).
    pub(crate) source_pool: Arc<dyn migration::SourcePool>,
    pub(crate) sender_keys: Arc<triggers::sender::SenderKeys>,
    /// Set when the server stops: background work (import jobs) ends at its next batch.
    pub(crate) stopping: Arc<std::sync::atomic::AtomicBool>,
    /// Requests this node has begun to serve, and those it is serving (the server counts
    /// them): background work yields to them (`import`).
    pub(crate) requests: Arc<RequestCounts>,
    /// The background work running on this node.
    pub(crate) background: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    /// Large pools' user counts, reused for a while (`pools::describe`).
    pub(crate) user_counts: Arc<std::sync::Mutex<std::collections::HashMap<String, (u64, i64)>>>,
}

impl Tessera {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Tessera {
            store: ports.store,
            clock: ports.clock,
            rng: ports.rng,
            messages: ports.messages,
            sealer: ports.sealer,
            settings,
            keys: Default::default(),
            verified: Default::default(),
            verified_ids: Default::default(),
            revocations: Default::default(),
            cache: Default::default(),
            triggers: Arc::new(triggers::NoTriggers),
            upstream: Arc::new(federation::NoUpstream),
            source_pool: Arc::new(migration::NoSourcePool),
            sender_keys: Default::default(),
            stopping: Default::default(),
            requests: Default::default(),
            background: Default::default(),
            user_counts: Default::default(),
        }
    }

    /// Counts a request this node begins to serve until the answer is dropped (the server
    /// calls it for each one), so that background work can yield to requests.
    pub fn request_began(&self) -> RequestInFlight {
        RequestInFlight::begin(&self.requests)
    }

    /// Stops the work this node runs in the background (import jobs) at its next batch
    /// boundary, with what it did written down; the job reads as Failed once its heartbeat is
    /// old (`import`).
    /// Waits for it, at most `grace`.
    pub async fn stop_background_work(&self, grace: std::time::Duration) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let handles: Vec<_> = crate::lock::mutex(&self.background).drain(..).collect();
        let all = async {
            for h in handles {
                let _ = h.await;
            }
        };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("background work did not stop in time");
        }
    }

    /// The keys that encrypt codes for CustomEmailSender and CustomSMSSender, by KMSKeyID.
    pub fn with_sender_keys(mut self, keys: Arc<triggers::sender::SenderKeys>) -> Self {
        self.sender_keys = keys;
        self
    }

    /// How this server reaches upstream identity providers (nowhere by default).
    pub fn with_upstream(mut self, upstream: Arc<dyn federation::Upstream>) -> Self {
        self.upstream = upstream;
        self
    }

    /// Where the pools' Lambda triggers go (none by default).
    pub fn with_triggers(mut self, triggers: Arc<dyn triggers::TriggerInvoker>) -> Self {
        self.triggers = triggers;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Wipes every stored record (test mode's `/moto-api/reset`).
    pub async fn reset_all(&self) -> Result<(), CoreError> {
        let pools = self.store.list_pool_ids().await?;
        self.store.reset().await?;
        self.cache.clear();
        for id in pools {
            self.keys.forget(&id);
            self.changed(store::ChangeKind::Pool, &id, &id).await?;
        }
        Ok(())
    }
}
