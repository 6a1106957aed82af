//! Live migration from Amazon Cognito (issue 21; docs/design/live-migration.md, ADR 0022).
//!
//! A pool may be linked to a *source* Cognito user pool (its region, pool id and an app
//! client allowing ADMIN_USER_PASSWORD_AUTH). A user this pool lacks who signs in with a
//! password, or asks for a reset, is looked up at the source: a password the source accepts
//! becomes the user's password here, with the source's username, `sub`, attributes, groups
//! and SMS/email MFA settings; a reset brings the user in without a password. SRP cannot
//! migrate (it never carries the password), as with Cognito's own UserMigration trigger.
//!
//! Core knows no HTTP: the source is reached through [`SourcePool`], one signed AWS JSON
//! call, implemented by the binary (SigV4 with the AWS credentials of its own environment;
//! credentials are never stored).

mod copy;
mod copy_config;
mod live;
mod user;

pub use copy::CopyReport;
pub(crate) use live::FromSource;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::oauth::{new_doc, read_doc};
use crate::sealing::Purpose;
use crate::store::{DocKind, PoolRecord};
use crate::{CoreError, Tessera};

/// The document key of a pool's link.
const LINK_KEY: &str = "source";

/// Where a source pool is (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRef {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    /// An endpoint other than the region's (`https://cognito-idp.<region>.amazonaws.com/`),
    /// e.g. a test double; the binary also honours the SDKs' `AWS_ENDPOINT_URL*` variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The AWS profile whose credentials sign the calls (the default chain otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Why a call to the source failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The source answered with an AWS error: its exception name and message.
    Service { kind: String, message: String },
    /// It could not be reached, answered something unreadable, or no credentials were found.
    Unavailable(String),
}

/// The port to source Cognito pools.
#[async_trait]
pub trait SourcePool: Send + Sync {
    /// One `AWSCognitoIdentityProviderService.<operation>` call with `body`: the answer.
    async fn call(
        &self,
        source: &SourceRef,
        operation: &'static str,
        body: Value,
    ) -> Result<Value, SourceError>;
}

/// The port when nothing is wired: every call fails.
pub struct NoSourcePool;

#[async_trait]
impl SourcePool for NoSourcePool {
    async fn call(&self, _: &SourceRef, _: &'static str, _: Value) -> Result<Value, SourceError> {
        Err(SourceError::Unavailable(
            "this server has no client for source pools".into(),
        ))
    }
}

/// A link as stored (a pool document of kind `MigrationSource`, never exported).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Link {
    #[serde(flatten)]
    source: SourceRef,
    /// The source client's secret, sealed (`Purpose::ClientSecret`), base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret_sealed: Option<String>,
    /// `live` (users are brought in) or `finished` (the source is no longer asked).
    state: String,
    linked_ms: i64,
}

const LIVE: &str = "live";
const FINISHED: &str = "finished";

/// A pool's migration, for `tessera migrate status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationStatus {
    pub user_pool_id: String,
    pub source: SourceRef,
    pub state: String,
    pub linked_ms: i64,
    /// Users in this pool now.
    pub users: u64,
}

fn sealing_context(s: &SourceRef) -> Vec<u8> {
    format!("{}/{}", s.user_pool_id, s.client_id).into_bytes()
}

impl Tessera {
    /// The source pools' client (none by default).
    pub fn with_source_pool(mut self, source: std::sync::Arc<dyn SourcePool>) -> Self {
        self.source_pool = source;
        self
    }

    /// Links `pool_id` to a source pool (replacing an earlier link): from now on users it
    /// lacks are looked up there. The client secret, if the source client has one, is
    /// stored sealed.
    pub async fn link_migration_source(
        &self,
        pool_id: &str,
        source: SourceRef,
        client_secret: Option<&str>,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        for (name, v) in [
            ("region", &source.region),
            ("user pool id", &source.user_pool_id),
            ("client id", &source.client_id),
        ] {
            if v.trim().is_empty() {
                return Err(CoreError::InvalidParameter(format!(
                    "The source's {name} is required."
                )));
            }
        }
        use base64::Engine;
        let client_secret_sealed = client_secret.map(|s| {
            base64::engine::general_purpose::STANDARD.encode(self.sealer.seal(
                Purpose::ClientSecret,
                &sealing_context(&source),
                s.as_bytes(),
                self.rng.as_ref(),
            ))
        });
        let link = Link {
            source,
            client_secret_sealed,
            state: LIVE.into(),
            linked_ms: self.clock.now_millis(),
        };
        self.put_link(&pool.id, &link).await
    }

    /// Stops asking the source (the migration is over); the link stays for the record.
    pub async fn finish_migration(&self, pool_id: &str) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let mut link = self.link(&pool.id).await?.ok_or_else(not_linked)?;
        link.state = FINISHED.into();
        self.put_link(&pool.id, &link).await
    }

    /// Every linked pool's migration.
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, CoreError> {
        let mut out = Vec::new();
        for id in self.store.list_pool_ids().await? {
            if let Some(link) = self.link(&id).await? {
                out.push(MigrationStatus {
                    users: self.store.count_users(&id).await?,
                    user_pool_id: id,
                    source: link.source,
                    state: link.state,
                    linked_ms: link.linked_ms,
                });
            }
        }
        Ok(out)
    }

    /// The pool's link to its source while the migration is live.
    pub(crate) async fn live_source(&self, pool: &PoolRecord) -> Result<Option<Link>, CoreError> {
        Ok(self.link(&pool.id).await?.filter(|l| l.state == LIVE))
    }

    async fn link(&self, pool_id: &str) -> Result<Option<Link>, CoreError> {
        self.store
            .get_document(pool_id, DocKind::MigrationSource, LINK_KEY)
            .await?
            .map(|r| read_doc(&r))
            .transpose()
    }

    async fn put_link(&self, pool_id: &str, link: &Link) -> Result<(), CoreError> {
        let now = self.clock.now_millis();
        let mut doc = new_doc(pool_id, DocKind::MigrationSource, LINK_KEY, link, now)?;
        match self
            .store
            .get_document(pool_id, DocKind::MigrationSource, LINK_KEY)
            .await?
        {
            None => self.store.insert_document(&doc).await?,
            Some(old) => {
                doc.created_ms = old.created_ms;
                doc.version = old.version + 1;
                if !self.store.update_document(&doc, old.version).await? {
                    return Err(CoreError::ConcurrentModification(
                        "The migration link changed meanwhile; try again.".into(),
                    ));
                }
            }
        }
        // Read from the store on the missing-user path only: no cache to tell.
        Ok(())
    }

    /// The source client's secret, opened.
    fn source_secret(&self, link: &Link) -> Result<Option<String>, CoreError> {
        use base64::Engine;
        let Some(sealed) = &link.client_secret_sealed else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .ok()
            .and_then(|b| {
                self.sealer
                    .open(Purpose::ClientSecret, &sealing_context(&link.source), &b)
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| unavailable("the stored source client secret cannot be opened"))?;
        Ok(Some(bytes))
    }
}

/// A user the bulk copy brought in who has not signed in with a password yet.
pub(crate) fn is_pending(u: &crate::store::UserRecord) -> bool {
    u.password_hash.is_none() && u.extra["migration"]["pending"] == true
}

fn not_linked() -> CoreError {
    CoreError::ResourceNotFound("The pool is not linked to a source pool.".into())
}

/// A failure to reach the source: InternalErrorException, the detail in the log only.
fn unavailable(detail: &str) -> CoreError {
    CoreError::Storage(crate::store::StoreError::Backend(format!(
        "migration source: {detail}"
    )))
}
