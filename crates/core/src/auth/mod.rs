//! Sign-in: `InitiateAuth`, `AdminInitiateAuth`, `RespondToAuthChallenge`,
//! `AdminRespondToAuthChallenge`, refresh, sign-out and revocation.
//!
//! References: "Authentication flows" and "User pool authentication flow" in the Cognito
//! developer guide; the `InitiateAuth` and `RespondToAuthChallenge` API references.
//! A sign-in proves the password (directly, or by SRP without sending it), then passes the
//! user-state checks in [`Tessera::after_password`], which either issue tokens or answer
//! with the next challenge.

pub(crate) mod choice;
pub(crate) mod custom;
pub(crate) mod lockout;
pub(crate) mod password_flow;
pub(crate) mod refresh;
pub(crate) mod session;
mod srp_flow;

use std::collections::HashMap;
use std::sync::Arc;

use tessera_wire::idp::{
    AdminInitiateAuthRequest, AdminRespondToAuthChallengeRequest, AuthenticationResultType,
    InitiateAuthRequest, RespondToAuthChallengeRequest,
};

use crate::store::{ClientRecord, PoolRecord};
use crate::users::signup::hides_users;
use crate::{CoreError, Tessera};

/// What a step of a sign-in answers: the next challenge, or tokens.
#[derive(Debug, Default, Clone)]
pub struct AuthOutcome {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    pub challenge_parameters: Option<HashMap<String, String>>,
    pub authentication_result: Option<AuthenticationResultType>,
    /// USER_AUTH's SELECT_CHALLENGE: the first factors the user may choose from.
    pub available_challenges: Option<Vec<String>>,
    /// A hosted sign-in that proved who the user is: the user's `sub` (no tokens yet; the
    /// OAuth grant that follows decides them).
    pub signed_in: Option<String>,
}

impl AuthOutcome {
    pub(crate) fn challenge(name: &str, session: String, params: HashMap<String, String>) -> Self {
        AuthOutcome {
            challenge_name: Some(name.into()),
            session: Some(session),
            challenge_parameters: Some(params),
            ..Default::default()
        }
    }

    fn tokens(result: AuthenticationResultType) -> Self {
        AuthOutcome {
            challenge_parameters: Some(HashMap::new()),
            authentication_result: Some(result),
            ..Default::default()
        }
    }
}

/// Which API a step came through: admin operations accept the ADMIN_* flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Client,
    Admin,
    /// The hosted sign-in pages: no SECRET_HASH (the secret is checked when the code is
    /// exchanged), and no tokens at the end, only the user.
    Hosted,
}

/// Cognito's default ExplicitAuthFlows when a client sets none.
const DEFAULT_FLOWS: &[&str] = &[
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

fn flow_allowed(client: &ClientRecord, allow: &str, legacy: Option<&str>) -> bool {
    let flows = client
        .config
        .explicit_auth_flows
        .as_deref()
        .unwrap_or_default();
    if flows.is_empty() {
        return DEFAULT_FLOWS.contains(&allow);
    }
    let is_legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
    if is_legacy {
        // Legacy settings name only the extra flows; SRP and refresh were always allowed.
        return matches!(allow, "ALLOW_USER_SRP_AUTH" | "ALLOW_REFRESH_TOKEN_AUTH")
            || legacy.is_some_and(|l| flows.iter().any(|f| f == l));
    }
    flows.iter().any(|f| f == allow)
}

fn flow_not_enabled(flow: &str) -> CoreError {
    CoreError::InvalidParameter(format!("{flow} flow not enabled for this client"))
}

/// The key under which a request's ClientMetadata travels with its parameters (to the
/// triggers); a client cannot set it (a parameter of that name is dropped).
const METADATA_KEY: &str = "\u{1}ClientMetadata";

fn with_metadata(
    params: Option<HashMap<String, String>>,
    metadata: Option<HashMap<String, String>>,
) -> HashMap<String, String> {
    let mut params = params.unwrap_or_default();
    params.remove(METADATA_KEY);
    if let Some(m) = metadata.filter(|m| !m.is_empty())
        && let Ok(json) = serde_json::to_string(&m)
    {
        params.insert(METADATA_KEY.into(), json);
    }
    params
}

/// The request's ClientMetadata, for a trigger's `request.clientMetadata`.
pub(crate) fn client_metadata(params: &HashMap<String, String>) -> serde_json::Value {
    params
        .get(METADATA_KEY)
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_else(|| serde_json::json!({}))
}

pub(crate) fn param<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, CoreError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CoreError::InvalidParameter(format!("Missing required parameter {name}")))
}

/// Counts a sign-in that went through (every flow ends in `finish`; refreshes are not
/// sign-ins): the console's overview and `/tessera/metrics` read it.
pub(crate) fn signed_in() {
    metrics::counter!("tessera_sign_ins_total").increment(1);
}

/// Counts a refused sign-in (a wrong password or a missing user).
fn sign_in_failed() {
    metrics::counter!("tessera_sign_in_failures_total").increment(1);
}

/// The message for a failed password, which with PreventUserExistenceErrors is also what a
/// missing user gets.
pub(crate) fn incorrect_password() -> CoreError {
    sign_in_failed();
    CoreError::NotAuthorized("Incorrect username or password.".into())
}

/// The error for a user that does not exist, as the client is configured to reveal it.
pub(crate) fn missing_user(client: &ClientRecord) -> CoreError {
    if hides_users(client) {
        incorrect_password()
    } else {
        sign_in_failed();
        crate::users::user_not_found()
    }
}

impl Tessera {
    /// `InitiateAuth`.
    pub async fn initiate_auth(&self, req: InitiateAuthRequest) -> Result<AuthOutcome, CoreError> {
        let params = with_metadata(req.auth_parameters, req.client_metadata);
        self.start(Api::Client, None, &req.client_id, &req.auth_flow, &params)
            .await
    }

    /// `AdminInitiateAuth`.
    pub async fn admin_initiate_auth(
        &self,
        req: AdminInitiateAuthRequest,
    ) -> Result<AuthOutcome, CoreError> {
        let params = with_metadata(req.auth_parameters, req.client_metadata);
        self.start(
            Api::Admin,
            Some(&req.user_pool_id),
            &req.client_id,
            &req.auth_flow,
            &params,
        )
        .await
    }

    /// The client (with its pool) a call names, checking it belongs to `pool_id` when given.
    pub(crate) async fn auth_client(
        &self,
        client_id: &str,
        pool_id: Option<&str>,
    ) -> Result<(Arc<ClientRecord>, Arc<PoolRecord>), CoreError> {
        let client = self
            .cached_client(client_id)
            .await?
            .filter(|c| pool_id.is_none_or(|p| p == c.pool_id))
            .ok_or_else(|| {
                CoreError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
            })?;
        let pool = self
            .cached_pool(&client.pool_id)
            .await?
            .ok_or_else(|| crate::pools::not_found(&client.pool_id))?;
        Ok((client, pool))
    }

    /// Checks `SECRET_HASH` when the client has a secret.
    pub(crate) fn check_secret_hash(
        client: &ClientRecord,
        username: &str,
        given: Option<&str>,
    ) -> Result<(), CoreError> {
        let Some(secret) = &client.secret else {
            return Ok(());
        };
        let want = crate::users::secret_hash(secret.expose(), username, &client.client_id);
        let ok = given.is_some_and(|h| {
            aws_lc_rs::constant_time::verify_slices_are_equal(h.as_bytes(), want.as_bytes()).is_ok()
        });
        if ok {
            Ok(())
        } else if given.is_none() {
            Err(CoreError::NotAuthorized(format!(
                "Client {} is configured with secret but SECRET_HASH was not received",
                client.client_id
            )))
        } else {
            Err(CoreError::NotAuthorized(format!(
                "Unable to verify secret hash for client {}",
                client.client_id
            )))
        }
    }

    /// Checks the SECRET_HASH of a challenge answer (made with the answer's `USERNAME`, else
    /// the name the sign-in began with). The hosted pages act for the client: no hash.
    pub(crate) fn check_answer_secret(
        client: &ClientRecord,
        started_as: &str,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<(), CoreError> {
        if api == Api::Hosted {
            return Ok(());
        }
        let name = responses.get("USERNAME").map_or(started_as, String::as_str);
        Self::check_secret_hash(
            client,
            name,
            responses.get("SECRET_HASH").map(String::as_str),
        )
    }

    async fn start(
        &self,
        api: Api,
        pool_id: Option<&str>,
        client_id: &str,
        flow: &str,
        params: &HashMap<String, String>,
    ) -> Result<AuthOutcome, CoreError> {
        let (client, pool) = self.auth_client(client_id, pool_id).await?;
        let outcome = self.start_with(api, &client, &pool, flow, params).await?;
        self.secondary_may_answer(&pool.id, None, &outcome).await?;
        Ok(outcome)
    }

    async fn start_with(
        &self,
        api: Api,
        client: &Arc<ClientRecord>,
        pool: &Arc<PoolRecord>,
        flow: &str,
        params: &HashMap<String, String>,
    ) -> Result<AuthOutcome, CoreError> {
        let (client, pool) = (client.clone(), pool.clone());
        match (flow, api) {
            ("USER_PASSWORD_AUTH", Api::Client) => {
                if !flow_allowed(
                    &client,
                    "ALLOW_USER_PASSWORD_AUTH",
                    Some("USER_PASSWORD_AUTH"),
                ) {
                    return Err(flow_not_enabled("USER_PASSWORD_AUTH"));
                }
                self.password_auth(&pool, &client, params, api).await
            }
            ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", Api::Admin) => {
                if !flow_allowed(
                    &client,
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    Some("ADMIN_NO_SRP_AUTH"),
                ) {
                    return Err(CoreError::InvalidParameter(
                        "Auth flow not enabled for this client".into(),
                    ));
                }
                self.password_auth(&pool, &client, params, api).await
            }
            ("USER_SRP_AUTH", _) => {
                if !flow_allowed(&client, "ALLOW_USER_SRP_AUTH", None) {
                    return Err(flow_not_enabled("USER_SRP_AUTH"));
                }
                self.srp_start(&pool, &client, params).await
            }
            ("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN", _) => {
                if !flow_allowed(&client, "ALLOW_REFRESH_TOKEN_AUTH", None) {
                    return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
                }
                let token = param(params, "REFRESH_TOKEN")?;
                let result = self
                    .refresh(&pool, &client, token, refresh::Via::InitiateAuth(params))
                    .await?;
                Ok(AuthOutcome::tokens(result))
            }
            ("CUSTOM_AUTH", _) => {
                if !flow_allowed(&client, "ALLOW_CUSTOM_AUTH", Some("CUSTOM_AUTH_FLOW_ONLY")) {
                    return Err(flow_not_enabled("CUSTOM_AUTH"));
                }
                self.custom_auth_start(&pool, &client, params, api).await
            }
            ("USER_AUTH", _) => {
                if !flow_allowed(&client, "ALLOW_USER_AUTH", None) {
                    return Err(flow_not_enabled("USER_AUTH"));
                }
                self.user_auth(&pool, &client, params, api).await
            }
            _ => Err(CoreError::InvalidParameter(
                "Initiate Auth method not supported.".into(),
            )),
        }
    }

    /// `RespondToAuthChallenge`.
    pub async fn respond_to_auth_challenge(
        &self,
        req: RespondToAuthChallengeRequest,
    ) -> Result<AuthOutcome, CoreError> {
        let responses = with_metadata(req.challenge_responses, req.client_metadata);
        self.respond(
            Api::Client,
            None,
            &req.client_id,
            &req.challenge_name,
            req.session.as_deref(),
            &responses,
        )
        .await
    }

    /// `AdminRespondToAuthChallenge`.
    pub async fn admin_respond_to_auth_challenge(
        &self,
        req: AdminRespondToAuthChallengeRequest,
    ) -> Result<AuthOutcome, CoreError> {
        let responses = with_metadata(req.challenge_responses, req.client_metadata);
        self.respond(
            Api::Admin,
            Some(&req.user_pool_id),
            &req.client_id,
            &req.challenge_name,
            req.session.as_deref(),
            &responses,
        )
        .await
    }

    pub(crate) async fn respond(
        &self,
        api: Api,
        pool_id: Option<&str>,
        client_id: &str,
        challenge: &str,
        session: Option<&str>,
        responses: &HashMap<String, String>,
    ) -> Result<AuthOutcome, CoreError> {
        let (client, pool) = self.auth_client(client_id, pool_id).await?;
        self.secondary_may_answer(&pool.id, Some(challenge), &AuthOutcome::default())
            .await?;
        let outcome = self
            .respond_with(api, &client, &pool, challenge, session, responses)
            .await?;
        self.secondary_may_answer(&pool.id, None, &outcome).await?;
        Ok(outcome)
    }

    async fn respond_with(
        &self,
        api: Api,
        client: &Arc<ClientRecord>,
        pool: &Arc<PoolRecord>,
        challenge: &str,
        session: Option<&str>,
        responses: &HashMap<String, String>,
    ) -> Result<AuthOutcome, CoreError> {
        let (client, pool) = (client.clone(), pool.clone());
        match challenge {
            "PASSWORD_VERIFIER" => self.srp_verify(&pool, &client, responses, api).await,
            "NEW_PASSWORD_REQUIRED" => {
                let session = session.ok_or_else(session::missing_session)?;
                self.new_password(&pool, &client, session, responses, api)
                    .await
            }
            crate::devices::DEVICE_SRP_AUTH | crate::devices::DEVICE_PASSWORD_VERIFIER => {
                self.answer_device(&pool, &client, challenge, session, responses, api)
                    .await
            }
            custom::CUSTOM_CHALLENGE => {
                self.answer_custom_challenge(&pool, &client, session, responses, api)
                    .await
            }
            choice::WEB_AUTHN => {
                self.answer_web_authn(&pool, &client, session, responses, api)
                    .await
            }
            choice::SELECT_CHALLENGE => {
                self.answer_select_challenge(&pool, &client, session, responses, api)
                    .await
            }
            crate::mfa::SMS_MFA
            | choice::SMS_OTP
            | crate::mfa::EMAIL_OTP
            | crate::mfa::SOFTWARE_TOKEN_MFA
            | crate::mfa::SELECT_MFA_TYPE
            | crate::mfa::MFA_SETUP => {
                self.answer_mfa(&pool, &client, challenge, session, responses, api)
                    .await
            }
            _ => Err(CoreError::InvalidParameter(format!(
                "Unsupported challenge: {challenge}"
            ))),
        }
    }
}
