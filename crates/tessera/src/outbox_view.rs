//! Lets the server read the development outbox without depending on the delivery crate:
//! adapts [`Outbox`] to [`tessera_server::OutboxView`].

use std::fmt;
use std::sync::Arc;

use tessera_delivery::outbox::Outbox;

/// The outbox as the server's `GET /tessera/outbox` sees it.
pub struct OutboxViewAdapter(pub Arc<Outbox>);

/// Names the file only: the entries hold codes.
impl fmt::Debug for OutboxViewAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OutboxViewAdapter")
            .field(&self.0.path())
            .finish()
    }
}

impl tessera_server::OutboxView for OutboxViewAdapter {
    fn messages(
        &self,
        pool_id: Option<&str>,
        username: Option<&str>,
        destination: Option<&str>,
    ) -> serde_json::Value {
        let entries = self.0.messages(pool_id, username, destination);
        serde_json::to_value(entries).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "encoding the outbox");
            serde_json::Value::Array(Vec::new())
        })
    }
}
