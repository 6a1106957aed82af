//! Remembered devices: tracking, confirmation, DEVICE_SRP_AUTH, and the device operations.
//!
//! When a pool has a DeviceConfiguration, a sign-in made without a known device gets
//! `NewDeviceMetadata` (a device key `<region>_<uuid>` and a group key) and its access token
//! carries `device_key`. `ConfirmDevice` stores the device's SRP verifier (sealed with the
//! server key); the device is remembered at once, or only after `UpdateDeviceStatus` when
//! the pool says DeviceOnlyRememberedOnUserPrompt. A later sign-in that names the device
//! (`DEVICE_KEY`) proves it with DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER: SRP with the
//! group key in place of the pool name and the device key as the user, as
//! amazon-cognito-identity-js computes it; a remembered device then skips MFA.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tessera_wire::idp::{
    AttributeType, ConfirmDeviceRequest, ConfirmDeviceResponse, DeviceType, NewDeviceMetadataType,
};

use crate::auth::session::{SessionState, expired_session, missing_session, session_ttl_ms};
use crate::auth::{Api, AuthOutcome};
use crate::sealing::Purpose;
use crate::store::{ClientRecord, DeviceRecord, PoolRecord, UserRecord};
use crate::{CoreError, Tessera, page, srp};

pub const DEVICE_SRP_AUTH: &str = "DEVICE_SRP_AUTH";
pub const DEVICE_PASSWORD_VERIFIER: &str = "DEVICE_PASSWORD_VERIFIER";

/// The rest of a device record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DeviceDoc {
    group_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// The SRP verifier, sealed with the server key (base64); set by ConfirmDevice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verifier: Option<String>,
    /// The SRP salt (base64), as the device sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    /// `remembered` or `not_remembered`.
    #[serde(default)]
    remembered: String,
}

fn not_found() -> CoreError {
    CoreError::ResourceNotFound("Device does not exist.".into())
}

fn doc_of(rec: &DeviceRecord) -> Result<DeviceDoc, CoreError> {
    serde_json::from_str(&rec.doc).map_err(|_| {
        CoreError::Storage(crate::store::StoreError::Backend(
            "stored device is not valid JSON".into(),
        ))
    })
}

fn device_type(rec: &DeviceRecord) -> Result<DeviceType, CoreError> {
    let d = doc_of(rec)?;
    let mut attrs = vec![
        AttributeType {
            name: "device_status".into(),
            value: Some("valid".into()),
        },
        AttributeType {
            name: "device_remembered_status".into(),
            value: Some(d.remembered.clone()),
        },
    ];
    if let Some(n) = d.name {
        attrs.insert(
            0,
            AttributeType {
                name: "device_name".into(),
                value: Some(n),
            },
        );
    }
    Ok(DeviceType {
        device_key: Some(rec.device_key.clone()),
        device_attributes: Some(attrs),
        device_create_date: Some(rec.created_ms as f64 / 1000.0),
        device_last_modified_date: Some(rec.modified_ms as f64 / 1000.0),
        device_last_authenticated_date: rec.last_authenticated_ms.map(|t| t as f64 / 1000.0),
    })
}

impl Tessera {
    /// A new device for a sign-in, when the pool tracks devices.
    pub(crate) async fn track_new_device(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
    ) -> Result<Option<NewDeviceMetadataType>, CoreError> {
        if pool.config.device_configuration.is_none() {
            return Ok(None);
        }
        let key = format!("{}_{}", pool.region, self.random_id());
        let mut g = [0u8; 9];
        self.rng.fill(&mut g);
        let group_key = format!(
            "-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(g)
        );
        let now = self.clock.now_millis();
        let doc = DeviceDoc {
            group_key: group_key.clone(),
            remembered: "not_remembered".into(),
            ..Default::default()
        };
        self.store
            .insert_device(&DeviceRecord {
                pool_id: pool.id.clone(),
                device_key: key.clone(),
                sub: user.sub.clone(),
                doc: serde_json::to_string(&doc).unwrap_or_default(),
                created_ms: now,
                modified_ms: now,
                last_authenticated_ms: Some(now),
            })
            .await?;
        Ok(Some(NewDeviceMetadataType {
            device_key: Some(key),
            device_group_key: Some(group_key),
        }))
    }

    /// A confirmed device of `user`, if `key` names one.
    async fn users_device(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        key: &str,
    ) -> Result<Option<(DeviceRecord, DeviceDoc)>, CoreError> {
        let Some(rec) = self.store.get_device(&pool.id, key).await? else {
            return Ok(None);
        };
        if rec.sub != user.sub {
            return Ok(None);
        }
        let doc = doc_of(&rec)?;
        Ok(Some((rec, doc)))
    }

    /// After a proven password: DEVICE_SRP_AUTH when the sign-in names a confirmed device.
    pub(crate) async fn device_step(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        device_key: Option<&str>,
    ) -> Result<Option<AuthOutcome>, CoreError> {
        let Some(key) = device_key else {
            return Ok(None);
        };
        match self.users_device(pool, user, key).await? {
            Some((_, doc)) if doc.verifier.is_some() => {}
            _ => return Ok(None),
        }
        let state = SessionState {
            p: pool.id.clone(),
            c: client.client_id.clone(),
            s: user.sub.clone(),
            u: user.username.clone(),
            ch: DEVICE_SRP_AUTH.into(),
            x: self.clock.now_millis() + session_ttl_ms(client),
            d: Some(key.to_string()),
            ..Default::default()
        };
        let mut params = HashMap::new();
        params.insert("USERNAME".into(), user.username.clone());
        params.insert("DEVICE_KEY".into(), key.to_string());
        Ok(Some(AuthOutcome::challenge(
            DEVICE_SRP_AUTH,
            self.seal_session(&state),
            params,
        )))
    }

    /// DEVICE_SRP_AUTH (the device's `SRP_A`) and DEVICE_PASSWORD_VERIFIER (its proof).
    pub(crate) async fn answer_device(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        challenge: &str,
        session: Option<&str>,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let param = |k: &str| crate::auth::param(responses, k);
        if challenge == DEVICE_SRP_AUTH {
            let state = self.open_session(
                session.ok_or_else(missing_session)?,
                &client.client_id,
                DEVICE_SRP_AUTH,
            )?;
            let key = state.d.clone().ok_or_else(expired_session)?;
            if param("DEVICE_KEY")? != key {
                return Err(not_found());
            }
            let user = self
                .store
                .get_user_by_sub(&pool.id, &state.s)
                .await?
                .ok_or_else(expired_session)?;
            let (_, doc) = self
                .users_device(pool, &user, &key)
                .await?
                .ok_or_else(not_found)?;
            let verifier = doc
                .verifier
                .as_deref()
                .and_then(|v| STANDARD.decode(v).ok())
                .and_then(|v| {
                    self.sealer
                        .open(Purpose::SrpVerifier, key.as_bytes(), &v)
                        .ok()
                })
                .ok_or_else(not_found)?;
            let salt = doc
                .salt
                .as_deref()
                .and_then(|s| STANDARD.decode(s).ok())
                .ok_or_else(not_found)?;
            let a = param("SRP_A")?.to_string();
            srp::check_client_public(&a)
                .map_err(|_| CoreError::NotAuthorized("Incorrect username or password.".into()))?;
            let mut b = [0u8; srp::EPHEMERAL_LEN];
            self.rng.fill(&mut b);
            let (big_b, k) =
                crate::users::password::bounded(move || srp::server_start(&verifier, &b, &a))
                    .await?
                    .map_err(|_| {
                        CoreError::NotAuthorized("Incorrect username or password.".into())
                    })?;
            let next = SessionState {
                ch: DEVICE_PASSWORD_VERIFIER.into(),
                k: Some(hex::encode(k)),
                x: self.clock.now_millis() + session_ttl_ms(client),
                ..state
            };
            let mut params = HashMap::new();
            params.insert("SRP_B".into(), srp::to_hex(&big_b));
            params.insert("SALT".into(), srp::to_hex(&salt));
            params.insert("SECRET_BLOCK".into(), self.seal_session(&next));
            params.insert("USERNAME".into(), user.username.clone());
            params.insert("DEVICE_KEY".into(), key);
            return Ok(AuthOutcome::challenge(
                DEVICE_PASSWORD_VERIFIER,
                self.seal_session(&next),
                params,
            ));
        }
        // DEVICE_PASSWORD_VERIFIER.
        let block = param("PASSWORD_CLAIM_SECRET_BLOCK")?;
        let state = self.open_session(block, &client.client_id, DEVICE_PASSWORD_VERIFIER)?;
        let key = state.d.clone().ok_or_else(expired_session)?;
        let secs = srp::parse_timestamp(param("TIMESTAMP")?).ok_or_else(|| {
            CoreError::InvalidParameter(
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.".into(),
            )
        })?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &state.s)
            .await?
            .ok_or_else(expired_session)?;
        let (mut rec, doc) = self
            .users_device(pool, &user, &key)
            .await?
            .ok_or_else(not_found)?;
        let srp_key: [u8; srp::KEY_LEN] = hex::decode(state.k.as_deref().unwrap_or_default())
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(expired_session)?;
        let block_bytes = STANDARD
            .decode(block.trim())
            .map_err(|_| expired_session())?;
        let expected = srp::claim_signature(
            &srp_key,
            &doc.group_key,
            &key,
            &block_bytes,
            &srp::format_timestamp(secs),
        );
        if !srp::signature_matches(&expected, param("PASSWORD_CLAIM_SIGNATURE")?) {
            return Err(CoreError::NotAuthorized(
                "Incorrect username or password.".into(),
            ));
        }
        self.spend(&state).await?;
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        rec.last_authenticated_ms = Some(self.clock.now_millis());
        self.store.update_device(&rec).await?;
        // A remembered device stands in for the second factor where the pool says so
        // (ChallengeRequiredOnNewDevice: "When true, a remembered device can sign in with
        // device authentication instead of SMS and TOTP factors"; API reference,
        // DeviceConfigurationType).
        let metadata = crate::auth::client_metadata(responses);
        let stands_in = doc.remembered == "remembered"
            && pool
                .config
                .device_configuration
                .as_ref()
                .and_then(|c| c.challenge_required_on_new_device)
                == Some(true);
        if !stands_in
            && let Some(challenge) = self
                .mfa_step(pool, client, &user, Some(&key), &metadata)
                .await?
        {
            return Ok(challenge);
        }
        self.finish(pool, client, &user, api, Some(&key), &metadata)
            .await
    }

    /// `ConfirmDevice`.
    pub async fn confirm_device(
        &self,
        req: ConfirmDeviceRequest,
    ) -> Result<ConfirmDeviceResponse, CoreError> {
        let (pool, user) = self.token_user(&req.access_token).await?;
        let (mut rec, mut doc) = self
            .users_device(&pool, &user, &req.device_key)
            .await?
            .ok_or_else(not_found)?;
        let cfg = req.device_secret_verifier_config.unwrap_or_default();
        let verifier = cfg
            .password_verifier
            .as_deref()
            .and_then(|v| STANDARD.decode(v).ok())
            .filter(|v| !v.is_empty() && v.len() <= srp::GROUP_LEN + 1)
            .ok_or_else(|| {
                CoreError::InvalidParameter("A valid PasswordVerifier is required.".into())
            })?;
        let salt = cfg
            .salt
            .as_deref()
            .filter(|s| STANDARD.decode(s).is_ok_and(|b| !b.is_empty()))
            .ok_or_else(|| CoreError::InvalidParameter("A valid Salt is required.".into()))?;
        let on_prompt = pool
            .config
            .device_configuration
            .as_ref()
            .and_then(|c| c.device_only_remembered_on_user_prompt)
            .unwrap_or(false);
        doc.verifier = Some(STANDARD.encode(self.sealer.seal(
            Purpose::SrpVerifier,
            req.device_key.as_bytes(),
            &verifier,
            self.rng.as_ref(),
        )));
        doc.salt = Some(salt.to_string());
        doc.name = req.device_name.or(doc.name);
        doc.remembered = if on_prompt {
            "not_remembered"
        } else {
            "remembered"
        }
        .into();
        rec.doc = serde_json::to_string(&doc).unwrap_or_default();
        rec.modified_ms = self.clock.now_millis();
        if !self.store.update_device(&rec).await? {
            return Err(not_found());
        }
        Ok(ConfirmDeviceResponse {
            user_confirmation_necessary: Some(on_prompt),
        })
    }

    /// The user an admin call names, with its pool.
    async fn named_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<(PoolRecord, UserRecord), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        Ok((pool, user))
    }

    async fn get_device_of(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        key: &str,
    ) -> Result<DeviceType, CoreError> {
        let (rec, _) = self
            .users_device(pool, user, key)
            .await?
            .ok_or_else(not_found)?;
        device_type(&rec)
    }

    async fn list_devices_of(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        limit: Option<i32>,
        token: Option<&str>,
    ) -> Result<(Vec<DeviceType>, Option<String>), CoreError> {
        let limit = page::size(limit);
        let after = token.map(page::decode).transpose()?;
        let rows = self
            .store
            .list_devices(&pool.id, &user.sub, after.as_deref(), limit + 1)
            .await?;
        let (rows, next) = page::finish(rows, limit as usize, |r| r.device_key.as_str());
        let devices = rows.iter().map(device_type).collect::<Result<_, _>>()?;
        Ok((devices, next))
    }

    async fn forget_device_of(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        key: &str,
    ) -> Result<(), CoreError> {
        self.users_device(pool, user, key)
            .await?
            .ok_or_else(not_found)?;
        self.store.delete_device(&pool.id, key).await?;
        Ok(())
    }

    async fn set_device_status(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        key: &str,
        status: Option<&str>,
    ) -> Result<(), CoreError> {
        let (mut rec, mut doc) = self
            .users_device(pool, user, key)
            .await?
            .ok_or_else(not_found)?;
        doc.remembered = match status {
            Some(s @ ("remembered" | "not_remembered")) => s.to_string(),
            _ => {
                return Err(CoreError::InvalidParameter(
                    "DeviceRememberedStatus must be remembered or not_remembered.".into(),
                ));
            }
        };
        rec.doc = serde_json::to_string(&doc).unwrap_or_default();
        rec.modified_ms = self.clock.now_millis();
        self.store.update_device(&rec).await?;
        Ok(())
    }

    /// `GetDevice`.
    pub async fn get_device(&self, access_token: &str, key: &str) -> Result<DeviceType, CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        self.get_device_of(&pool, &user, key).await
    }

    /// `AdminGetDevice`.
    pub async fn admin_get_device(
        &self,
        pool_id: &str,
        username: &str,
        key: &str,
    ) -> Result<DeviceType, CoreError> {
        let (pool, user) = self.named_user(pool_id, username).await?;
        self.get_device_of(&pool, &user, key).await
    }

    /// `ListDevices`.
    pub async fn list_devices(
        &self,
        access_token: &str,
        limit: Option<i32>,
        token: Option<&str>,
    ) -> Result<(Vec<DeviceType>, Option<String>), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        self.list_devices_of(&pool, &user, limit, token).await
    }

    /// `AdminListDevices`.
    pub async fn admin_list_devices(
        &self,
        pool_id: &str,
        username: &str,
        limit: Option<i32>,
        token: Option<&str>,
    ) -> Result<(Vec<DeviceType>, Option<String>), CoreError> {
        let (pool, user) = self.named_user(pool_id, username).await?;
        self.list_devices_of(&pool, &user, limit, token).await
    }

    /// `ForgetDevice`.
    pub async fn forget_device(&self, access_token: &str, key: &str) -> Result<(), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        self.forget_device_of(&pool, &user, key).await
    }

    /// `AdminForgetDevice`.
    pub async fn admin_forget_device(
        &self,
        pool_id: &str,
        username: &str,
        key: &str,
    ) -> Result<(), CoreError> {
        let (pool, user) = self.named_user(pool_id, username).await?;
        self.forget_device_of(&pool, &user, key).await
    }

    /// `UpdateDeviceStatus`.
    pub async fn update_device_status(
        &self,
        access_token: &str,
        key: &str,
        status: Option<&str>,
    ) -> Result<(), CoreError> {
        let (pool, user) = self.token_user(access_token).await?;
        self.set_device_status(&pool, &user, key, status).await
    }

    /// `AdminUpdateDeviceStatus`.
    pub async fn admin_update_device_status(
        &self,
        pool_id: &str,
        username: &str,
        key: &str,
        status: Option<&str>,
    ) -> Result<(), CoreError> {
        let (pool, user) = self.named_user(pool_id, username).await?;
        self.set_device_status(&pool, &user, key, status).await
    }
}
