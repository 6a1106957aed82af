//! The admin console's session: which admin key signed in, the CSRF token its forms carry,
//! and when it ends, sealed with the server key into an HttpOnly cookie. The console's pages
//! live in the server crate; every change they make goes through the API's operations.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::Tessera;
use crate::sealing::Purpose;

/// How long a console session lasts without signing in again.
pub const SESSION_TTL_MS: i64 = 8 * 3600 * 1000;

/// A signed-in operator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The admin access key id the operator signed in with.
    pub who: String,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// Expiry, ms since the epoch.
    pub x: i64,
}

const AAD: &[u8] = b"console";

impl Tessera {
    /// A new session for the admin key `who`.
    pub fn new_console_session(&self, who: &str) -> ConsoleSession {
        let mut csrf = [0u8; 24];
        self.rng.fill(&mut csrf);
        ConsoleSession {
            who: who.to_string(),
            csrf: URL_SAFE_NO_PAD.encode(csrf),
            x: self.clock.now_millis() + SESSION_TTL_MS,
        }
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

    /// The session a cookie holds, if this server sealed it and it has not expired.
    pub fn open_console_session(&self, cookie: &str) -> Option<ConsoleSession> {
        let sealed = URL_SAFE_NO_PAD.decode(cookie.trim()).ok()?;
        let plain = self
            .sealer
            .open(Purpose::ConsoleSession, AAD, &sealed)
            .ok()?;
        let s: ConsoleSession = serde_json::from_slice(&plain).ok()?;
        (s.x > self.clock.now_millis()).then_some(s)
    }
}
