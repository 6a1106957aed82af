//! `tessera migrate copy`: the source pool's configuration and users, ahead of time. The
//! pool keeps its id where it is free here, clients keep their ids and secrets; groups,
//! resource servers, identity providers, the prefix domain and the MFA configuration are
//! made again through the same core operations as the API (so the same rules hold), and the
//! users are copied without passwords (Cognito never reveals them), *pending* until their
//! first password sign-in asks the source. Then the pool is linked to the source.
//! Not copied, and listed in the report: Lambda triggers (their ARNs need `[[trigger]]`
//! targets here), custom domains (their certificates), branding.

use serde::Serialize;
use serde_json::{Map, Value, json};
use tessera_wire::idp::{
    CreateGroupRequest, CreateIdentityProviderRequest, CreateResourceServerRequest,
    CreateUserPoolClientRequest, CreateUserPoolDomainRequest, CreateUserPoolRequest,
    SetUserPoolMfaConfigRequest,
};

use super::user::SourceUser;
use super::{SourceRef, unavailable};
use crate::store::StoreError;
use crate::{CoreError, Tessera};

/// What the copy did.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyReport {
    pub user_pool_id: String,
    /// An earlier copy of the same source was resumed (users and memberships only).
    pub resumed: bool,
    /// Whether the pool kept the source's id.
    pub same_pool_id: bool,
    /// `(source client id, client id here)`: equal where the id was free.
    pub clients: Vec<(String, String)>,
    pub groups: u64,
    pub resource_servers: u64,
    pub identity_providers: u64,
    pub domain: Option<String>,
    pub users_copied: u64,
    /// Users already here (migrated by a sign-in, or by an earlier copy): left as they are.
    pub users_skipped: u64,
    pub memberships: u64,
    /// What was not copied, and why.
    pub not_copied: Vec<String>,
}

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
    /// Copies the source pool here and links it (see the module's documentation). Run again
    /// for a source already copied, it resumes: the users not here yet, and memberships.
    pub async fn copy_from_source(
        &self,
        source: SourceRef,
        client_secret: Option<&str>,
    ) -> Result<CopyReport, CoreError> {
        let mut report = CopyReport::default();
        let earlier = self
            .migration_status()
            .await?
            .into_iter()
            .find(|s| s.source.user_pool_id == source.user_pool_id);
        let pool_id = match &earlier {
            Some(e) => {
                report.resumed = true;
                report.same_pool_id = e.user_pool_id == source.user_pool_id;
                e.user_pool_id.clone()
            }
            None => self.copy_configuration(&source, &mut report).await?,
        };
        report.user_pool_id = pool_id.clone();
        self.copy_users(&source, &pool_id, &mut report).await?;
        for g in self
            .all(&source, "ListGroups", "Groups", "Limit", 60)
            .await?
        {
            let name = g["GroupName"].as_str().unwrap_or_default().to_owned();
            let body = json!({ "UserPoolId": source.user_pool_id, "GroupName": name });
            for u in self
                .all_with(&source, "ListUsersInGroup", body, "Users", "Limit", 60)
                .await?
            {
                if let Some(sub) = SourceUser::from_listed(&u)
                    .as_ref()
                    .and_then(SourceUser::sub)
                    && self.store.get_group(&pool_id, &name).await?.is_some()
                    && self.store.add_member(&pool_id, &name, sub).await?
                {
                    report.memberships += 1;
                }
            }
        }
        if earlier.is_none() {
            self.link_migration_source(&pool_id, source, client_secret)
                .await?;
        }
        Ok(report)
    }

    /// The pool and its configuration: the pool id here.
    async fn copy_configuration(
        &self,
        source: &SourceRef,
        report: &mut CopyReport,
    ) -> Result<String, CoreError> {
        let src_id = source.user_pool_id.clone();
        let described = self
            .ask(source, "DescribeUserPool", json!({ "UserPoolId": src_id }))
            .await?["UserPool"]
            .clone();
        let req: CreateUserPoolRequest = request(pool_request(&described), "")?;
        let pool = match self
            .create_pool_as(req.clone(), &source.region, Some(src_id.clone()))
            .await
        {
            Ok(p) => {
                report.same_pool_id = true;
                p
            }
            Err(e) if taken(&e) => self.create_pool_as(req, &source.region, None).await?,
            Err(e) => return Err(e),
        };
        let pool_id = pool.id.clone().unwrap_or_default();
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
                Ok(()) => report.identity_providers += 1,
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
        if let Some(domain) = described["Domain"].as_str() {
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
        Ok(pool_id)
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

    /// The users, page by page (60, ListUsers' largest), inserted unless already here.
    async fn copy_users(
        &self,
        source: &SourceRef,
        pool_id: &str,
        report: &mut CopyReport,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({ "UserPoolId": source.user_pool_id, "Limit": 60 });
            if let Some(t) = &token {
                body["PaginationToken"] = json!(t);
            }
            let page = self.ask(source, "ListUsers", body).await?;
            let mut batch = Vec::new();
            for u in page["Users"].as_array().into_iter().flatten() {
                let Some(listed) = SourceUser::from_listed(u) else {
                    continue;
                };
                match self.user_from_source(&pool, &source.user_pool_id, &listed, "bulk") {
                    Ok(Some(user)) => batch.push(user),
                    Ok(None) => report.users_skipped += 1,
                    Err(e) => report
                        .not_copied
                        .push(format!("user {}: {e}", listed.username)),
                }
            }
            let before = report.users_copied;
            for inserted in self.store.insert_users_if_absent(&batch).await? {
                if inserted {
                    report.users_copied += 1;
                } else {
                    report.users_skipped += 1;
                }
            }
            metrics::counter!("tessera_migration_users_total",
                "pool_id" => pool_id.to_owned(), "via" => "bulk", "outcome" => "created")
            .increment(report.users_copied - before);
            token = page["PaginationToken"].as_str().map(str::to_owned);
            if token.is_none() {
                return Ok(());
            }
        }
    }

    /// A call that must succeed.
    async fn ask(
        &self,
        source: &SourceRef,
        op: &'static str,
        body: Value,
    ) -> Result<Value, CoreError> {
        self.call_source(source, op, body)
            .await?
            .map_err(|(kind, message)| unavailable(&format!("{op} answered {kind}: {message}")))
    }

    /// Every item of a paged List operation on the source pool.
    async fn all(
        &self,
        source: &SourceRef,
        op: &'static str,
        items: &str,
        limit_name: &str,
        limit: u32,
    ) -> Result<Vec<Value>, CoreError> {
        let body = json!({ "UserPoolId": source.user_pool_id });
        self.all_with(source, op, body, items, limit_name, limit)
            .await
    }

    async fn all_with(
        &self,
        source: &SourceRef,
        op: &'static str,
        mut body: Value,
        items: &str,
        limit_name: &str,
        limit: u32,
    ) -> Result<Vec<Value>, CoreError> {
        body[limit_name] = json!(limit);
        let mut out = Vec::new();
        loop {
            let page = self.ask(source, op, body.clone()).await?;
            out.extend(page[items].as_array().into_iter().flatten().cloned());
            match page["NextToken"].as_str() {
                Some(t) => body["NextToken"] = json!(t),
                None => return Ok(out),
            }
        }
    }
}
