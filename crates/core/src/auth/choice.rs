//! Choice-based sign-in (`USER_AUTH`): the first factor is a password (PASSWORD, or
//! PASSWORD_SRP), or a code by email or text message (EMAIL_OTP, SMS_OTP), among those the
//! pool's SignInPolicy allows and the user has. With `PREFERRED_CHALLENGE` the sign-in
//! starts there; otherwise it answers SELECT_CHALLENGE with `AvailableChallenges`. A
//! passwordless first factor is not followed by MFA, as in Cognito.

use std::collections::HashMap;

use super::session::{SessionState, expired_session, missing_session, session_ttl_ms};
use super::{Api, AuthOutcome, param};
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

pub const SELECT_CHALLENGE: &str = "SELECT_CHALLENGE";
pub const SMS_OTP: &str = "SMS_OTP";
pub const WEB_AUTHN: &str = "WEB_AUTHN";

/// The first factors the pool allows (its SignInPolicy; PASSWORD when unset).
pub(crate) fn allowed_first_factors(pool: &PoolRecord) -> Vec<String> {
    pool.config
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.clone())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| vec!["PASSWORD".into()])
}

fn verified(u: &UserRecord, attr: &str) -> bool {
    u.attributes.get(attr).is_some_and(|v| !v.is_empty())
        && u.attributes
            .get(&format!("{attr}_verified"))
            .map(String::as_str)
            == Some("true")
}

/// The factors a user has set up, as GetUserAuthFactors reports them.
pub(crate) fn configured_factors(u: &UserRecord) -> Vec<String> {
    let mut out = Vec::new();
    if u.password_hash.is_some() {
        out.push("PASSWORD".to_string());
    }
    if verified(u, "email") {
        out.push("EMAIL_OTP".into());
    }
    if verified(u, "phone_number") {
        out.push("SMS_OTP".into());
    }
    out
}

/// The challenges a USER_AUTH sign-in may start with, for a user (or, for a user who does
/// not exist behind PreventUserExistenceErrors, as for one with a password).
fn available(pool: &PoolRecord, user: Option<&UserRecord>, passkey: bool) -> Vec<String> {
    let allowed = allowed_first_factors(pool);
    let mut has = user
        .map(configured_factors)
        .unwrap_or_else(|| vec!["PASSWORD".into()]);
    if passkey {
        has.push(WEB_AUTHN.into());
    }
    let mut out = Vec::new();
    for f in &allowed {
        match f.as_str() {
            "PASSWORD" if has.iter().any(|h| h == "PASSWORD") => {
                out.push("PASSWORD".to_string());
                out.push("PASSWORD_SRP".to_string());
            }
            "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN" if has.contains(f) => out.push(f.clone()),
            _ => {}
        }
    }
    out
}

impl Tessera {
    /// `InitiateAuth` / `AdminInitiateAuth` with `AuthFlow: USER_AUTH`.
    pub(super) async fn user_auth(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        params: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let username = param(params, "USERNAME")?;
        if api != Api::Hosted {
            Self::check_secret_hash(
                client,
                username,
                params.get("SECRET_HASH").map(String::as_str),
            )?;
        }
        let user = self.find_user(pool, username).await?;
        if user.is_none() && !crate::users::signup::hides_users(client) {
            return Err(crate::users::user_not_found());
        }
        let passkey = match &user {
            Some(u) => self.has_passkey(&pool.id, &u.sub).await?,
            None => false,
        };
        let choices = available(pool, user.as_ref(), passkey);
        if choices.is_empty() {
            return Err(CoreError::NotAuthorized(
                "The user has no sign-in factor this user pool allows.".into(),
            ));
        }
        match params.get("PREFERRED_CHALLENGE").map(String::as_str) {
            Some(p) if choices.iter().any(|c| c == p) => {
                self.start_choice(pool, client, user.as_ref(), username, p, params, api)
                    .await
            }
            _ => {
                let state = SessionState {
                    p: pool.id.clone(),
                    c: client.client_id.clone(),
                    s: user.as_ref().map(|u| u.sub.clone()).unwrap_or_default(),
                    u: username.to_string(),
                    ch: SELECT_CHALLENGE.into(),
                    x: self.clock.now_millis() + session_ttl_ms(client),
                    can: Some(choices.clone()),
                    ..Default::default()
                };
                let mut outcome = AuthOutcome::challenge(
                    SELECT_CHALLENGE,
                    self.seal_session(&state),
                    HashMap::new(),
                );
                outcome.available_challenges = Some(choices);
                Ok(outcome)
            }
        }
    }

    /// Starts the chosen first factor. `params` carries what it needs (`PASSWORD`, `SRP_A`).
    #[allow(clippy::too_many_arguments)]
    async fn start_choice(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: Option<&UserRecord>,
        username: &str,
        choice: &str,
        params: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let mut p = params.clone();
        p.insert("USERNAME".into(), username.to_string());
        match choice {
            "PASSWORD" => self.password_auth(pool, client, &p, api).await,
            "PASSWORD_SRP" => self.srp_start(pool, client, &p).await,
            "EMAIL_OTP" | "SMS_OTP" => {
                let user = user.ok_or_else(expired_session)?;
                let factor = if choice == SMS_OTP {
                    SMS_OTP
                } else {
                    crate::mfa::EMAIL_OTP
                };
                // A first factor's code: InitiateAuth's ClientMetadata does not reach
                // CustomMessage.
                self.start_factor(pool, client, user, factor, None, &serde_json::json!({}))
                    .await
            }
            WEB_AUTHN => {
                let user = user.ok_or_else(expired_session)?;
                let (options, state) = self.start_passkey_assertion(pool, user).await?;
                let st = SessionState {
                    p: pool.id.clone(),
                    c: client.client_id.clone(),
                    s: user.sub.clone(),
                    u: user.username.clone(),
                    ch: WEB_AUTHN.into(),
                    x: self.clock.now_millis() + session_ttl_ms(client),
                    wa: Some(state),
                    // An assertion answers once (authenticators without a counter could
                    // otherwise be replayed within the session).
                    j: Some(self.random_id()),
                    ..Default::default()
                };
                let mut params = HashMap::new();
                params.insert("CREDENTIAL_REQUEST_OPTIONS".into(), options.to_string());
                Ok(AuthOutcome::challenge(
                    WEB_AUTHN,
                    self.seal_session(&st),
                    params,
                ))
            }
            _ => Err(CoreError::InvalidParameter(format!(
                "Unsupported challenge: {choice}"
            ))),
        }
    }

    /// `RespondToAuthChallenge` with `SELECT_CHALLENGE`: `ANSWER` is the factor (with
    /// `PASSWORD` or `SRP_A` when it needs one).
    pub(super) async fn answer_select_challenge(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        session: Option<&str>,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let state = self.open_session(
            session.ok_or_else(missing_session)?,
            &client.client_id,
            SELECT_CHALLENGE,
        )?;
        if state.p != pool.id {
            return Err(expired_session());
        }
        let answer = param(responses, "ANSWER")?;
        if !state.can.iter().flatten().any(|c| c == answer) {
            return Err(CoreError::InvalidParameter(format!(
                "{answer} is not one of the available challenges."
            )));
        }
        let user = if state.s.is_empty() {
            None
        } else {
            self.store.get_user_by_sub(&pool.id, &state.s).await?
        };
        Self::check_answer_secret(client, &state.u, responses, api)?;
        // A choice that starts something (a code sent, an assertion) is made once; a
        // PASSWORD answer is a guess like any sign-in, retried under the lockout.
        if answer != "PASSWORD" {
            self.spend(&state).await?;
        }
        self.start_choice(
            pool,
            client,
            user.as_ref(),
            &state.u,
            answer,
            responses,
            api,
        )
        .await
    }
}

impl Tessera {
    async fn auth_factors(
        &self,
        u: &UserRecord,
    ) -> Result<tessera_wire::idp::GetUserAuthFactorsResponse, CoreError> {
        let (_, preferred, list) = crate::mfa::user_settings(u);
        let mut factors = configured_factors(u);
        if self.has_passkey(&u.pool_id, &u.sub).await? {
            factors.push(WEB_AUTHN.into());
        }
        Ok(tessera_wire::idp::GetUserAuthFactorsResponse {
            username: u.username.clone(),
            preferred_mfa_setting: preferred,
            user_mfa_setting_list: list,
            configured_user_auth_factors: Some(factors),
        })
    }

    /// `RespondToAuthChallenge` with `WEB_AUTHN`: the authenticator's assertion
    /// (`CREDENTIAL`, JSON). A passkey is a whole sign-in: no MFA follows.
    pub(super) async fn answer_web_authn(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        session: Option<&str>,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let state = self.open_session(
            session.ok_or_else(missing_session)?,
            &client.client_id,
            WEB_AUTHN,
        )?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &state.s)
            .await?
            .ok_or_else(expired_session)?;
        Self::check_answer_secret(client, &state.u, responses, api)?;
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        let credential = param(responses, "CREDENTIAL")?;
        let wa = state.wa.as_deref().unwrap_or_default();
        self.finish_passkey_assertion(pool, &user, wa, credential)
            .await?;
        self.spend(&state).await?;
        let device = responses.get("DEVICE_KEY").map(String::as_str);
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

    /// `GetUserAuthFactors`.
    pub async fn get_user_auth_factors(
        &self,
        access_token: &str,
    ) -> Result<tessera_wire::idp::GetUserAuthFactorsResponse, CoreError> {
        let (_, user) = self.token_user(access_token).await?;
        self.auth_factors(&user).await
    }

    /// `AdminGetUserAuthFactors`.
    pub async fn admin_get_user_auth_factors(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<tessera_wire::idp::GetUserAuthFactorsResponse, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?;
        self.auth_factors(&user).await
    }
}
