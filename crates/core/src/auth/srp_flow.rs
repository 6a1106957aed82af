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

use super::session::{SessionState, expired_session, session_ttl_ms};
use super::lockout::lock_key;
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
            .open(crate::sealing::Purpose::SrpVerifier, pool.id.as_bytes(), &sealed)
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
        let username = param(params, "USERNAME")?;
        let srp_a = param(params, "SRP_A")?;
        srp::check_client_public(srp_a)
            .map_err(|_| CoreError::InvalidParameter("SRP_A is not a valid SRP public value.".into()))?;
        Self::check_secret_hash(client, username, params.get("SECRET_HASH").map(String::as_str))?;
        let user = self.find_user(pool, username).await?;
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
            None => (String::new(), username.to_string(), self.decoy_verifier(pool, username)),
        };
        let mut b = [0u8; srp::EPHEMERAL_LEN];
        self.rng.fill(&mut b);
        let verifier = stored.verifier.clone();
        let big_b = crate::users::password::bounded(move || srp::server_public(&verifier, &b))
            .await?
            .map_err(|_| incorrect_password())?;
        let state = SessionState {
            p: pool.id.clone(),
            c: client.client_id.clone(),
            s: sub,
            u: user_id.clone(),
            ch: PASSWORD_VERIFIER.into(),
            x: self.clock.now_millis() + session_ttl_ms(client),
            b: Some(hex::encode(b)),
            a: Some(srp_a.to_string()),
        };
        let mut challenge = HashMap::new();
        challenge.insert("SALT".into(), srp::to_hex(&stored.salt));
        challenge.insert("SRP_B".into(), srp::to_hex(&big_b));
        challenge.insert("SECRET_BLOCK".into(), self.seal_session(&state));
        challenge.insert("USERNAME".into(), user_id.clone());
        challenge.insert("USER_ID_FOR_SRP".into(), user_id);
        Ok(AuthOutcome {
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
        let username = responses.get("USERNAME").map_or(state.u.as_str(), String::as_str);
        Self::check_secret_hash(client, username, responses.get("SECRET_HASH").map(String::as_str))?;
        if srp::parse_timestamp(timestamp).is_none() {
            return Err(CoreError::InvalidParameter(
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.".into(),
            ));
        }
        let user = if state.s.is_empty() {
            None
        } else {
            self.cached_user(&pool.id, &state.s).await?
        };
        let key = lock_key(client, user.as_deref(), &state.u);
        let counted = self.check_lockout(&pool.id, key.as_deref()).await?;
        let stored = user
            .as_ref()
            .and_then(|u| self.stored_verifier(pool, u))
            .unwrap_or_else(|| self.decoy_verifier(pool, &state.u));
        let b = hex::decode(state.b.as_deref().unwrap_or_default()).map_err(|_| expired_session())?;
        let srp_a = state.a.clone().unwrap_or_default();
        let block_bytes = STANDARD.decode(block.trim()).map_err(|_| expired_session())?;
        let pool_name = srp::pool_name(&pool.id).to_string();
        let user_id = state.u.clone();
        let ts = timestamp.to_string();
        let expected = crate::users::password::bounded(move || {
            srp::expected_signature(
                &pool_name,
                &user_id,
                &stored.verifier,
                &b,
                &srp_a,
                &block_bytes,
                &ts,
            )
        })
        .await?;
        let ok = match expected {
            Ok(expected) => srp::signature_matches(&expected, signature),
            Err(_) => false,
        };
        let user = match user {
            Some(u) if ok && !u.extra["srp"].is_null() => u,
            found => {
                self.record_failure(&pool.id, key.as_deref()).await?;
                return Err(match found {
                    Some(_) => incorrect_password(),
                    None => missing_user(client),
                });
            }
        };
        self.clear_failures(&pool.id, key.as_deref(), counted).await?;
        self.after_password(pool, client, std::sync::Arc::unwrap_or_clone(user), api)
            .await
    }
}
