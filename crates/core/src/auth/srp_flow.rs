//! USER_SRP_AUTH: the password is proven without being sent (Secure Remote Password, as
//! Cognito runs it; the arithmetic is in `crate::srp`).
//!
//! Step 1 (`InitiateAuth`) answers PASSWORD_VERIFIER with SALT, SRP_B and a SECRET_BLOCK
//! that is the server's state (its secret `b` and the client's `A`) sealed with the server
//! key, so no state is kept between the steps. Step 2 (`RespondToAuthChallenge`) opens the
//! block, recomputes the signature the password would give, and compares.
//! A user that does not exist gets a challenge that looks the same (a salt and verifier
//! derived from the server key and the user name, stable across attempts) when the client
//! hides which users exist; the answer then fails like a wrong password.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::lockout::lock_key;
use super::session::{SessionState, expired_session, session_ttl_ms};
use super::{Api, AuthOutcome, incorrect_password, missing_user, param};
use crate::srp;
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";

/// A user's stored salt and verifier, opened.
struct Stored {
    salt: Vec<u8>,
    verifier: Vec<u8>,
}

impl Tessera {
    fn stored_verifier(&self, pool: &PoolRecord, u: &UserRecord) -> Option<Stored> {
        let srp = &u.extra["srp"];
        let salt = hex::decode(srp["salt"].as_str()?).ok()?;
        let sealed = STANDARD.decode(srp["verifier"].as_str()?).ok()?;
        let verifier = self
            .sealer
            .open(
                crate::sealing::Purpose::SrpVerifier,
                pool.id.as_bytes(),
                &sealed,
            )
            .ok()?;
        Some(Stored { salt, verifier })
    }

    /// A salt and verifier for someone who has none: derived from the server key, so the
    /// same name always gets the same salt, and costing no more than a real lookup.
    fn decoy_verifier(&self, pool: &PoolRecord, username: &str) -> Stored {
        let seed = format!("{}\u{0}{username}", pool.id);
        let salt = self.sealer.stable_digest(seed.as_bytes())[..srp::SALT_LEN].to_vec();
        let mut verifier = Vec::with_capacity(384);
        let mut i: u32 = 0;
        while verifier.len() < 384 {
            let block = self
                .sealer
                .stable_digest(format!("{seed}\u{0}v{i}").as_bytes());
            verifier.extend_from_slice(&block);
            i += 1;
        }
        verifier.truncate(384);
        // Below N (whose top byte is 0xFF), and not zero.
        verifier[0] &= 0x7f;
        verifier[383] |= 1;
        Stored { salt, verifier }
    }

    pub(super) async fn srp_start(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        params: &HashMap<String, String>,
    ) -> Result<AuthOutcome, CoreError> {
        self.srp_start_with(pool, client, params, None).await
    }

    /// [`Tessera::srp_start`], inside CUSTOM_AUTH when `custom` carries its history (the
    /// sign-in then goes back to DefineAuthChallenge once the password is proven).
    pub(super) async fn srp_start_with(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        params: &HashMap<String, String>,
        custom: Option<serde_json::Value>,
    ) -> Result<AuthOutcome, CoreError> {
        let username = param(params, "USERNAME")?;
        let srp_a = param(params, "SRP_A")?;
        srp::check_client_public(srp_a).map_err(|_| {
            CoreError::InvalidParameter("SRP_A is not a valid SRP public value.".into())
        })?;
        Self::check_secret_hash(
            client,
            username,
            params.get("SECRET_HASH").map(String::as_str),
        )?;
        let user = self.find_user(pool, username).await?;
        self.pre_authentication(pool, client, user.as_ref(), username, params)
            .await?;
        if user.is_none() && !super::super::users::signup::hides_users(client) {
            return Err(missing_user(client));
        }
        let (sub, user_id, stored) = match &user {
            Some(u) => {
                let stored = self
                    .stored_verifier(pool, u)
                    .unwrap_or_else(|| self.decoy_verifier(pool, &u.username));
                (u.sub.clone(), u.username.clone(), stored)
            }
            None => (
                String::new(),
                username.to_string(),
                self.decoy_verifier(pool, username),
            ),
        };
        let mut b = [0u8; srp::EPHEMERAL_LEN];
        self.rng.fill(&mut b);
        let verifier = stored.verifier.clone();
        let a = srp_a.to_string();
        let (big_b, key) =
            crate::users::password::bounded(move || srp::server_start(&verifier, &b, &a))
                .await?
                .map_err(|_| incorrect_password())?;
        let state = SessionState {
            p: pool.id.clone(),
            c: client.client_id.clone(),
            s: sub,
            u: user_id.clone(),
            ch: PASSWORD_VERIFIER.into(),
            x: self.clock.now_millis() + session_ttl_ms(client),
            k: Some(hex::encode(key)),
            pw: user.as_ref().and_then(|u| u.password_set_ms),
            d: params.get("DEVICE_KEY").cloned(),
            j: Some(self.random_id()),
            ca: custom,
            ..Default::default()
        };
        // A SECRET_BLOCK answers once (its id is spent when answered): a recorded
        // PASSWORD_VERIFIER answer cannot be replayed within the session's lifetime.
        let mut challenge = HashMap::new();
        challenge.insert("SALT".into(), srp::to_hex(&stored.salt));
        challenge.insert("SRP_B".into(), srp::to_hex(&big_b));
        challenge.insert("SECRET_BLOCK".into(), self.seal_session(&state));
        challenge.insert("USERNAME".into(), user_id.clone());
        challenge.insert("USER_ID_FOR_SRP".into(), user_id);
        Ok(AuthOutcome {
            signed_in: None,
            available_challenges: None,
            challenge_name: Some(PASSWORD_VERIFIER.into()),
            session: None,
            challenge_parameters: Some(challenge),
            authentication_result: None,
        })
    }

    pub(super) async fn srp_verify(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        responses: &HashMap<String, String>,
        api: Api,
    ) -> Result<AuthOutcome, CoreError> {
        let block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = param(responses, "TIMESTAMP")?;
        let state = self.open_session(block, &client.client_id, PASSWORD_VERIFIER)?;
        if state.p != pool.id {
            return Err(expired_session());
        }
        // USER_SRP_AUTH always checks SECRET_HASH (hosted pages use the password flow).
        Self::check_answer_secret(client, &state.u, responses, Api::Client)?;
        let Some(secs) = srp::parse_timestamp(timestamp) else {
            return Err(CoreError::InvalidParameter(
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.".into(),
            ));
        };
        let user = if state.s.is_empty() {
            None
        } else {
            self.cached_user(&pool.id, &state.s).await?
        };
        let lock = lock_key(client, user.as_deref(), &state.u);
        let attempt = self.begin_attempt(&pool.id, lock).await?;
        let key: [u8; srp::KEY_LEN] = hex::decode(state.k.as_deref().unwrap_or_default())
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(expired_session)?;
        let block_bytes = STANDARD
            .decode(block.trim())
            .map_err(|_| expired_session())?;
        let expected = srp::claim_signature(
            &key,
            srp::pool_name(&pool.id),
            &state.u,
            &block_bytes,
            &srp::format_timestamp(secs),
        );
        let ok = srp::signature_matches(&expected, signature);
        let user = match user {
            // The key was derived from the verifier of when the challenge was issued: a
            // password set since then voids it.
            Some(u) if ok && !u.extra["srp"].is_null() && u.password_set_ms == state.pw => u,
            found => {
                return Err(match found {
                    Some(_) => incorrect_password(),
                    None => missing_user(client),
                });
            }
        };
        self.spend(&state).await?;
        self.attempt_succeeded(&pool.id, attempt).await?;
        if let Some(ca) = &state.ca {
            // CUSTOM_AUTH with SRP: the password is proven; DefineAuthChallenge decides next.
            let mut history: Vec<serde_json::Value> = ca
                .get("history")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default();
            history.push(serde_json::json!({
                "challengeName": PASSWORD_VERIFIER,
                "challengeResult": true,
            }));
            let meta = crate::auth::client_metadata(responses);
            let name = user.username.clone();
            return self
                .custom_step(pool, client, Some(&user), &name, history, &meta, None, api)
                .await;
        }
        // identity-js names a cached device only in this answer (it reads its storage after
        // InitiateAuth), as Cognito accepts.
        let device = responses.get("DEVICE_KEY").cloned().or(state.d.clone());
        self.after_password(
            pool,
            client,
            std::sync::Arc::unwrap_or_clone(user),
            api,
            device,
            &crate::auth::client_metadata(responses),
        )
        .await
    }
}
