//! App clients: create, describe, update, delete, list.
//!
//! Rules follow the CreateUserPoolClient / UpdateUserPoolClient API reference: token
//! validity ranges per unit, OAuth flow combinations, scopes, callback URLs, attribute
//! permissions. `UpdateUserPoolClient` resets settings the request leaves out.

use serde::Serialize;
use tessera_wire::idp::{
    CreateUserPoolClientRequest, TokenValidityUnitsType, UpdateUserPoolClientRequest,
    UserPoolClientDescription, UserPoolClientType,
};

use crate::secret::Secret;
use crate::store::{ChangeKind, ClientRecord, PoolRecord};
use crate::{CoreError, Tessera, ids, page};

/// Cognito's quota of app clients per user pool.
pub const MAX_CLIENTS_PER_POOL: u64 = 1000;

/// Marks a stored client secret as sealed (base64 of the sealed bytes follows).
const SEALED_PREFIX: &str = "sealed:v1:";

/// Scopes every pool knows without a resource server.
pub const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

const LEGACY_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];

/// Cognito names the client, in the signed calls as in the public ones: AdminInitiateAuth
/// answers `User pool client <id> does not exist.` (docs/fidelity.md, configuration audit).
pub(crate) fn client_not_found(client_id: &str) -> CoreError {
    CoreError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
}

/// Copies the members that a request and `UserPoolClientType` share (same wire names).
fn settings_of(req: &impl Serialize) -> Result<UserPoolClientType, CoreError> {
    serde_json::to_value(req)
        .and_then(serde_json::from_value)
        .map_err(|e| CoreError::InvalidParameter(format!("Invalid client settings: {e}")))
}

fn unit_seconds(unit: &str) -> i64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86_400,
    }
}

/// Cognito's one text for every token validity out of range, whichever token it is.
const VALIDITY_RANGE: &str = "Invalid range for token validity.";

fn check_validity(value: Option<i32>, unit: &str, min_s: i64, max_s: i64) -> Result<(), CoreError> {
    if let Some(v) = value {
        let secs = i64::from(v) * unit_seconds(unit);
        if !(min_s..=max_s).contains(&secs) {
            return Err(CoreError::InvalidParameter(VALIDITY_RANGE.into()));
        }
    }
    Ok(())
}

fn is_allowed_redirect(url: &str, what: &str) -> Result<(), CoreError> {
    let bad = || CoreError::InvalidParameter(format!("{what} {url} is not a valid URL."));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if url.contains('#') || rest.is_empty() {
        return Err(bad());
    }
    let host = rest
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .rsplit_once(':')
        .map_or_else(
            || rest.split(['/', '?']).next().unwrap_or_default(),
            |(h, _)| h,
        );
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if host == "localhost" || host == "127.0.0.1" || host == "[::1]" => Ok(()),
        "http" => Err(CoreError::InvalidParameter(format!(
            "{what} {url} must use https (plain http is allowed only for localhost)."
        ))),
        // Native apps register custom schemes (myapp://callback).
        s if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

fn attribute_names(pool: &PoolRecord) -> Vec<String> {
    pool.config
        .schema_attributes
        .iter()
        .flatten()
        .filter_map(|a| a.name.clone())
        .collect()
}

/// Validates and completes a client's settings with Cognito's defaults.
fn normalise(
    pool: &PoolRecord,
    custom_scopes: &[String],
    providers: &[String],
    mut c: UserPoolClientType,
    has_secret: bool,
    creating: bool,
) -> Result<UserPoolClientType, CoreError> {
    let verb = if creating { "creating" } else { "updating" };
    // Token validity.
    let mut units = c.token_validity_units.take().unwrap_or_default();
    let any_units =
        units.access_token.is_some() || units.id_token.is_some() || units.refresh_token.is_some();
    let access_unit = units.access_token.clone().unwrap_or_else(|| "hours".into());
    let id_unit = units.id_token.clone().unwrap_or_else(|| "hours".into());
    let refresh_unit = units.refresh_token.clone().unwrap_or_else(|| "days".into());
    // Access and ID tokens: 5 minutes to 1 day; refresh tokens: 60 minutes to 10 years.
    check_validity(c.access_token_validity, &access_unit, 300, 86_400)?;
    check_validity(c.id_token_validity, &id_unit, 300, 86_400)?;
    if c.refresh_token_validity == Some(0) {
        c.refresh_token_validity = None;
    }
    check_validity(c.refresh_token_validity, &refresh_unit, 3600, 3650 * 86_400)?;
    if c.refresh_token_validity.is_none() {
        c.refresh_token_validity = Some(30);
        units.refresh_token = Some(refresh_unit.clone());
        if refresh_unit != "days" {
            c.refresh_token_validity = Some((30 * 86_400 / unit_seconds(&refresh_unit)) as i32);
        }
    }
    if any_units || c.access_token_validity.is_some() || c.id_token_validity.is_some() {
        units.access_token.get_or_insert(access_unit);
        units.id_token.get_or_insert(id_unit);
        units.refresh_token.get_or_insert(refresh_unit);
    }
    c.token_validity_units = (units != TokenValidityUnitsType::default()).then_some(units);

    // Authentication flows.
    if let Some(flows) = &c.explicit_auth_flows {
        let legacy = flows.iter().any(|f| LEGACY_FLOWS.contains(&f.as_str()));
        let modern = flows.iter().any(|f| !LEGACY_FLOWS.contains(&f.as_str()));
        if legacy && modern {
            return Err(CoreError::InvalidParameter(
                "ExplicitAuthFlows cannot mix legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, \
                 USER_PASSWORD_AUTH) with ALLOW_ values."
                    .into(),
            ));
        }
    }

    // Attribute permissions.
    let names = attribute_names(pool);
    for (list, kind) in [(&c.read_attributes, "read"), (&c.write_attributes, "write")] {
        if let Some(list) = list {
            let writable_ok = |a: &String| kind == "read" || a != "sub";
            if !list.iter().all(|a| names.contains(a) && writable_ok(a)) {
                return Err(CoreError::InvalidParameter(format!(
                    "Invalid {kind} attributes specified while {verb} a client"
                )));
            }
        }
    }

    // Identity providers: COGNITO, or a provider of the pool.
    for p in c.supported_identity_providers.iter().flatten() {
        if p != "COGNITO" && !providers.contains(p) {
            return Err(CoreError::InvalidParameter(format!(
                "The provider {p} does not exist for User Pool {}",
                pool.id
            )));
        }
    }

    // OAuth.
    for url in c.callback_urls.iter().flatten() {
        is_allowed_redirect(url, "CallbackURL")?;
    }
    for url in c.logout_urls.iter().flatten() {
        is_allowed_redirect(url, "LogoutURL")?;
    }
    if let Some(d) = &c.default_redirect_uri {
        is_allowed_redirect(d, "DefaultRedirectURI")?;
        if !c.callback_urls.iter().flatten().any(|u| u == d) {
            return Err(CoreError::InvalidParameter(
                "DefaultRedirectURI must be one of the CallbackURLs.".into(),
            ));
        }
    }
    let flows = c.allowed_oauth_flows.clone().unwrap_or_default();
    if flows.iter().any(|f| f == "client_credentials") {
        if flows.iter().any(|f| f == "code" || f == "implicit") {
            return Err(CoreError::InvalidOAuthFlow(
                "client_credentials flow can not be selected if authorization code or implicit flow is selected."
                    .into(),
            ));
        }
        if !has_secret {
            return Err(CoreError::InvalidOAuthFlow(
                "client_credentials flow can not be selected if client does not have a client secret.".into(),
            ));
        }
    }
    for s in c.allowed_oauth_scopes.iter().flatten() {
        if !STANDARD_SCOPES.contains(&s.as_str()) && !custom_scopes.contains(s) {
            return Err(CoreError::ScopeDoesNotExist(format!(
                "Invalid scope requested: {s}"
            )));
        }
    }
    if flows.iter().any(|f| f == "client_credentials")
        && let Some(s) = c
            .allowed_oauth_scopes
            .iter()
            .flatten()
            .find(|s| STANDARD_SCOPES.contains(&s.as_str()))
    {
        return Err(CoreError::InvalidOAuthFlow(format!(
            "{s} is not supported with client_credentials flow"
        )));
    }
    if c.allowed_oauth_flows_user_pool_client == Some(true) {
        if flows.is_empty() || c.allowed_oauth_scopes.as_ref().is_none_or(Vec::is_empty) {
            return Err(CoreError::InvalidOAuthFlow(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is \
                 allowed to use OAuth flows."
                    .into(),
            ));
        }
        if flows.iter().any(|f| f != "client_credentials")
            && c.callback_urls.as_ref().is_none_or(Vec::is_empty)
        {
            return Err(CoreError::InvalidOAuthFlow(
                "CallbackUrls can not be empty when code flow or implicit flow is selected".into(),
            ));
        }
    }
    c.allowed_oauth_flows_user_pool_client =
        Some(c.allowed_oauth_flows_user_pool_client.unwrap_or(false));
    c.enable_token_revocation = Some(c.enable_token_revocation.unwrap_or(true));
    c.enable_propagate_additional_user_context_data = Some(
        c.enable_propagate_additional_user_context_data
            .unwrap_or(false),
    );
    c.auth_session_validity = Some(c.auth_session_validity.unwrap_or(3));
    c.prevent_user_existence_errors = Some(
        c.prevent_user_existence_errors
            .unwrap_or_else(|| "LEGACY".into()),
    );
    Ok(c)
}

fn describe(rec: ClientRecord) -> UserPoolClientType {
    let mut c = rec.config;
    c.user_pool_id = Some(rec.pool_id);
    c.client_id = Some(rec.client_id);
    c.client_name = Some(rec.client_name);
    c.client_secret = rec.secret.map(Secret::into_inner);
    c.creation_date = Some(rec.created_ms as f64 / 1000.0);
    c.last_modified_date = Some(rec.modified_ms as f64 / 1000.0);
    c
}

impl Tessera {
    /// `CreateUserPoolClient`.
    pub async fn create_user_pool_client(
        &self,
        req: CreateUserPoolClientRequest,
    ) -> Result<UserPoolClientType, CoreError> {
        self.create_client_as(req, None).await
    }

    /// `CreateUserPoolClient` with the client id chosen by the caller (live migration keeps
    /// the source's); a taken id is the store's `Conflict`.
    pub(crate) async fn create_client_as(
        &self,
        req: CreateUserPoolClientRequest,
        client_id: Option<String>,
    ) -> Result<UserPoolClientType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        if self.store.count_clients(&pool.id).await? >= MAX_CLIENTS_PER_POOL {
            return Err(CoreError::LimitExceeded(format!(
                "A user pool can have at most {MAX_CLIENTS_PER_POOL} app clients."
            )));
        }
        let secret = match (&req.client_secret, req.generate_secret) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(true)) => Some(ids::new_client_secret(self.rng.as_ref())),
            _ => None,
        };
        let mut settings = settings_of(&req)?;
        settings.client_secret = None;
        settings.client_type = Some("REGULAR".into());
        let custom = self.custom_scopes(&pool.id).await?;
        let providers = self.provider_names(&pool.id).await?;
        let config = normalise(&pool, &custom, &providers, settings, secret.is_some(), true)?;
        let now = self.clock.now_millis();
        let rec = ClientRecord {
            pool_id: pool.id,
            client_id: client_id.unwrap_or_else(|| ids::new_client_id(self.rng.as_ref())),
            client_name: req.client_name,
            secret: secret.map(Secret::new),
            created_ms: now,
            modified_ms: now,
            version: 1,
            config,
        };
        self.store.insert_client(&self.seal_client(&rec)).await?;
        crate::settings::client_saved(&rec);
        Ok(describe(rec))
    }

    /// The record as stored: its secret sealed with the server key (bound to the client
    /// id), so a copy of the database does not give away client secrets.
    pub(crate) fn seal_client(&self, rec: &ClientRecord) -> ClientRecord {
        use base64::Engine;
        let mut stored = rec.clone();
        stored.secret = rec.secret.as_ref().map(|s| {
            let sealed = self.sealer.seal(
                crate::sealing::Purpose::ClientSecret,
                rec.client_id.as_bytes(),
                s.expose().as_bytes(),
                self.rng.as_ref(),
            );
            Secret::new(format!(
                "{SEALED_PREFIX}{}",
                base64::engine::general_purpose::STANDARD.encode(sealed)
            ))
        });
        stored
    }

    /// The record as read from the store, its secret opened. Secrets stored before they
    /// were sealed (no prefix) read as they are and are sealed at the client's next update.
    pub(crate) fn open_client(&self, mut rec: ClientRecord) -> Result<ClientRecord, CoreError> {
        use base64::Engine;
        if let Some(sealed) = rec
            .secret
            .as_ref()
            .and_then(|s| s.expose().strip_prefix(SEALED_PREFIX))
        {
            let plain = base64::engine::general_purpose::STANDARD
                .decode(sealed)
                .ok()
                .and_then(|b| {
                    self.sealer
                        .open(
                            crate::sealing::Purpose::ClientSecret,
                            rec.client_id.as_bytes(),
                            &b,
                        )
                        .ok()
                })
                .and_then(|p| String::from_utf8(p).ok())
                .ok_or_else(|| {
                    CoreError::Storage(crate::store::StoreError::Backend(format!(
                        "the secret of app client {} does not open with this server key",
                        rec.client_id
                    )))
                })?;
            rec.secret = Some(Secret::new(plain));
        }
        Ok(rec)
    }

    /// An app client by id, its secret opened.
    pub(crate) async fn read_client(
        &self,
        client_id: &str,
    ) -> Result<Option<ClientRecord>, CoreError> {
        self.store
            .get_client(client_id)
            .await?
            .map(|c| self.open_client(c))
            .transpose()
    }

    async fn load_client(&self, pool_id: &str, client_id: &str) -> Result<ClientRecord, CoreError> {
        match self.read_client(client_id).await? {
            Some(c) if c.pool_id == pool_id => Ok(c),
            _ => {
                self.load_pool(pool_id).await?;
                Err(client_not_found(client_id))
            }
        }
    }

    /// `DescribeUserPoolClient` (includes the secret, as Cognito's does).
    pub async fn describe_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<UserPoolClientType, CoreError> {
        Ok(describe(self.load_client(pool_id, client_id).await?))
    }

    /// `UpdateUserPoolClient`: omitted settings return to their defaults; the name and the
    /// secret stay as they are unless given.
    pub async fn update_user_pool_client(
        &self,
        req: UpdateUserPoolClientRequest,
    ) -> Result<UserPoolClientType, CoreError> {
        for _ in 0..crate::MAX_RETRIES {
            let pool = self.load_pool(&req.user_pool_id).await?;
            let mut rec = self.load_client(&req.user_pool_id, &req.client_id).await?;
            let mut settings = settings_of(&req)?;
            settings.client_type = rec.config.client_type.clone();
            let custom = self.custom_scopes(&pool.id).await?;
            let providers = self.provider_names(&pool.id).await?;
            let config = normalise(
                &pool,
                &custom,
                &providers,
                settings,
                rec.secret.is_some(),
                false,
            )?;
            let expected = rec.version;
            rec.version += 1;
            rec.modified_ms = self.clock.now_millis().max(rec.modified_ms);
            if let Some(name) = &req.client_name {
                rec.client_name = name.clone();
            }
            rec.config = config;
            if self
                .store
                .update_client(&self.seal_client(&rec), expected)
                .await?
            {
                self.changed(ChangeKind::Client, &rec.pool_id, &rec.client_id)
                    .await?;
                crate::settings::client_saved(&rec);
                return Ok(describe(rec));
            }
        }
        Err(crate::concurrent_modification("app client"))
    }

    /// `DeleteUserPoolClient`.
    pub async fn delete_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<(), CoreError> {
        self.load_client(pool_id, client_id).await?;
        if !self.store.delete_client(pool_id, client_id).await? {
            return Err(client_not_found(client_id));
        }
        self.forget_client_documents(pool_id, client_id).await?;
        self.changed(ChangeKind::Client, pool_id, client_id).await
    }

    /// Removes the client's terms, UI customisation and branding style with it.
    async fn forget_client_documents(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<(), CoreError> {
        use crate::store::DocKind;
        self.store
            .delete_document(pool_id, DocKind::UiCustomization, client_id)
            .await?;
        for kind in [DocKind::Terms, DocKind::Branding] {
            for rec in self.all_docs(pool_id, kind).await? {
                let owner = serde_json::from_str::<serde_json::Value>(&rec.doc)
                    .ok()
                    .and_then(|v| {
                        v.get("ClientId")
                            .and_then(|c| c.as_str())
                            .map(str::to_owned)
                    });
                if owner.as_deref() == Some(client_id) {
                    self.store.delete_document(pool_id, kind, &rec.key).await?;
                }
            }
        }
        Ok(())
    }

    /// `ListUserPoolClients`: one page ordered by client id.
    pub async fn list_user_pool_clients(
        &self,
        pool_id: &str,
        max_results: Option<i32>,
        next_token: Option<&str>,
        client_type: Option<&str>,
    ) -> Result<(Vec<UserPoolClientDescription>, Option<String>), CoreError> {
        self.load_pool(pool_id).await?;
        let after = next_token.map(page::decode).transpose()?;
        let limit = page::size(max_results);
        let rows = self
            .store
            .list_clients(pool_id, after.as_deref(), limit + 1)
            .await?;
        let (rows, next) = page::finish(rows, limit as usize, |r| &r.client_id);
        let items = rows
            .into_iter()
            .filter(|r| {
                client_type
                    .is_none_or(|t| r.config.client_type.as_deref().unwrap_or("REGULAR") == t)
            })
            .map(|r| UserPoolClientDescription {
                client_id: Some(r.client_id),
                user_pool_id: Some(r.pool_id),
                client_name: Some(r.client_name),
            })
            .collect();
        Ok((items, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_rules() {
        assert!(is_allowed_redirect("https://app.example.com/cb", "CallbackURL").is_ok());
        assert!(is_allowed_redirect("http://localhost:3000/cb", "CallbackURL").is_ok());
        assert!(is_allowed_redirect("http://127.0.0.1/cb", "CallbackURL").is_ok());
        assert!(is_allowed_redirect("myapp://cb", "CallbackURL").is_ok());
        assert!(is_allowed_redirect("http://example.com/cb", "CallbackURL").is_err());
        assert!(is_allowed_redirect("https://example.com/cb#frag", "CallbackURL").is_err());
        assert!(is_allowed_redirect("not a url", "CallbackURL").is_err());
    }

    #[test]
    fn validity_ranges() {
        assert!(check_validity(Some(5), "minutes", 300, 86_400).is_ok());
        assert!(check_validity(Some(4), "minutes", 300, 86_400).is_err());
        assert!(check_validity(Some(25), "hours", 300, 86_400).is_err());
        assert!(check_validity(None, "hours", 300, 86_400).is_ok());
        let refused = check_validity(Some(0), "days", 3600, 3650 * 86_400);
        assert!(matches!(refused, Err(CoreError::InvalidParameter(m)) if m == VALIDITY_RANGE));
    }
}
