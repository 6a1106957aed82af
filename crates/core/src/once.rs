//! The single-use rule (docs/adr/0014): anything that may be used once — a challenge
//! session, a TOTP code's time step, an authorization code, a confirmation code — is taken
//! by **one atomic conditional write** on the store whose affected-row count picks the one
//! winner, before any side effect of using it. Losers get the answer Cognito gives for a
//! used or expired artifact.
//!
//! Artifacts that live in their own rows are taken by a conditional delete or update there
//! (`consume_code`, `take_code`, `rotate_family`, a user's version). Artifacts that are
//! sealed state carried by the client (sessions) or derived from time (TOTP steps) have no
//! row of their own: [`Tessera::use_once`] records their key with one unique insert, kept
//! until the artifact would have expired anyway, and a second insert of the key fails.

use crate::store::{AuthCodeRecord, StoreError};
use crate::{CoreError, Tessera};

impl Tessera {
    /// Marks `key` used in `pool_id` until `expires_ms`: `true` for the one caller whose
    /// insert lands, `false` for every other (it was used already).
    pub(crate) async fn use_once(
        &self,
        pool_id: &str,
        key: String,
        expires_ms: i64,
    ) -> Result<bool, CoreError> {
        let record = AuthCodeRecord {
            code_hash: key,
            pool_id: pool_id.to_string(),
            expires_ms,
            payload: String::new(),
        };
        match self.store.insert_code(&record).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
