//! CUSTOM_AUTH: the pool's DefineAuthChallenge trigger decides each step from the history
//! of the sign-in, CreateAuthChallenge makes a CUSTOM_CHALLENGE, and
//! VerifyAuthChallengeResponse judges the answer ("Custom authentication challenge Lambda
//! triggers" in the developer guide). The history and the current challenge's private
//! parameters travel in the sealed session. A missing user is carried through with
//! `userNotFound: true` when the client hides users, as Cognito does.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::session::{SessionState, expired_session, missing_session, session_ttl_ms};
use super::{Api, AuthOutcome, param};
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::triggers::{Firing, Trigger, user_attributes};
use crate::{CoreError, Tessera};

pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";

fn attrs(user: Option<&UserRecord>) -> Value {
    user.map(user_attributes).unwrap_or_else(|| json!({}))
}

impl Tessera {
    /// `InitiateAuth` with `CUSTOM_AUTH`.
    pub(super) async fn custom_auth_start(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        params: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        if Trigger::DefineAuthChallenge.target(pool).is_none() {
            return Err(CoreError::InvalidParameter(
                "Custom auth lambda trigger is not configured for the user pool.".into(),
            ));
        }
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
        if let Some(u) = &user
            && !u.enabled
        {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        let name = user
            .as_ref()
            .map_or(username.to_string(), |u| u.username.clone());
        // InitiateAuth's ClientMetadata does not reach the challenge triggers (Cognito's
        // InitiateAuth reference); RespondToAuthChallenge's does.
        let meta = json!({});
        // With SRP_A (CHALLENGE_NAME SRP_A), the password comes first, by SRP.
        let srp = params.contains_key("SRP_A");
        let history = if srp {
            vec![json!({"challengeName": "SRP_A", "challengeResult": true})]
        } else {
            Vec::new()
        };
        let srp_params = srp.then_some(params);
        self.custom_step(
            pool,
            client,
            user.as_ref(),
            &name,
            history,
            &meta,
            srp_params,
            api,
        )
        .await
    }

    /// Asks DefineAuthChallenge what follows `history`, and does it.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn custom_step(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: Option<&UserRecord>,
        username: &str,
        history: Vec<Value>,
        meta: &Value,
        srp_params: Option<&HashMap<String, String>>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let define = Firing {
            trigger: Trigger::DefineAuthChallenge,
            source: "DefineAuthChallenge_Authentication",
            user_name: username,
            client_id: Some(&client.client_id),
            request: json!({
                "userAttributes": attrs(user),
                "session": history,
                "clientMetadata": meta,
                "userNotFound": user.is_none(),
            }),
        };
        let decision = self.fire(pool, define).await?.unwrap_or_default();
        let yes = |k: &str| decision.get(k).and_then(Value::as_bool) == Some(true);
        if yes("failAuthentication") {
            return Err(super::incorrect_password());
        }
        if yes("issueTokens") {
            let user = user.ok_or_else(super::incorrect_password)?;
            return self.finish(pool, client, user, api, None, meta).await;
        }
        let challenge = decision
            .get("challengeName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if challenge == "PASSWORD_VERIFIER"
            && let Some(params) = srp_params
        {
            let custom = json!({ "history": history });
            return self
                .srp_start_with(pool, client, params, Some(custom))
                .await;
        }
        if challenge != CUSTOM_CHALLENGE {
            return Err(CoreError::InvalidParameter(format!(
                "DefineAuthChallenge asked for {challenge:?}: only CUSTOM_CHALLENGE is supported in CUSTOM_AUTH."
            )));
        }
        let create = Firing {
            trigger: Trigger::CreateAuthChallenge,
            source: "CreateAuthChallenge_Authentication",
            user_name: username,
            client_id: Some(&client.client_id),
            request: json!({
                "userAttributes": attrs(user),
                "challengeName": CUSTOM_CHALLENGE,
                "session": history,
                "clientMetadata": meta,
                "userNotFound": user.is_none(),
            }),
        };
        let made = self.fire(pool, create).await?.ok_or_else(|| {
            CoreError::UnexpectedLambda(
                "CreateAuthChallenge is not configured for the user pool.".into(),
            )
        })?;
        let mut public: HashMap<String, String> = made
            .get("publicChallengeParameters")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        public.insert("USERNAME".into(), username.to_string());
        let state = SessionState {
            p: pool.id.clone(),
            c: client.client_id.clone(),
            s: user.map(|u| u.sub.clone()).unwrap_or_default(),
            u: username.to_string(),
            ch: CUSTOM_CHALLENGE.into(),
            x: self.clock.now_millis() + session_ttl_ms(client),
            ca: Some(json!({
                "history": history,
                "private": made.get("privateChallengeParameters").cloned().unwrap_or_else(|| json!({})),
                "metadata": made.get("challengeMetadata").cloned().unwrap_or(Value::Null),
            })),
            j: Some(self.random_id()),
            ..Default::default()
        };
        Ok(AuthOutcome::challenge(
            CUSTOM_CHALLENGE,
            self.seal_session(&state),
            public,
        ))
    }

    /// `RespondToAuthChallenge` with `CUSTOM_CHALLENGE`.
    pub(super) async fn answer_custom_challenge(
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
            CUSTOM_CHALLENGE,
        )?;
        if state.p != pool.id {
            return Err(expired_session());
        }
        Self::check_answer_secret(client, &state.u, responses, api)?;
        let answer = param(responses, "ANSWER")?;
        let meta = super::client_metadata(responses);
        self.spend(&state).await?;
        let user = if state.s.is_empty() {
            None
        } else {
            Some(
                self.store
                    .get_user_by_sub(&pool.id, &state.s)
                    .await?
                    .ok_or_else(expired_session)?,
            )
        };
        let ca = state.ca.clone().unwrap_or_default();
        let verify = Firing {
            trigger: Trigger::VerifyAuthChallengeResponse,
            source: "VerifyAuthChallengeResponse_Authentication",
            user_name: &state.u,
            client_id: Some(&client.client_id),
            request: json!({
                "userAttributes": attrs(user.as_ref()),
                "privateChallengeParameters": ca.get("private").cloned().unwrap_or_else(|| json!({})),
                "challengeAnswer": answer,
                "clientMetadata": meta,
                "userNotFound": user.is_none(),
            }),
        };
        let verdict = self.fire(pool, verify).await?.unwrap_or_default();
        let correct = verdict.get("answerCorrect").and_then(Value::as_bool) == Some(true);
        let mut history: Vec<Value> = ca
            .get("history")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut entry = json!({ "challengeName": CUSTOM_CHALLENGE, "challengeResult": correct });
        if let (Some(m), Value::Object(e)) =
            (ca.get("metadata").filter(|m| !m.is_null()), &mut entry)
        {
            e.insert("challengeMetadata".into(), m.clone());
        }
        history.push(entry);
        self.custom_step(
            pool,
            client,
            user.as_ref(),
            &state.u,
            history,
            &meta,
            None,
            api,
        )
        .await
    }
}
