//! The admin console's session: which admin key signed in, the CSRF token its forms carry,
//! and when it ends, sealed with the server key into an HttpOnly cookie that names the
//! session's row in the store. The session is live while the row is: sign-out deletes it,
//! so a copied cookie stops working at once, on every node. The console's pages live in the
//! server crate; every change they make goes through the API's operations.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::sealing::Purpose;
use crate::{CoreError, Tessera};

/// How long a console session lasts without signing in again.
pub const SESSION_TTL_MS: i64 = 8 * 3600 * 1000;

/// A signed-in operator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The session's row in the store.
    pub id: String,
    /// The admin access key id the operator signed in with.
    pub who: String,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// Expiry, ms since the epoch.
    pub x: i64,
}

const AAD: &[u8] = b"console";

impl Tessera {
    /// A new session for `who` (an admin key id, or an admin pool's user), recorded live.
    pub async fn start_console_session(&self, who: &str) -> Result<ConsoleSession, CoreError> {
        let random = |n: usize| {
            let mut b = vec![0u8; n];
            self.rng.fill(&mut b);
            URL_SAFE_NO_PAD.encode(b)
        };
        let s = ConsoleSession {
            id: random(18),
            who: who.to_string(),
            csrf: random(24),
            x: self.clock.now_millis() + SESSION_TTL_MS,
        };
        self.store.insert_console_session(&s.id, who, s.x).await?;
        Ok(s)
    }

    /// Ends a console session (sign-out): its cookie opens no session any more.
    pub async fn end_console_session(&self, s: &ConsoleSession) -> Result<(), CoreError> {
        Ok(self.store.delete_console_session(&s.id).await?)
    }

    /// The cookie value for `s`.
    pub fn seal_console_session(&self, s: &ConsoleSession) -> String {
        let plain = serde_json::to_vec(s).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(self.sealer.seal(
            Purpose::ConsoleSession,
            AAD,
            &plain,
            self.rng.as_ref(),
        ))
    }

    /// The session a cookie holds, if this server sealed it, it has not expired and it has
    /// not been ended. A store that cannot answer opens none.
    pub async fn open_console_session(&self, cookie: &str) -> Option<ConsoleSession> {
        let sealed = URL_SAFE_NO_PAD.decode(cookie.trim()).ok()?;
        let plain = self
            .sealer
            .open(Purpose::ConsoleSession, AAD, &sealed)
            .ok()?;
        let s: ConsoleSession = serde_json::from_slice(&plain).ok()?;
        let now = self.clock.now_millis();
        if s.x <= now {
            return None;
        }
        match self.store.console_session_live(&s.id, now).await {
            Ok(true) => Some(s),
            Ok(false) => None,
            Err(e) => {
                tracing::warn!(error = %e, "console session not checked: the store failed");
                None
            }
        }
    }
}
