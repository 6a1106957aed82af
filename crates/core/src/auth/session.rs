//! State carried between the steps of a sign-in: the `Session` of a challenge and the SRP
//! `SECRET_BLOCK`. Both are the state sealed with the server key, so they are opaque and
//! tamper-proof, and they expire after the client's AuthSessionValidity (3 minutes unless
//! set; Cognito allows 3 to 15).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::sealing::Purpose;
use crate::store::ClientRecord;
use crate::{CoreError, Tessera};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SessionState {
    /// Pool id.
    pub p: String,
    /// Client id.
    pub c: String,
    /// The user's `sub` (empty for a user that does not exist).
    pub s: String,
    /// The user name as the client gave it.
    pub u: String,
    /// The challenge this state answers.
    pub ch: String,
    /// Expiry, ms since the epoch.
    pub x: i64,
    /// SRP: the key the client must prove it derived (hex), computed when `A` arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
    /// SRP: when the user's password was set, as of the challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pw: Option<i64>,
    /// MFA_SETUP: the software-token secret being set up (base32), and whether a code from
    /// it was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// SELECT_MFA_TYPE: the factors the user may choose from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can: Option<Vec<String>>,
    /// A single-use session's id: spent (in the store) when its challenge is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub j: Option<String>,
    /// CUSTOM_AUTH: the challenges so far and the private parameters of the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<serde_json::Value>,
    /// WEB_AUTHN: the assertion in progress (webauthn-rs state, JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa: Option<String>,
    /// The device the sign-in names (`DEVICE_KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
}

pub(crate) fn expired_session() -> CoreError {
    CoreError::NotAuthorized("Invalid session for the user, session is expired.".into())
}

/// A challenge answer without the `Session` its challenge needs: Cognito names the missing
/// parameter as it does a missing AuthParameter (amazon-archives/amazon-cognito-identity-js#627;
/// docs/fidelity.md, "Audit: sign-in").
pub(crate) fn missing_session() -> CoreError {
    CoreError::InvalidParameter("Missing required parameter Session".into())
}

/// The client's AuthSessionValidity in milliseconds.
pub(crate) fn session_ttl_ms(client: &ClientRecord) -> i64 {
    i64::from(
        client
            .config
            .auth_session_validity
            .unwrap_or(3)
            .clamp(3, 15),
    ) * 60_000
}

impl Tessera {
    /// Seals a session. Every session is single use: one without an id gets a fresh one
    /// here (a re-sealed or follow-on step keeps its sign-in's id), and the answer that
    /// commits to it calls [`Tessera::spend`].
    pub(crate) fn seal_session(&self, state: &SessionState) -> String {
        let fresh;
        let state = if state.j.is_some() {
            state
        } else {
            fresh = SessionState {
                j: Some(self.random_id()),
                ..state.clone()
            };
            &fresh
        };
        let plain = serde_json::to_vec(state).unwrap_or_default();
        STANDARD.encode(self.sealer.seal(
            Purpose::AuthSession,
            state.c.as_bytes(),
            &plain,
            self.rng.as_ref(),
        ))
    }

    /// Spends a session: the one answer whose record of its id lands goes on; a second
    /// answer, in parallel or later, is refused (docs/adr/0014). Called once the answer is
    /// checked and before anything it causes (a password set, tokens, a code sent).
    pub(crate) async fn spend(&self, state: &SessionState) -> Result<(), CoreError> {
        let j = state.j.as_deref().ok_or_else(expired_session)?;
        if self
            .use_once(&state.p, format!("session:{j}"), state.x)
            .await?
        {
            Ok(())
        } else {
            Err(CoreError::NotAuthorized(
                "Invalid session for the user, session can only be used once.".into(),
            ))
        }
    }

    /// Opens a session for `client_id` that answers `challenge`; refuses expired,
    /// tampered or foreign ones.
    pub(crate) fn open_session(
        &self,
        sealed: &str,
        client_id: &str,
        challenge: &str,
    ) -> Result<SessionState, CoreError> {
        let bytes = STANDARD
            .decode(sealed.trim())
            .map_err(|_| expired_session())?;
        let plain = self
            .sealer
            .open(Purpose::AuthSession, client_id.as_bytes(), &bytes)
            .map_err(|_| expired_session())?;
        let state: SessionState = serde_json::from_slice(&plain).map_err(|_| expired_session())?;
        if state.c != client_id || state.ch != challenge || state.x <= self.clock.now_millis() {
            return Err(expired_session());
        }
        Ok(state)
    }
}
