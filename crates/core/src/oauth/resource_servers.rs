//! `CreateResourceServer`, `DescribeResourceServer`, `UpdateResourceServer`,
//! `DeleteResourceServer`, `ListResourceServers`, and the custom scopes they define.
//!
//! A custom scope is written `<identifier>/<scope name>` in a client's AllowedOAuthScopes,
//! in authorization requests and in access tokens. The model validates identifier, name and
//! scope-name patterns; this module keeps identifiers unique in their pool, scope names
//! unique in their server, and at most [`MAX_SCOPES`] scopes per server.

use std::collections::HashSet;

use tessera_wire::idp::{
    CreateResourceServerRequest, ResourceServerScopeType, ResourceServerType,
    UpdateResourceServerRequest,
};

use super::{new_doc, read_doc};
use crate::store::{DocKind, StoreError};
use crate::{CoreError, Tessera};

/// Cognito's quota: "Custom scopes per resource server: 100".
pub const MAX_SCOPES: usize = 100;
/// Cognito's quota: "Resource servers per user pool: 25".
pub const MAX_SERVERS: usize = 25;

fn not_found(identifier: &str) -> CoreError {
    CoreError::ResourceNotFound(format!("Resource server {identifier} does not exist."))
}

fn check_scopes(scopes: &[ResourceServerScopeType]) -> Result<(), CoreError> {
    if scopes.len() > MAX_SCOPES {
        return Err(CoreError::LimitExceeded(format!(
            "A resource server can have at most {MAX_SCOPES} scopes."
        )));
    }
    let mut seen = HashSet::new();
    for s in scopes {
        if !seen.insert(s.scope_name.as_str()) {
            return Err(CoreError::InvalidParameter(format!(
                "Duplicate scope name: {}",
                s.scope_name
            )));
        }
    }
    Ok(())
}

impl Tessera {
    /// `CreateResourceServer`.
    pub async fn create_resource_server(
        &self,
        req: CreateResourceServerRequest,
    ) -> Result<ResourceServerType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let scopes = req.scopes.unwrap_or_default();
        check_scopes(&scopes)?;
        let existing = self
            .store
            .list_documents(&pool.id, DocKind::ResourceServer, None, MAX_SERVERS as u32)
            .await?;
        if existing.len() >= MAX_SERVERS {
            return Err(CoreError::LimitExceeded(format!(
                "A user pool can have at most {MAX_SERVERS} resource servers."
            )));
        }
        let server = ResourceServerType {
            identifier: Some(req.identifier.clone()),
            managed_by: None,
            name: Some(req.name),
            scopes: Some(scopes),
            user_pool_id: Some(pool.id.clone()),
        };
        let rec = new_doc(
            &pool.id,
            DocKind::ResourceServer,
            &req.identifier,
            &server,
            self.clock.now_millis(),
        )?;
        match self.store.insert_document(&rec).await {
            Ok(()) => Ok(server),
            Err(StoreError::Conflict(_)) => Err(CoreError::InvalidParameter(format!(
                "{} already exists in pool {}",
                req.identifier, pool.id
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// `DescribeResourceServer`.
    pub async fn describe_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<ResourceServerType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let rec = self
            .store
            .get_document(&pool.id, DocKind::ResourceServer, identifier)
            .await?
            .ok_or_else(|| not_found(identifier))?;
        read_doc(&rec)
    }

    /// `UpdateResourceServer`: the name and the whole scope list are replaced (scopes left
    /// out are removed).
    pub async fn update_resource_server(
        &self,
        req: UpdateResourceServerRequest,
    ) -> Result<ResourceServerType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let scopes = req.scopes.unwrap_or_default();
        check_scopes(&scopes)?;
        let rec = self
            .store
            .get_document(&pool.id, DocKind::ResourceServer, &req.identifier)
            .await?
            .ok_or_else(|| not_found(&req.identifier))?;
        let mut server: ResourceServerType = read_doc(&rec)?;
        server.name = Some(req.name);
        server.scopes = Some(scopes);
        self.replace_doc(&rec, &server).await?;
        Ok(server)
    }

    /// `DeleteResourceServer`.
    pub async fn delete_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if self
            .store
            .delete_document(&pool.id, DocKind::ResourceServer, identifier)
            .await?
        {
            Ok(())
        } else {
            Err(not_found(identifier))
        }
    }

    /// `ListResourceServers`.
    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        max_results: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<ResourceServerType>, Option<String>), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let (rows, next) = self
            .document_page(&pool.id, DocKind::ResourceServer, max_results, next_token)
            .await?;
        let servers = rows.iter().map(read_doc).collect::<Result<_, _>>()?;
        Ok((servers, next))
    }

    /// Every custom scope of the pool, as `<identifier>/<scope name>`.
    pub(crate) async fn custom_scopes(&self, pool_id: &str) -> Result<Vec<String>, CoreError> {
        let rows = self
            .store
            .list_documents(pool_id, DocKind::ResourceServer, None, MAX_SERVERS as u32)
            .await?;
        let mut out = Vec::new();
        for rec in &rows {
            let server: ResourceServerType = read_doc(rec)?;
            for s in server.scopes.iter().flatten() {
                out.push(format!("{}/{}", rec.key, s.scope_name));
            }
        }
        Ok(out)
    }
}
