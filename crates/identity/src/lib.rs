//! Identity pools: Amazon Cognito's second service (`cognito-identity`). An identity pool turns
//! a signed-in user (of a user pool, an OpenID Connect provider, a developer's backend) or a
//! guest into an identity id, an OpenID token signed by Tessera's identity issuer, and
//! temporary AWS credentials from an STS.
//!
//! This crate stands beside the user pools (`tessera-core`), not inside them: it reaches them
//! only through the [`UserPools`] port (verify a user pool's ID token; whether its session was
//! revoked), keeps its own tables behind [`IdentityStore`], and gets credentials through the
//! [`Sts`] port. The server registers its handlers in the same operation registry.

mod credentials;
mod developer;
mod error;
mod identities;
mod logins;
mod pools;
mod roles;
pub mod store;
mod tokens;
pub mod user_pools;

use std::collections::HashMap;
use std::sync::Arc;

use tessera_core::clock::Clock;
use tessera_core::rand::Rng;
use tessera_core::sealing::Sealer;

pub use credentials::{Sts, StsCredentials, StsError};
pub use error::IdentityError;
pub use logins::OidcProvider;
pub use pools::PoolDoc;
pub use store::IdentityStore;
pub use user_pools::{UserPoolLogin, UserPools};

/// Where the identity issuer lives under the public URL: `<public url>/identity`.
pub const ISSUER_PATH: &str = "identity";
/// The Logins key under which Cognito accepts its own OpenID tokens back.
pub const COGNITO_IDENTITY_LOGIN: &str = "cognito-identity.amazonaws.com";

/// What the service is told at start.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub account_id: String,
    pub default_region: String,
    /// The base URL clients reach Tessera at (the identity issuer is `<public_url>/identity`).
    pub public_url: String,
    /// External OpenID Connect providers by their IAM ARN (there is no IAM here).
    pub oidc_providers: Vec<OidcProvider>,
    /// The Region this node answers as (`--site-region`); `None`: every Region. Identity pools
    /// are Regional and not replicated: a site serves only those of its own Region.
    pub site_region: Option<String>,
}

/// The ports the service runs on.
pub struct Ports {
    pub store: Arc<dyn IdentityStore>,
    pub user_pools: Arc<dyn UserPools>,
    pub sts: Arc<dyn Sts>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub sealer: Arc<Sealer>,
}

/// The identity-pool service.
pub struct IdentityPools {
    store: Arc<dyn IdentityStore>,
    user_pools: Arc<dyn UserPools>,
    sts: Arc<dyn Sts>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
    sealer: Arc<Sealer>,
    settings: Settings,
    keys: tokens::KeyHolder,
    pools: pools::NodeCache<pools::LoadedPool>,
    /// Identities and their logins, for the calls that hand out tokens and credentials.
    identities: pools::NodeCache<store::IdentityRow>,
    oidc: HashMap<String, logins::OidcVerifier>,
}

impl IdentityPools {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        let oidc = logins::verifiers(&settings.oidc_providers);
        IdentityPools {
            store: ports.store,
            user_pools: ports.user_pools,
            sts: ports.sts,
            clock: ports.clock,
            rng: ports.rng,
            sealer: ports.sealer,
            settings,
            keys: tokens::KeyHolder::default(),
            pools: pools::NodeCache::new(10_000),
            identities: pools::NodeCache::new(100_000),
            oidc,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The identity issuer: `<public url>/identity`.
    pub fn issuer(&self) -> String {
        format!(
            "{}/{ISSUER_PATH}",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    fn region_or_default<'a>(&'a self, region: &'a str) -> &'a str {
        if let Some(site) = &self.settings.site_region {
            site
        } else if region.is_empty() {
            &self.settings.default_region
        } else {
            region
        }
    }

    /// Whether an identity pool or identity of `region` exists here: in every Region, or,
    /// at a site, only in its own.
    fn serves(&self, region: &str) -> bool {
        self.settings
            .site_region
            .as_deref()
            .is_none_or(|site| site == region)
    }

    /// Whether the pool or identity an id (`<region>:<uuid>`) names exists here.
    fn serves_id(&self, id: &str) -> bool {
        id.split_once(':')
            .is_some_and(|(region, _)| self.serves(region))
    }

    /// `arn:aws:cognito-identity:<region>:<account>:identitypool/<id>`.
    pub fn pool_arn(&self, region: &str, pool_id: &str) -> String {
        format!(
            "arn:aws:cognito-identity:{region}:{}:identitypool/{pool_id}",
            self.settings.account_id
        )
    }

    /// A new id as Cognito forms them: `<region>:<uuid>`.
    fn new_id(&self, region: &str) -> String {
        let mut b = [0u8; 16];
        self.rng.fill(&mut b);
        let id = uuid::Builder::from_random_bytes(b).into_uuid();
        format!("{region}:{id}")
    }
}
