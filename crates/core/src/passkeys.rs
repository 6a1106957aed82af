//! Passkeys: `StartWebAuthnRegistration`, `CompleteWebAuthnRegistration`,
//! `ListWebAuthnCredentials`, `DeleteWebAuthnCredential`, and the WEB_AUTHN first factor of
//! choice-based sign-in, with `webauthn-rs`.
//!
//! The relying party id is the pool's WebAuthnConfiguration `RelyingPartyId`, else its custom
//! domain, else the host of the public URL. Origins allowed: `https://<rp id>` on any port,
//! and `http://localhost` for local development. A registration in progress is kept on the
//! user (one at a time, five minutes); an assertion in progress travels in the sealed
//! challenge session. Credentials are pool documents keyed `<sub>/<credential id>`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_wire::idp::WebAuthnCredentialDescription;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::oauth::{new_doc, read_doc};
use crate::store::{DocKind, PoolRecord, UserRecord};
use crate::{CoreError, Tessera, page};

/// How long a registration may take.
const REGISTRATION_TTL_MS: i64 = 5 * 60_000;
/// Passkeys per user (Cognito's quota is 20).
pub const MAX_PASSKEYS: usize = 20;

fn webauthn_error(kind: &'static str, message: impl Into<String>) -> CoreError {
    CoreError::WebAuthn(kind, message.into())
}

/// A stored passkey.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredPasskey {
    passkey: Passkey,
    name: String,
    rp: String,
    created_ms: i64,
    #[serde(default)]
    attachment: Option<String>,
    #[serde(default)]
    transports: Vec<String>,
}

fn key_of(sub: &str, credential_id: &str) -> String {
    format!("{sub}/{credential_id}")
}

/// A stored passkey as ListWebAuthnCredentials describes it.
fn describe(p: StoredPasskey) -> WebAuthnCredentialDescription {
    WebAuthnCredentialDescription {
        credential_id: credential_id(&p.passkey),
        friendly_credential_name: p.name,
        relying_party_id: p.rp,
        authenticator_attachment: p.attachment,
        authenticator_transports: p.transports,
        created_at: p.created_ms as f64 / 1000.0,
    }
}

fn credential_id(p: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(p.cred_id().as_ref())
}

impl Tessera {
    /// The pool's relying party id.
    async fn relying_party(&self, pool: &PoolRecord) -> Result<String, CoreError> {
        let cfg = self.get_user_pool_mfa_config(&pool.id).await?;
        if let Some(rp) = cfg
            .web_authn_configuration
            .and_then(|w| w.relying_party_id)
            .filter(|r| !r.is_empty())
        {
            return Ok(rp);
        }
        if let Some(d) = &pool.config.custom_domain {
            return Ok(d.clone());
        }
        let url = Url::parse(&self.settings.public_url).map_err(|_| {
            webauthn_error(
                "WebAuthnConfigurationMissingException",
                "The public URL is not a URL.",
            )
        })?;
        Ok(url.host_str().unwrap_or("localhost").to_string())
    }

    async fn webauthn(&self, pool: &PoolRecord) -> Result<(Webauthn, String), CoreError> {
        let rp = self.relying_party(pool).await?;
        let missing = || {
            webauthn_error(
                "WebAuthnConfigurationMissingException",
                format!("The relying party id {rp} cannot be used for passkeys."),
            )
        };
        let origin = Url::parse(&format!("https://{rp}")).map_err(|_| missing())?;
        let mut b = WebauthnBuilder::new(&rp, &origin)
            .map_err(|_| missing())?
            .rp_name(&pool.name)
            .allow_any_port(true);
        if rp == "localhost"
            && let Ok(local) = Url::parse("http://localhost")
        {
            b = b.append_allowed_origin(&local);
        }
        Ok((b.build().map_err(|_| missing())?, rp))
    }

    async fn passkeys_of(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Vec<(String, StoredPasskey)>, CoreError> {
        let prefix = format!("{sub}/");
        let mut out = Vec::new();
        let mut after = prefix.clone();
        loop {
            let rows = self
                .store
                .list_documents(pool_id, DocKind::Passkey, Some(&after), 50)
                .await?;
            let done = rows.len() < 50;
            for r in rows {
                if !r.key.starts_with(&prefix) {
                    return Ok(out);
                }
                after = r.key.clone();
                out.push((r.key.clone(), read_doc(&r)?));
            }
            if done {
                return Ok(out);
            }
        }
    }

    /// `StartWebAuthnRegistration`: the options for `navigator.credentials.create()`.
    pub async fn start_web_authn_registration(
        &self,
        access_token: &str,
    ) -> Result<Value, CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        let enabled = crate::auth::choice::allowed_first_factors(&pool)
            .iter()
            .any(|f| f == crate::auth::choice::WEB_AUTHN);
        if !enabled {
            return Err(webauthn_error(
                "WebAuthnNotEnabledException",
                "Passkey sign-in is not enabled for this user pool (SignInPolicy.AllowedFirstAuthFactors).",
            ));
        }
        let (webauthn, _) = self.webauthn(&pool).await?;
        let existing = self.passkeys_of(&pool.id, &user.sub).await?;
        if existing.len() >= MAX_PASSKEYS {
            return Err(CoreError::LimitExceeded(format!(
                "A user can have at most {MAX_PASSKEYS} passkeys."
            )));
        }
        let id = Uuid::parse_str(&user.sub).unwrap_or_else(|_| Uuid::new_v4());
        let display = user
            .attributes
            .get("email")
            .cloned()
            .unwrap_or_else(|| user.username.clone());
        let exclude = existing
            .iter()
            .map(|(_, p)| p.passkey.cred_id().clone())
            .collect();
        let (ccr, state) = webauthn
            .start_passkey_registration(id, &user.username, &display, Some(exclude))
            .map_err(|e| webauthn_error("WebAuthnConfigurationMissingException", e.to_string()))?;
        let pending = serde_json::json!({
            "state": state,
            "until": self.clock.now_millis() + REGISTRATION_TTL_MS,
        });
        self.modify_user(&pool, &user.username, |u| {
            u.extra["webauthn_registration"] = pending.clone();
            Ok(())
        })
        .await?;
        serde_json::to_value(&ccr.public_key)
            .map_err(|_| CoreError::InvalidParameter("options".into()))
    }

    /// `CompleteWebAuthnRegistration`: the authenticator's answer becomes a passkey.
    pub async fn complete_web_authn_registration(
        &self,
        access_token: &str,
        credential: Value,
    ) -> Result<(), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        let pending = &user.extra["webauthn_registration"];
        let state: PasskeyRegistration = pending
            .get("state")
            .filter(|_| {
                pending["until"]
                    .as_i64()
                    .is_some_and(|u| u > self.clock.now_millis())
            })
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .ok_or_else(|| {
                webauthn_error(
                    "WebAuthnChallengeNotFoundException",
                    "No passkey registration is in progress; call StartWebAuthnRegistration.",
                )
            })?;
        let reg: RegisterPublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|_| {
                webauthn_error(
                    "WebAuthnCredentialNotSupportedException",
                    "The credential is not a WebAuthn registration response.",
                )
            })?;
        let (webauthn, rp) = self.webauthn(&pool).await?;
        let passkey = webauthn
            .finish_passkey_registration(&reg, &state)
            .map_err(|e| {
                webauthn_error(
                    "WebAuthnClientMismatchException",
                    format!("The passkey registration failed: {e}"),
                )
            })?;
        let transports = credential
            .pointer("/response/transports")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let now = self.clock.now_millis();
        let stored = StoredPasskey {
            name: credential
                .get("authenticatorAttachment")
                .and_then(Value::as_str)
                .map_or_else(|| "Passkey".to_string(), |a| format!("Passkey ({a})")),
            attachment: credential
                .get("authenticatorAttachment")
                .and_then(Value::as_str)
                .map(str::to_owned),
            rp,
            created_ms: now,
            transports,
            passkey,
        };
        let key = key_of(&user.sub, &credential_id(&stored.passkey));
        let rec = new_doc(&pool.id, DocKind::Passkey, &key, &stored, now)?;
        // The registration is single use: the one request whose conditional update of the
        // user removes it stores the passkey (docs/adr/0014).
        let taken = pending.clone();
        self.modify_user(&pool, &user.username, |u| {
            if u.extra["webauthn_registration"] != taken {
                return Err(webauthn_error(
                    "WebAuthnChallengeNotFoundException",
                    "No passkey registration is in progress; call StartWebAuthnRegistration.",
                ));
            }
            if let Some(o) = u.extra.as_object_mut() {
                o.remove("webauthn_registration");
            }
            Ok(())
        })
        .await?;
        self.store.insert_document(&rec).await?;
        Ok(())
    }

    /// `ListWebAuthnCredentials`.
    pub async fn list_web_authn_credentials(
        &self,
        access_token: &str,
        max_results: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<WebAuthnCredentialDescription>, Option<String>), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        let all = self.passkeys_of(&pool.id, &user.sub).await?;
        let after = next_token.map(page::decode).transpose()?;
        let rows: Vec<_> = all
            .into_iter()
            .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
            .collect();
        let (rows, next) =
            page::finish(rows, page::size(max_results) as usize, |(k, _)| k.as_str());
        Ok((rows.into_iter().map(|(_, p)| describe(p)).collect(), next))
    }

    /// A user's passkeys for the admin console (Cognito has no admin operation that lists
    /// them; ListWebAuthnCredentials needs the user's own token). Read only.
    pub async fn admin_list_passkeys(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<WebAuthnCredentialDescription>, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        let all = self.passkeys_of(&pool.id, &user.sub).await?;
        Ok(all.into_iter().map(|(_, p)| describe(p)).collect())
    }

    /// `DeleteWebAuthnCredential`.
    pub async fn delete_web_authn_credential(
        &self,
        access_token: &str,
        credential_id: &str,
    ) -> Result<(), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        if self
            .store
            .delete_document(
                &pool.id,
                DocKind::Passkey,
                &key_of(&user.sub, credential_id),
            )
            .await?
        {
            Ok(())
        } else {
            Err(CoreError::ResourceNotFound(
                "The credential does not exist.".into(),
            ))
        }
    }

    /// Whether the user has a passkey (WEB_AUTHN is then a first factor).
    pub(crate) async fn has_passkey(&self, pool_id: &str, sub: &str) -> Result<bool, CoreError> {
        Ok(!self.passkeys_of(pool_id, sub).await?.is_empty())
    }

    /// Starts a WEB_AUTHN sign-in: the assertion options, and the state to seal.
    pub(crate) async fn start_passkey_assertion(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
    ) -> Result<(Value, String), CoreError> {
        let (webauthn, _) = self.webauthn(pool).await?;
        let keys: Vec<Passkey> = self
            .passkeys_of(&pool.id, &user.sub)
            .await?
            .into_iter()
            .map(|(_, p)| p.passkey)
            .collect();
        let (rcr, state) = webauthn
            .start_passkey_authentication(&keys)
            .map_err(|e| webauthn_error("WebAuthnConfigurationMissingException", e.to_string()))?;
        let options = serde_json::to_value(&rcr.public_key).unwrap_or(Value::Null);
        let state = serde_json::to_string(&state).unwrap_or_default();
        Ok((options, state))
    }

    /// Checks a WEB_AUTHN answer against the sealed state; updates the passkey's counter.
    pub(crate) async fn finish_passkey_assertion(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        state: &str,
        credential: &str,
    ) -> Result<(), CoreError> {
        let refuse = || CoreError::NotAuthorized("Incorrect username or password.".into());
        let state: PasskeyAuthentication = serde_json::from_str(state).map_err(|_| refuse())?;
        let answer: PublicKeyCredential = serde_json::from_str(credential).map_err(|_| {
            webauthn_error(
                "WebAuthnCredentialNotSupportedException",
                "CREDENTIAL is not a WebAuthn assertion.",
            )
        })?;
        let (webauthn, _) = self.webauthn(pool).await?;
        let result = webauthn
            .finish_passkey_authentication(&answer, &state)
            .map_err(|_| refuse())?;
        use base64::Engine;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(result.cred_id().as_ref());
        let key = key_of(&user.sub, &id);
        if let Some(rec) = self
            .store
            .get_document(&pool.id, DocKind::Passkey, &key)
            .await?
        {
            let mut stored: StoredPasskey = read_doc(&rec)?;
            if stored.passkey.update_credential(&result).is_some() {
                self.replace_doc(&rec, &stored).await?;
            }
        } else {
            return Err(refuse());
        }
        Ok(())
    }
}
