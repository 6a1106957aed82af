//! The MFA challenges of a sign-in: which one follows a proven password, sending the code
//! for SMS and email, and checking each answer. Sessions are sealed state, as for every
//! challenge; MFA_SETUP's can be opened without the client id, because
//! AssociateSoftwareToken and VerifySoftwareToken receive only the session.

use std::collections::HashMap;

use super::{
    EMAIL_OTP, MFA_SETUP, SELECT_MFA_TYPE, SMS_MFA, SOFTWARE_TOKEN_MFA, has, preferred,
    user_factors,
};
use crate::auth::choice::SMS_OTP;
use crate::auth::lockout::lock_key;
use crate::auth::session::{SessionState, expired_session, missing_session, session_ttl_ms};
use crate::auth::{Api, AuthOutcome};
use crate::messages::{Channel, Purpose, mask_destination};
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::users::codes::Delivery;
use crate::{CoreError, Tessera};

/// Pending MFA codes use this purpose key (one at a time per user).
const MFA_CODE: &str = "mfa";
/// MFA codes live as long as a challenge session can.
const MFA_CODE_TTL_MS: i64 = 15 * 60_000;
/// Sealing context of MFA_SETUP sessions.
const SETUP_CONTEXT: &str = "mfa_setup";

pub(crate) fn invalid_session() -> CoreError {
    expired_session()
}

fn code_mismatch() -> CoreError {
    CoreError::CodeMismatch("Invalid code or auth state for the user.".into())
}

impl Tessera {
    fn mfa_state(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        ch: &str,
        device: Option<&str>,
    ) -> SessionState {
        SessionState {
            p: pool.id.clone(),
            c: client.client_id.clone(),
            s: user.sub.clone(),
            u: user.username.clone(),
            ch: ch.into(),
            x: self.clock.now_millis() + session_ttl_ms(client),
            d: device.map(str::to_string),
            ..Default::default()
        }
    }

    /// Seals an MFA_SETUP session (openable without the client id).
    fn seal_setup_session(&self, state: &SessionState) -> String {
        let mut s = state.clone();
        let client = std::mem::replace(&mut s.c, SETUP_CONTEXT.into());
        // The client id travels inside, checked when the challenge is answered.
        s.u = format!("{client}\u{0}{}", state.u);
        self.seal_session(&s)
    }

    /// Opens a session that answers `challenge` without knowing the client (MFA_SETUP).
    pub(crate) fn open_any_session(
        &self,
        sealed: &str,
        challenge: &str,
    ) -> Result<SessionState, CoreError> {
        let mut s = self.open_session(sealed, SETUP_CONTEXT, challenge)?;
        let (client, user) = s.u.split_once('\u{0}').ok_or_else(invalid_session)?;
        let (client, user) = (client.to_string(), user.to_string());
        s.c = client;
        s.u = user;
        Ok(s)
    }

    /// Re-seals an MFA_SETUP session after AssociateSoftwareToken / VerifySoftwareToken.
    pub(crate) fn reseal_setup_session(&self, state: &SessionState) -> String {
        self.seal_setup_session(state)
    }

    /// After a proven password: the MFA challenge the user must answer, if any. `metadata`:
    /// the ClientMetadata for the code message's triggers (a RespondToAuthChallenge's).
    pub(crate) async fn mfa_step(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        device: Option<&str>,
        metadata: &serde_json::Value,
    ) -> Result<Option<AuthOutcome>, CoreError> {
        // Most pools have MFA off: decide that from the (cached) pool, without a read.
        if pool
            .config
            .mfa_configuration
            .as_deref()
            .is_none_or(|m| m == "OFF")
        {
            return Ok(None);
        }
        let pf = self.pool_factors(pool).await?;
        if pf.mode == "OFF" {
            return Ok(None);
        }
        let mut choices: Vec<&'static str> = user_factors(user)
            .into_iter()
            .filter(|f| match *f {
                SMS_MFA => pf.sms,
                SOFTWARE_TOKEN_MFA => pf.totp,
                _ => pf.email,
            })
            .collect();
        if choices.is_empty() {
            // A user whose authenticator could not move from a source pool (live migration:
            // Cognito never reveals TOTP secrets) sets up a new one before signing in.
            let totp_lost = user.extra["migration"]["totpLost"] == true
                && user.extra["mfa"]["totp_secret"].is_null()
                && pf.totp;
            if totp_lost {
                return Ok(Some(
                    self.setup_challenge(pool, client, user, device).await?,
                ));
            }
            if pf.mode != "ON" {
                return Ok(None);
            }
            // Required but nothing chosen: a code to what the user has, or set up a token.
            if pf.sms && has(user, "phone_number") {
                choices.push(SMS_MFA);
            } else if pf.email && has(user, "email") {
                choices.push(EMAIL_OTP);
            } else if pf.totp {
                return Ok(Some(
                    self.setup_challenge(pool, client, user, device).await?,
                ));
            } else {
                return Err(CoreError::InvalidParameter(
                    "MFA is required, but the user has no phone number or email address for the MFA the pool offers."
                        .into(),
                ));
            }
        }
        let pick = preferred(user)
            .filter(|p| choices.contains(p))
            .or_else(|| (choices.len() == 1).then(|| choices[0]));
        match pick {
            Some(f) => self
                .start_factor(pool, client, user, f, device, metadata)
                .await
                .map(Some),
            None => {
                let mut state = self.mfa_state(pool, client, user, SELECT_MFA_TYPE, device);
                state.can = Some(choices.iter().map(|c| c.to_string()).collect());
                let mut params = HashMap::new();
                params.insert(
                    "MFAS_CAN_CHOOSE".into(),
                    serde_json::Value::from(choices.clone()).to_string(),
                );
                params.insert("USER_ID_FOR_SRP".into(), user.username.clone());
                Ok(Some(AuthOutcome::challenge(
                    SELECT_MFA_TYPE,
                    self.seal_session(&state),
                    params,
                )))
            }
        }
    }

    async fn setup_challenge(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        device: Option<&str>,
    ) -> Result<AuthOutcome, CoreError> {
        let state = self.mfa_state(pool, client, user, MFA_SETUP, device);
        let mut params = HashMap::new();
        params.insert(
            "MFAS_CAN_SETUP".into(),
            serde_json::Value::from(vec![SOFTWARE_TOKEN_MFA]).to_string(),
        );
        params.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        Ok(AuthOutcome::challenge(
            MFA_SETUP,
            self.seal_setup_session(&state),
            params,
        ))
    }

    /// Starts one factor's challenge (sending the code for SMS and email).
    pub(crate) async fn start_factor(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        factor: &'static str,
        device: Option<&str>,
        metadata: &serde_json::Value,
    ) -> Result<AuthOutcome, CoreError> {
        let mut params = HashMap::new();
        params.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        if factor != SOFTWARE_TOKEN_MFA {
            let (channel, attribute) = if factor == SMS_MFA || factor == SMS_OTP {
                (Channel::Sms, "phone_number")
            } else {
                (Channel::Email, "email")
            };
            let destination = user.attributes.get(attribute).cloned().unwrap_or_default();
            let cfg = self.get_user_pool_mfa_config(&pool.id).await?;
            let (subject, template) = match channel {
                Channel::Sms => (
                    None,
                    cfg.sms_mfa_configuration
                        .and_then(|s| s.sms_authentication_message)
                        .or_else(|| pool.config.sms_authentication_message.clone())
                        .unwrap_or_else(|| "Your authentication code is {####}. ".into()),
                ),
                Channel::Email => {
                    let e = cfg.email_mfa_configuration.unwrap_or_default();
                    (
                        Some(e.subject.unwrap_or_else(|| "Your sign-in code".into())),
                        e.message
                            .unwrap_or_else(|| "Your authentication code is {####}. ".into()),
                    )
                }
            };
            let mut delivery = Delivery::new(channel, attribute, &destination);
            delivery.metadata = metadata.clone();
            self.issue_code_with(
                pool,
                user,
                MFA_CODE,
                Purpose::Authentication,
                &delivery,
                MFA_CODE_TTL_MS,
                subject,
                template,
            )
            .await?;
            params.insert(
                "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
                if channel == Channel::Sms {
                    "SMS"
                } else {
                    "EMAIL"
                }
                .into(),
            );
            params.insert(
                "CODE_DELIVERY_DESTINATION".into(),
                mask_destination(channel, &destination),
            );
        }
        let state = self.mfa_state(pool, client, user, factor, device);
        Ok(AuthOutcome::challenge(
            factor,
            self.seal_session(&state),
            params,
        ))
    }

    /// Answers SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE or MFA_SETUP.
    pub(crate) async fn answer_mfa(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        challenge: &str,
        session: Option<&str>,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let session = session.ok_or_else(missing_session)?;
        let state = if challenge == MFA_SETUP {
            let s = self.open_any_session(session, MFA_SETUP)?;
            if s.c != client.client_id || s.p != pool.id {
                return Err(invalid_session());
            }
            s
        } else {
            self.open_session(session, &client.client_id, challenge)?
        };
        let user = self
            .store
            .get_user_by_sub(&pool.id, &state.s)
            .await?
            .ok_or_else(invalid_session)?;
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        Self::check_answer_secret(client, &state.u, responses, api)?;
        let code = |key: &str| crate::auth::param(responses, key);
        // Codes are guesses: each is counted against the lockout that guards passwords
        // before it is compared.
        let lock = || lock_key(client, Some(&user), &user.username);
        let attempt = match challenge {
            SMS_MFA | SMS_OTP | EMAIL_OTP => {
                let attempt = self.begin_attempt(&pool.id, lock()).await?;
                let key = format!("{challenge}_CODE");
                self.redeem_code(pool, &user, MFA_CODE, code(&key)?)
                    .await
                    .map_err(|e| match e {
                        CoreError::CodeMismatch(_) => code_mismatch(),
                        other => other,
                    })?;
                Some(attempt)
            }
            SOFTWARE_TOKEN_MFA => {
                let attempt = self.begin_attempt(&pool.id, lock()).await?;
                self.check_totp(pool, &user, code("SOFTWARE_TOKEN_MFA_CODE")?)
                    .await?;
                Some(attempt)
            }
            SELECT_MFA_TYPE => {
                let answer = code("ANSWER")?;
                let factor = [SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP]
                    .into_iter()
                    .find(|f| *f == answer && state.can.iter().flatten().any(|c| c == f))
                    .ok_or_else(|| {
                        CoreError::InvalidParameter(format!(
                            "{answer} is not one of MFAS_CAN_CHOOSE."
                        ))
                    })?;
                self.spend(&state).await?;
                return self
                    .start_factor(
                        pool,
                        client,
                        &user,
                        factor,
                        state.d.as_deref(),
                        &crate::auth::client_metadata(responses),
                    )
                    .await;
            }
            _ => {
                // MFA_SETUP: answered once VerifySoftwareToken accepted a code.
                if state.ok != Some(true) {
                    return Err(CoreError::InvalidParameter(
                        "Verify a software token with VerifySoftwareToken first.".into(),
                    ));
                }
                None
            }
        };
        self.spend(&state).await?;
        if let Some(attempt) = attempt {
            self.attempt_succeeded(&pool.id, attempt).await?;
        }
        let device = responses
            .get("DEVICE_KEY")
            .map(String::as_str)
            .or(state.d.as_deref());
        self.finish(
            pool,
            client,
            &user,
            api,
            device,
            &crate::auth::client_metadata(responses),
        )
        .await
    }
}
