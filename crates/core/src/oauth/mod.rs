//! Managed login: domains, resource servers and scopes, and the OAuth 2.0 / OpenID Connect
//! flows the hosted endpoints drive (authorization codes, the token grants, userInfo).
//!
//! References: the Cognito developer guide's "User pool endpoints and managed login
//! reference" (authorize, token, userInfo, revoke, logout), "Scopes, M2M, and APIs with
//! resource servers", and the API reference for the domain and resource-server operations.
//! The HTTP side (forms, cookies, redirects) lives in the server crate; the rules live here.

pub mod account;
pub mod branding;
pub mod domains;
pub mod flow;
pub mod resource_servers;
pub mod terms;
pub mod token;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::{DocKind, DocumentRecord};
use crate::{CoreError, Tessera};

/// Scopes any app client may name without a resource server.
pub const OPENID: &str = "openid";

fn corrupt(what: &str) -> CoreError {
    CoreError::Storage(crate::store::StoreError::Backend(format!(
        "stored {what} is not valid JSON"
    )))
}

/// A stored document's body.
pub(crate) fn read_doc<T: DeserializeOwned>(rec: &DocumentRecord) -> Result<T, CoreError> {
    serde_json::from_str(&rec.doc).map_err(|_| corrupt(rec.kind.as_str()))
}

/// A new document record (version 1) for `body`.
pub(crate) fn new_doc<T: Serialize>(
    pool_id: &str,
    kind: DocKind,
    key: &str,
    body: &T,
    now_ms: i64,
) -> Result<DocumentRecord, CoreError> {
    Ok(DocumentRecord {
        pool_id: pool_id.to_string(),
        kind,
        key: key.to_string(),
        doc: serde_json::to_string(body).map_err(|_| corrupt(kind.as_str()))?,
        created_ms: now_ms,
        modified_ms: now_ms,
        version: 1,
    })
}

impl Tessera {
    /// One page of a pool's documents of a kind, in key order, for a List operation: the
    /// records and the next page's token.
    pub(crate) async fn document_page(
        &self,
        pool_id: &str,
        kind: DocKind,
        max_results: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<DocumentRecord>, Option<String>), CoreError> {
        let limit = crate::page::size(max_results);
        let after = next_token.map(crate::page::decode).transpose()?;
        let rows = self
            .store
            .list_documents(pool_id, kind, after.as_deref(), limit + 1)
            .await?;
        Ok(crate::page::finish(rows, limit as usize, |r| {
            r.key.as_str()
        }))
    }

    /// Replaces a document's body, if nobody changed it since it was read.
    pub(crate) async fn replace_doc<T: Serialize>(
        &self,
        rec: &DocumentRecord,
        body: &T,
    ) -> Result<(), CoreError> {
        if self.try_replace_doc(rec, body).await? {
            Ok(())
        } else {
            Err(crate::concurrent_modification(rec.kind.as_str()))
        }
    }

    /// [`Self::replace_doc`] for a caller that retries: `false` if another writer changed
    /// the document since it was read.
    pub(crate) async fn try_replace_doc<T: Serialize>(
        &self,
        rec: &DocumentRecord,
        body: &T,
    ) -> Result<bool, CoreError> {
        let mut next = rec.clone();
        next.doc = serde_json::to_string(body).map_err(|_| corrupt(rec.kind.as_str()))?;
        next.version = rec.version + 1;
        next.modified_ms = self.clock.now_millis().max(rec.modified_ms);
        Ok(self.store.update_document(&next, rec.version).await?)
    }
}
