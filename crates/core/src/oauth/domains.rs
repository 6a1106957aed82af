//! `CreateUserPoolDomain`, `DescribeUserPoolDomain`, `UpdateUserPoolDomain`,
//! `DeleteUserPoolDomain`, and finding the pool a hosted request is for.
//!
//! A pool has at most one prefix domain (`myapp`) and one custom domain
//! (`auth.example.com`, given with a `CustomDomainConfig`). Both route hosted requests to
//! the pool: by the `Host` header, or under `<public URL>/domain/<domain>/` where hosts are
//! inconvenient (see the README). The pool's description carries them as `Domain` and
//! `CustomDomain`, as Cognito's does.

use tessera_wire::idp::{
    CreateUserPoolDomainRequest, CreateUserPoolDomainResponse, DomainDescriptionType,
    UpdateUserPoolDomainRequest, UpdateUserPoolDomainResponse,
};

use super::{new_doc, read_doc};
use crate::store::{DocKind, PoolRecord, StoreError};
use crate::{CoreError, Tessera};

/// Cognito's refusal of a prefix domain outside its format (mineiros-io/terraform-aws-cognito-user-pool#69).
const PREFIX_FORMAT: &str = "The domain name contains an invalid character. Domain names can only \
     contain lower-case letters, numbers, and hyphens. Please enter a different name that follows \
     this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$";

/// Words Cognito does not allow in a prefix domain.
const RESERVED: &[&str] = &["aws", "amazon", "cognito"];

fn taken() -> CoreError {
    CoreError::InvalidParameter("Domain already associated with another user pool.".into())
}

fn no_such_domain() -> CoreError {
    CoreError::InvalidParameter("No such domain or user pool exists.".into())
}

fn check_version(v: Option<i32>) -> Result<i32, CoreError> {
    match v.unwrap_or(1) {
        v @ (1 | 2) => Ok(v),
        v => Err(CoreError::InvalidParameter(format!(
            "ManagedLoginVersion {v} is not supported: use 1 (classic hosted UI) or 2 (managed login)."
        ))),
    }
}

/// A domain and the pool it routes to.
#[derive(Debug, Clone)]
pub struct DomainRoute {
    pub domain: String,
    pub pool_id: String,
    pub managed_login_version: i32,
}

impl DomainRoute {
    /// Whether a token, client or session of `pool_id` may be used at this domain. Every
    /// endpoint that takes one at a domain (token, userInfo, revoke, logout, authorize)
    /// asks here: a domain serves its own pool only.
    pub fn serves(&self, pool_id: &str) -> bool {
        self.pool_id == pool_id
    }
}

impl Tessera {
    /// The host name clients reach this deployment at (what Cognito calls the CloudFront
    /// domain: the target of a custom domain's DNS alias).
    fn public_host(&self) -> String {
        let url = &self.settings.public_url;
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or(rest);
        match authority.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
            _ => authority.to_string(),
        }
    }

    /// `CreateUserPoolDomain`.
    pub async fn create_user_pool_domain(
        &self,
        req: CreateUserPoolDomainRequest,
    ) -> Result<CreateUserPoolDomainResponse, CoreError> {
        let version = check_version(req.managed_login_version)?;
        let custom = req.custom_domain_config.is_some();
        let domain = req.domain.to_ascii_lowercase();
        if !custom {
            if domain.contains('.') {
                // A dotted name is a custom domain, which needs a CustomDomainConfig; as a
                // prefix it is refused in Cognito's words for a prefix that breaks its format.
                return Err(CoreError::InvalidParameter(PREFIX_FORMAT.into()));
            }
            if let Some(word) = RESERVED.iter().find(|w| domain.contains(*w)) {
                return Err(CoreError::InvalidParameter(format!(
                    "Domain cannot contain reserved word: {word}"
                )));
            }
        }
        let pool = self.load_pool(&req.user_pool_id).await?;
        let has = if custom {
            pool.config.custom_domain.is_some()
        } else {
            pool.config.domain.is_some()
        };
        if has {
            return Err(CoreError::InvalidParameter(
                "User pool already has a domain configured.".into(),
            ));
        }
        if self
            .store
            .find_document(DocKind::Domain, &domain)
            .await?
            .is_some()
        {
            return Err(taken());
        }
        let cloud_front = self.public_host();
        let desc = DomainDescriptionType {
            aws_account_id: Some(self.settings.account_id.clone()),
            cloud_front_distribution: Some(cloud_front.clone()),
            custom_domain_config: req.custom_domain_config.clone(),
            domain: Some(domain.clone()),
            managed_login_version: Some(version),
            status: Some("ACTIVE".into()),
            user_pool_id: Some(pool.id.clone()),
            version: Some("1".into()),
            ..Default::default()
        };
        let rec = new_doc(
            &pool.id,
            DocKind::Domain,
            &domain,
            &desc,
            self.clock.now_millis(),
        )?;
        match self.store.insert_document(&rec).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(taken()),
            Err(e) => return Err(e.into()),
        }
        let set = self
            .modify_pool(&pool.id, |p| {
                let slot = if custom {
                    &mut p.config.custom_domain
                } else {
                    &mut p.config.domain
                };
                if slot.is_some() {
                    return Err(CoreError::InvalidParameter(
                        "User pool already has a domain configured.".into(),
                    ));
                }
                *slot = Some(domain.clone());
                Ok(())
            })
            .await;
        if let Err(e) = set {
            // Another domain won the race for the pool's slot: take ours back.
            self.store
                .delete_document(&pool.id, DocKind::Domain, &domain)
                .await?;
            return Err(e);
        }
        Ok(CreateUserPoolDomainResponse {
            cloud_front_domain: custom.then_some(cloud_front),
            managed_login_version: Some(version),
            routing: None,
        })
    }

    /// `DescribeUserPoolDomain`: an empty description when no pool has the domain.
    pub async fn describe_user_pool_domain(
        &self,
        domain: &str,
    ) -> Result<DomainDescriptionType, CoreError> {
        match self
            .store
            .find_document(DocKind::Domain, &domain.to_ascii_lowercase())
            .await?
        {
            Some(rec) => read_doc(&rec),
            None => Ok(DomainDescriptionType::default()),
        }
    }

    /// `UpdateUserPoolDomain`: the managed login version, and a custom domain's certificate.
    pub async fn update_user_pool_domain(
        &self,
        req: UpdateUserPoolDomainRequest,
    ) -> Result<UpdateUserPoolDomainResponse, CoreError> {
        let domain = req.domain.to_ascii_lowercase();
        let rec = self
            .store
            .get_document(&req.user_pool_id, DocKind::Domain, &domain)
            .await?
            .ok_or_else(no_such_domain)?;
        let mut desc: DomainDescriptionType = read_doc(&rec)?;
        if let Some(v) = req.managed_login_version {
            desc.managed_login_version = Some(check_version(Some(v))?);
        }
        if let Some(cfg) = req.custom_domain_config {
            if desc.custom_domain_config.is_none() {
                return Err(CoreError::InvalidParameter(
                    "CustomDomainConfig can only be updated for a custom domain.".into(),
                ));
            }
            desc.custom_domain_config = Some(cfg);
        }
        self.replace_doc(&rec, &desc).await?;
        self.changed(
            crate::store::ChangeKind::Pool,
            &req.user_pool_id,
            &req.user_pool_id,
        )
        .await?;
        Ok(UpdateUserPoolDomainResponse {
            cloud_front_domain: desc
                .custom_domain_config
                .is_some()
                .then(|| self.public_host()),
            managed_login_version: desc.managed_login_version,
            routing: None,
        })
    }

    /// `DeleteUserPoolDomain`.
    pub async fn delete_user_pool_domain(
        &self,
        pool_id: &str,
        domain: &str,
    ) -> Result<(), CoreError> {
        let domain = domain.to_ascii_lowercase();
        if !self
            .store
            .delete_document(pool_id, DocKind::Domain, &domain)
            .await?
        {
            return Err(no_such_domain());
        }
        self.modify_pool(pool_id, |p| {
            if p.config.domain.as_deref() == Some(domain.as_str()) {
                p.config.domain = None;
            }
            if p.config.custom_domain.as_deref() == Some(domain.as_str()) {
                p.config.custom_domain = None;
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// The pool a hosted request's domain routes to; `None` for a domain no pool has.
    pub async fn domain_route(&self, domain: &str) -> Result<Option<DomainRoute>, CoreError> {
        let domain = domain.to_ascii_lowercase();
        let Some(rec) = self.store.find_document(DocKind::Domain, &domain).await? else {
            return Ok(None);
        };
        let desc: DomainDescriptionType = read_doc(&rec)?;
        Ok(Some(DomainRoute {
            domain,
            pool_id: rec.pool_id,
            managed_login_version: desc.managed_login_version.unwrap_or(1),
        }))
    }

    /// The base URL of a pool's hosted endpoints: its prefix domain (or else its custom
    /// domain) under `<public URL>/domain/`, which works without DNS. `None` without one.
    pub fn hosted_base_url(&self, pool: &PoolRecord) -> Option<String> {
        let domain = pool
            .config
            .domain
            .as_ref()
            .or(pool.config.custom_domain.as_ref())?;
        Some(format!(
            "{}/domain/{domain}",
            self.settings.public_url.trim_end_matches('/')
        ))
    }
}
