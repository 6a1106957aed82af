//! `tessera migrate copy`'s configuration part: the pool and what it holds besides users,
//! made through the API's own core operations (the same rules as for any caller).

use serde_json::{Map, Value, json};
use tessera_wire::idp::{
    CreateGroupRequest, CreateIdentityProviderRequest, CreateResourceServerRequest,
    CreateUserPoolClientRequest, CreateUserPoolDomainRequest, CreateUserPoolRequest,
    SetUserPoolMfaConfigRequest,
};

use super::copy::CopyReport;
use super::{SourceRef, unavailable};
use crate::store::{DocKind, StoreError};
use crate::{CoreError, Tessera};

/// CreateUserPool's members that DescribeUserPool gives back under the same name.
const POOL_FIELDS: &[&str] = &[
    "Policies",
    "DeletionProtection",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "MfaConfiguration",
    "UserAttributeUpdateSettings",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "UserPoolTier",
];

/// CreateUserPool's input for a described pool (its triggers left out).
fn pool_request(described: &Value) -> Value {
    let mut out = Map::new();
    out.insert("PoolName".into(), described["Name"].clone());
    for f in POOL_FIELDS {
        if let Some(v) = described.get(*f).filter(|v| !v.is_null()) {
            out.insert((*f).into(), v.clone());
        }
    }
    let mut schema = Vec::new();
    for a in described["SchemaAttributes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = a["Name"].as_str().unwrap_or_default();
        let custom = name
            .strip_prefix("dev:custom:")
            .map(|n| (n, true))
            .or_else(|| name.strip_prefix("custom:").map(|n| (n, false)));
        if let Some((short, developer_only)) = custom {
            let mut c = a.clone();
            c["Name"] = json!(short);
            if developer_only {
                c["DeveloperOnlyAttribute"] = json!(true);
            }
            schema.push(c);
        } else if name != "sub" && (a["Required"] == true || a["Mutable"] == false) {
            schema
                .push(json!({ "Name": name, "Required": a["Required"], "Mutable": a["Mutable"] }));
        }
    }
    out.insert("Schema".into(), Value::Array(schema));
    Value::Object(out)
}

fn taken(e: &CoreError) -> bool {
    matches!(e, CoreError::Storage(StoreError::Conflict(_)))
}

/// A request type from the source's JSON, with the pool here.
fn request<T: serde::de::DeserializeOwned>(mut v: Value, pool_id: &str) -> Result<T, CoreError> {
    v["UserPoolId"] = json!(pool_id);
    serde_json::from_value(v).map_err(|e| unavailable(&format!("the source's answer: {e}")))
}

impl Tessera {
    /// The pool, with the source's id where it is free here: its id.
    pub(super) async fn create_copy_pool(
        &self,
        source: &SourceRef,
        described: &Value,
    ) -> Result<String, CoreError> {
        let req: CreateUserPoolRequest = request(pool_request(described), "")?;
        let pool = match self
            .create_pool_as(
                req.clone(),
                &source.region,
                Some(source.user_pool_id.clone()),
            )
            .await
        {
            Err(e) if taken(&e) => self.create_pool_as(req, &source.region, None).await?,
            other => other?,
        };
        Ok(pool.id.unwrap_or_default())
    }

    /// The pool's configuration, made again where it is missing (a resumed copy finds part
    /// of it here already).
    pub(super) async fn copy_settings(
        &self,
        source: &SourceRef,
        described: &Value,
        pool_id: &str,
        report: &mut CopyReport,
    ) -> Result<(), CoreError> {
        let src_id = source.user_pool_id.clone();
        let pool_id = pool_id.to_owned();
        if described["LambdaConfig"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
        {
            report.not_copied.push(
                "LambdaConfig: map each function ARN with [[trigger]], then UpdateUserPool".into(),
            );
        }
        let mfa = self
            .ask(
                source,
                "GetUserPoolMfaConfig",
                json!({ "UserPoolId": src_id }),
            )
            .await?;
        if let Err(e) = self
            .set_user_pool_mfa_config(request::<SetUserPoolMfaConfigRequest>(mfa, &pool_id)?)
            .await
        {
            report.not_copied.push(format!("MFA configuration: {e}"));
        }

        let groups = self
            .all(source, "ListGroups", "Groups", "Limit", 60)
            .await?;
        for g in &groups {
            let name = g["GroupName"].as_str().unwrap_or_default().to_owned();
            match self
                .create_group(request::<CreateGroupRequest>(g.clone(), &pool_id)?)
                .await
            {
                Ok(_) | Err(CoreError::GroupExists(_)) => report.groups += 1,
                Err(e) => report.not_copied.push(format!("group {name}: {e}")),
            }
        }
        for r in self
            .all(
                source,
                "ListResourceServers",
                "ResourceServers",
                "MaxResults",
                50,
            )
            .await?
        {
            let id = r["Identifier"].as_str().unwrap_or_default().to_owned();
            let here = self
                .store
                .get_document(&pool_id, DocKind::ResourceServer, &id)
                .await?;
            if here.is_some() {
                report.resource_servers += 1;
                continue;
            }
            match self
                .create_resource_server(request::<CreateResourceServerRequest>(r, &pool_id)?)
                .await
            {
                Ok(_) => report.resource_servers += 1,
                Err(e) => report.not_copied.push(format!("resource server {id}: {e}")),
            }
        }
        for p in self
            .all(
                source,
                "ListIdentityProviders",
                "Providers",
                "MaxResults",
                60,
            )
            .await?
        {
            let name = p["ProviderName"].as_str().unwrap_or_default().to_owned();
            let body = json!({ "UserPoolId": src_id, "ProviderName": name });
            let full = self.ask(source, "DescribeIdentityProvider", body).await?;
            let req = request(full["IdentityProvider"].clone(), &pool_id)?;
            match self.create_provider_as_described(req).await {
                Ok(()) | Err(CoreError::DuplicateProvider(_)) => report.identity_providers += 1,
                Err(e) => report
                    .not_copied
                    .push(format!("identity provider {name}: {e}")),
            }
        }
        for c in self
            .all(
                source,
                "ListUserPoolClients",
                "UserPoolClients",
                "MaxResults",
                60,
            )
            .await?
        {
            let id = c["ClientId"].as_str().unwrap_or_default().to_owned();
            if let Some(here) = self.store.get_client(&id).await?
                && here.pool_id == pool_id
            {
                report.clients.push((id.clone(), id));
                continue;
            }
            let body = json!({ "UserPoolId": src_id, "ClientId": id });
            let full = self.ask(source, "DescribeUserPoolClient", body).await?;
            let req: CreateUserPoolClientRequest =
                request(full["UserPoolClient"].clone(), &pool_id)?;
            let made = match self.create_client_as(req.clone(), Some(id.clone())).await {
                Err(e) if taken(&e) => self.create_client_as(req, None).await,
                other => other,
            };
            match made {
                Ok(made) => report
                    .clients
                    .push((id, made.client_id.unwrap_or_default())),
                Err(e) => report.not_copied.push(format!("app client {id}: {e}")),
            }
        }
        let domain_here = match described["Domain"].as_str() {
            Some(d) => self
                .store
                .find_document(DocKind::Domain, d)
                .await?
                .filter(|doc| doc.pool_id == pool_id),
            None => None,
        };
        if domain_here.is_some() {
            report.domain = described["Domain"].as_str().map(str::to_owned);
        } else if let Some(domain) = described["Domain"].as_str() {
            let req = CreateUserPoolDomainRequest {
                domain: domain.to_owned(),
                user_pool_id: pool_id.clone(),
                ..Default::default()
            };
            match self.create_user_pool_domain(req).await {
                Ok(_) => report.domain = Some(domain.to_owned()),
                Err(e) => report.not_copied.push(format!("domain {domain}: {e}")),
            }
        }
        if let Some(custom) = described["CustomDomain"].as_str() {
            report.not_copied.push(format!(
                "custom domain {custom}: needs its certificate here (CreateUserPoolDomain)"
            ));
        }
        Ok(())
    }

    /// CreateIdentityProvider from what DescribeIdentityProvider answered: the details
    /// Cognito fills in itself (a social provider's endpoints, `attributes_url_add_attributes`)
    /// are refused as input, so each key named by the refusal is left out and it is tried again.
    async fn create_provider_as_described(
        &self,
        mut req: CreateIdentityProviderRequest,
    ) -> Result<(), CoreError> {
        loop {
            let err = match self.create_identity_provider(req.clone()).await {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            let derived = match &err {
                CoreError::InvalidParameter(m) => m
                    .strip_suffix(" is not a valid key in ProviderDetails.")
                    .filter(|k| req.provider_details.contains_key(*k))
                    .map(str::to_owned),
                _ => None,
            };
            match derived {
                Some(k) => {
                    req.provider_details.remove(&k);
                }
                None => return Err(err),
            }
        }
    }
}
