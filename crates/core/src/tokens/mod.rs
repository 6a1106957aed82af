//! ID, access and refresh tokens as Cognito issues them.
//!
//! ID and access tokens are RS256 JWTs signed with the pool's key (`keys`), with Cognito's
//! claim sets ("Understanding the identity (ID) token", "Understanding the access token").
//! Refresh tokens are opaque: the sign-in's family id and generation sealed with the server
//! key, so a client can neither read nor forge one. Every token of a sign-in carries the
//! family id as `origin_jti`, which is how revoking a refresh token kills its access and ID
//! tokens (`revocation`).

pub mod jwt;
pub mod keys;
pub mod revocation;
mod verify;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tessera_wire::idp::AuthenticationResultType;

use crate::groups::GroupClaims;
use crate::sealing::Purpose;
use crate::store::{ClientRecord, PoolRecord, RefreshFamily, UserRecord};
use crate::{CoreError, Tessera};

pub use verify::{AccessClaims, IdTokenError, VerifiedCache, VerifiedIdCache};

/// The scope that lets an access token call the user's own API operations.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Token lifetimes of an app client, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub access: i64,
    pub id: i64,
    pub refresh: i64,
}

fn unit_seconds(unit: Option<&str>, default: i64) -> i64 {
    match unit {
        Some("seconds") => 1,
        Some("minutes") => 60,
        Some("hours") => 3600,
        Some("days") => 86_400,
        _ => default,
    }
}

/// The client's AccessTokenValidity / IdTokenValidity / RefreshTokenValidity in seconds,
/// with Cognito's default units (hours, hours, days) and defaults (1 h, 1 h, 30 days).
pub fn validity(client: &ClientRecord) -> Validity {
    let c = &client.config;
    let units = c.token_validity_units.clone().unwrap_or_default();
    Validity {
        access: i64::from(c.access_token_validity.unwrap_or(1))
            * unit_seconds(units.access_token.as_deref(), 3600),
        id: i64::from(c.id_token_validity.unwrap_or(1))
            * unit_seconds(units.id_token.as_deref(), 3600),
        refresh: i64::from(c.refresh_token_validity.unwrap_or(30))
            * unit_seconds(units.refresh_token.as_deref(), 86_400),
    }
}

/// What an OAuth grant decides about the tokens of a new sign-in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grant {
    /// Seconds since the epoch.
    pub auth_time: i64,
    /// Space-separated; `None` for API sign-ins (`aws.cognito.signin.user.admin`).
    pub scopes: Option<String>,
    /// The authorization request's `nonce`, echoed in the ID token.
    pub nonce: Option<String>,
    /// The device the sign-in was made on.
    pub device_key: Option<String>,
    /// The ClientMetadata for pre token generation (null: none).
    pub metadata: Value,
}

/// `at_hash`: base64url of the left half of the SHA-256 of the access token (OIDC Core
/// 3.1.3.6, for RS256).
pub fn at_hash(access_token: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    B64.encode(&d.as_ref()[..16])
}

/// What a refresh token carries, sealed.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RefreshPayload {
    /// Pool id.
    pub p: String,
    /// Client id.
    pub c: String,
    /// Family (`origin_jti`).
    pub f: String,
    /// Generation.
    pub g: i64,
}

/// The issuer of a pool's tokens: `<public base URL>/<pool id>`.
pub fn issuer(public_url: &str, pool_id: &str) -> String {
    format!("{}/{pool_id}", public_url.trim_end_matches('/'))
}

fn internal(what: &str) -> CoreError {
    CoreError::Storage(crate::store::StoreError::Backend(what.to_string()))
}

/// The ID token's user claims: every readable attribute, with Cognito's JSON types.
/// The `identities` claim: the attribute's JSON list, each entry's values as text, as
/// Cognito's ID tokens carry them (`"primary":"true"`, `"dateCreated":"1682704282933"`;
/// docs/fidelity.md F7), `issuer` left null when it is.
fn identities_claim(value: &str) -> Value {
    let Ok(Value::Array(list)) = serde_json::from_str::<Value>(value) else {
        return Value::String(value.to_string());
    };
    Value::Array(
        list.into_iter()
            .map(|e| match e {
                Value::Object(m) => Value::Object(
                    m.into_iter()
                        .map(|(k, v)| {
                            let v = match v {
                                Value::Bool(b) => Value::String(b.to_string()),
                                Value::Number(n) => Value::String(n.to_string()),
                                v => v,
                            };
                            (k, v)
                        })
                        .collect(),
                ),
                other => other,
            })
            .collect(),
    )
}

fn attribute_claims(client: &ClientRecord, user: &UserRecord, out: &mut Map<String, Value>) {
    let readable = client.config.read_attributes.as_deref();
    let allowed = |name: &str| readable.is_none_or(|r| r.is_empty() || r.iter().any(|a| a == name));
    for (name, value) in &user.attributes {
        if name.starts_with("dev:") || !allowed(name) {
            continue;
        }
        let v = match name.as_str() {
            "email_verified" | "phone_number_verified" => Value::Bool(value == "true"),
            "updated_at" => value
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(value.clone())),
            "address" => json!({ "formatted": value }),
            "identities" => identities_claim(value),
            _ => Value::String(value.clone()),
        };
        out.insert(name.clone(), v);
    }
}

impl Tessera {
    pub(crate) fn random_id(&self) -> String {
        crate::rand::uuid_v4(self.rng.as_ref())
    }

    /// Starts an API sign-in, on `device` when the sign-in proved one, else (when the pool
    /// tracks devices) on a new device whose metadata the result carries.
    pub(crate) async fn issue_tokens_on(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        device: Option<&str>,
        metadata: &Value,
    ) -> Result<AuthenticationResultType, CoreError> {
        let now = self.clock.now_millis();
        let known = match device {
            Some(k) => self
                .store
                .get_device(&pool.id, k)
                .await?
                .filter(|d| d.sub == user.sub)
                .map(|d| d.device_key),
            None => None,
        };
        let new_device = match known {
            Some(_) => None,
            None => self.track_new_device(pool, user).await?,
        };
        let grant = Grant {
            auth_time: now.div_euclid(1000),
            device_key: known.or_else(|| new_device.as_ref().and_then(|d| d.device_key.clone())),
            metadata: metadata.clone(),
            ..Grant::default()
        };
        let mut result = self.issue_tokens_for(pool, client, user, grant).await?;
        result.new_device_metadata = new_device;
        Ok(result)
    }

    /// Starts a sign-in with what an OAuth grant decided (scopes, `auth_time`, `nonce`).
    pub(crate) async fn issue_tokens_for(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        grant: Grant,
    ) -> Result<AuthenticationResultType, CoreError> {
        let now = self.clock.now_millis();
        let v = validity(client);
        let family = RefreshFamily {
            origin_jti: self.random_id(),
            pool_id: pool.id.clone(),
            sub: user.sub.clone(),
            client_id: client.client_id.clone(),
            auth_time: grant.auth_time,
            created_ms: now,
            expires_ms: now + v.refresh * 1000,
            revoked_ms: None,
            generation: 0,
            previous_valid_until_ms: 0,
            scopes: grant.scopes,
            device_key: grant.device_key,
        };
        self.store.insert_family(&family).await?;
        let source = if family.scopes.is_some() {
            "TokenGeneration_HostedAuth"
        } else {
            "TokenGeneration_Authentication"
        };
        let mut result = self
            .sign_tokens(
                pool,
                client,
                user,
                &family,
                grant.nonce.as_deref(),
                (source, &grant.metadata),
            )
            .await?;
        result.refresh_token = Some(self.refresh_token(&family, family.generation));
        Ok(result)
    }

    /// A refresh token for `generation` of a family.
    pub(crate) fn refresh_token(&self, family: &RefreshFamily, generation: i64) -> String {
        let payload = RefreshPayload {
            p: family.pool_id.clone(),
            c: family.client_id.clone(),
            f: family.origin_jti.clone(),
            g: generation,
        };
        let plain = serde_json::to_vec(&payload).unwrap_or_default();
        B64.encode(
            self.sealer
                .seal(Purpose::RefreshToken, b"refresh", &plain, self.rng.as_ref()),
        )
    }

    /// Opens a refresh token; `None` if it is not one of ours.
    pub(crate) fn open_refresh_token(&self, token: &str) -> Option<RefreshPayload> {
        let sealed = B64.decode(token.trim()).ok()?;
        let plain = self
            .sealer
            .open(Purpose::RefreshToken, b"refresh", &sealed)
            .ok()?;
        serde_json::from_slice(&plain).ok()
    }

    /// Signs a new ID and access token for a family (sign-in or refresh).
    pub(crate) async fn sign_tokens(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        family: &RefreshFamily,
        nonce: Option<&str>,
        (source, metadata): (&str, &Value),
    ) -> Result<AuthenticationResultType, CoreError> {
        let ring = self.key_ring(&pool.id).await?;
        let (kid, key) = ring
            .active
            .clone()
            .ok_or_else(|| internal("the pool has no active signing key"))?;
        let now = self.clock.now_secs();
        let v = validity(client);
        let iss = issuer(&self.settings.public_url, &pool.id);
        let event_id = self.random_id();
        let groups = self.cached_group_claims(pool, &user.sub).await?;

        // Claim sets of "Understanding the access token" / "... the identity (ID) token".
        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        insert_group_claims(&groups, &mut access, false);
        access.insert("iss".into(), json!(iss));
        access.insert("client_id".into(), json!(client.client_id));
        access.insert("origin_jti".into(), json!(family.origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        let scope = family.scopes.as_deref().unwrap_or(ADMIN_SCOPE);
        access.insert("scope".into(), json!(scope));
        access.insert("auth_time".into(), json!(family.auth_time));
        access.insert("exp".into(), json!(now + v.access));
        access.insert("iat".into(), json!(now));
        access.insert("jti".into(), json!(self.random_id()));
        access.insert("username".into(), json!(user.username));
        if let Some(d) = &family.device_key {
            access.insert("device_key".into(), json!(d));
        }

        let mut id = Map::new();
        id.insert("sub".into(), json!(user.sub));
        insert_group_claims(&groups, &mut id, true);
        attribute_claims(client, user, &mut id);
        id.insert("iss".into(), json!(iss));
        id.insert("cognito:username".into(), json!(user.username));
        id.insert("origin_jti".into(), json!(family.origin_jti));
        id.insert("aud".into(), json!(client.client_id));
        id.insert("event_id".into(), json!(event_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(family.auth_time));
        id.insert("exp".into(), json!(now + v.id));
        id.insert("iat".into(), json!(now));
        id.insert("jti".into(), json!(self.random_id()));
        if let Some(n) = nonce {
            id.insert("nonce".into(), json!(n));
        }
        // An OAuth sign-in gets an ID token only with the openid scope; its ID token
        // carries `at_hash`, which needs the access token first.
        self.customise_tokens(
            pool,
            client,
            user,
            (source, metadata),
            &groups,
            &mut id,
            &mut access,
        )
        .await?;
        let scope = access
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or(scope)
            .to_string();
        let oauth = family.scopes.is_some();
        let with_id = !oauth || scope.split(' ').any(|s| s == crate::oauth::OPENID);

        let access_bytes = serde_json::to_vec(&Value::Object(access))
            .map_err(|_| internal("token serialisation"))?;
        // RSA signatures: off the async threads, on the bounded crypto pool.
        let (access_token, id_token) = crate::users::password::bounded(move || {
            let access_token = jwt::sign(&kid, &access_bytes, &key)?;
            if !with_id {
                return Some((access_token, None));
            }
            if oauth {
                id.insert("at_hash".into(), json!(at_hash(&access_token)));
            }
            let id_bytes = serde_json::to_vec(&Value::Object(id)).ok()?;
            let id_token = jwt::sign(&kid, &id_bytes, &key)?;
            Some((access_token, Some(id_token)))
        })
        .await?
        .ok_or_else(|| internal("signing failed"))?;
        Ok(AuthenticationResultType {
            access_token: Some(access_token),
            expires_in: Some(v.access as i32),
            id_token,
            new_device_metadata: None,
            refresh_token: None,
            token_type: Some("Bearer".into()),
        })
    }
}

/// Adds `cognito:groups` (and, to ID tokens, `cognito:preferred_role` and `cognito:roles`).
fn insert_group_claims(claims: &GroupClaims, out: &mut Map<String, Value>, with_roles: bool) {
    if claims.groups.is_empty() {
        return;
    }
    out.insert("cognito:groups".into(), json!(claims.groups));
    if with_roles {
        if let Some(role) = &claims.preferred_role {
            out.insert("cognito:preferred_role".into(), json!(role));
        }
        if !claims.roles.is_empty() {
            out.insert("cognito:roles".into(), json!(claims.roles));
        }
    }
}
