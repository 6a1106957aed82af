//! `tessera migrate copy`: the source pool's configuration and users, ahead of time. The
//! pool keeps its id where it is free here, clients keep their ids and secrets; groups,
//! resource servers, identity providers, the prefix domain and the MFA configuration are
//! made again through the same core operations as the API (so the same rules hold), and the
//! users are copied without passwords (Cognito never reveals them), *pending* until their
//! first password sign-in asks the source. Then the pool is linked to the source.
//! Not copied, and listed in the report: Lambda triggers (their ARNs need `[[trigger]]`
//! targets here), custom domains (their certificates), branding.

use serde::Serialize;
use serde_json::{Value, json};

use super::user::SourceUser;
use super::{SourceRef, unavailable};
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

impl Tessera {
    /// Copies the source pool here and links it (see the module's documentation). Run again
    /// for a source already linked, it resumes: what is missing of the configuration, the
    /// users not here yet, and memberships.
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
        let described = self
            .ask(
                &source,
                "DescribeUserPool",
                json!({ "UserPoolId": source.user_pool_id }),
            )
            .await?["UserPool"]
            .clone();
        let pool_id = match &earlier {
            Some(e) => {
                report.resumed = true;
                e.user_pool_id.clone()
            }
            None => {
                // Linked at once: sign-ins during the copy migrate lazily, and a copy that
                // stops is found again by the next run.
                let id = self.create_copy_pool(&source, &described).await?;
                self.link_migration_source(&id, source.clone(), client_secret)
                    .await?;
                id
            }
        };
        report.same_pool_id = pool_id == source.user_pool_id;
        self.copy_settings(&source, &described, &pool_id, &mut report)
            .await?;
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
        Ok(report)
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
        let mut seen = std::collections::HashSet::new();
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
            match &token {
                None => return Ok(self.store.bulk_loaded().await?),
                Some(t) if !seen.insert(t.clone()) => {
                    return Err(unavailable(
                        "ListUsers handed out the same PaginationToken twice",
                    ));
                }
                Some(_) => {}
            }
        }
    }

    /// A call that must succeed; a throttled one (TooManyRequestsException, Cognito's quota
    /// for these operations) is tried again after 1, 2, 4 … 32 seconds.
    pub(super) async fn ask(
        &self,
        source: &SourceRef,
        op: &'static str,
        body: Value,
    ) -> Result<Value, CoreError> {
        let mut wait = std::time::Duration::from_secs(1);
        loop {
            match self.call_source(source, op, body.clone()).await? {
                Ok(v) => return Ok(v),
                Err((kind, _)) if kind == "TooManyRequestsException" && wait.as_secs() <= 32 => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err((kind, message)) => {
                    return Err(unavailable(&format!("{op} answered {kind}: {message}")));
                }
            }
        }
    }

    /// Every item of a paged List operation on the source pool.
    pub(super) async fn all(
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

    /// Every item of a paged List operation; a source that hands out a token it gave before
    /// ends the listing with an error rather than looping.
    pub(super) async fn all_with(
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
        let mut seen = std::collections::HashSet::new();
        loop {
            let page = self.ask(source, op, body.clone()).await?;
            out.extend(page[items].as_array().into_iter().flatten().cloned());
            match page["NextToken"].as_str() {
                Some(t) if !seen.insert(t.to_owned()) => {
                    return Err(unavailable(&format!(
                        "{op} handed out the same NextToken twice"
                    )));
                }
                Some(t) => body["NextToken"] = json!(t),
                None => return Ok(out),
            }
        }
    }
}
