//! Following Tessera's revocation feed: the gate asks `/tessera/revocations` every
//! `poll_secs` (HTTP Basic with an admin key) and refuses tokens whose `origin_jti` is in the
//! set. Entries leave the set when every token of their sign-in has expired. When the feed
//! cannot be read the gate keeps the set it has and says so in its log.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::Deserialize;
use tessera_core::tokens::revocation::RevocationSet;

use super::config::RevocationConfig;

/// Re-read this far back each time: a revocation's row may commit after its timestamp.
const OVERLAP_MS: i64 = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    origin_jti: String,
    until_ms: i64,
}

#[derive(Deserialize)]
struct Feed {
    now: i64,
    revoked: Vec<Row>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Starts polling the feed into `set`.
pub(super) fn follow(
    cfg: &RevocationConfig,
    set: std::sync::Arc<RevocationSet>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let secret = std::env::var("TESSERA_GATE_REVOCATION_SECRET")
        .ok()
        .or_else(|| cfg.secret_access_key.clone())
        .ok_or_else(|| {
            anyhow::anyhow!("revocation: set secret_access_key or TESSERA_GATE_REVOCATION_SECRET")
        })?;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", cfg.access_key_id))
    );
    let url = cfg.url.clone();
    let every = Duration::from_secs_f64(cfg.poll_secs);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    Ok(tokio::spawn(async move {
        let mut since = 0i64;
        loop {
            let read = async {
                http.get(format!("{url}?since={since}"))
                    .header("authorization", &auth)
                    .send()
                    .await?
                    .error_for_status()?
                    .json::<Feed>()
                    .await
            };
            match read.await {
                Ok(feed) => {
                    for r in feed.revoked {
                        set.insert(r.origin_jti, r.until_ms);
                    }
                    set.forget_expired(now_ms());
                    since = feed.now - OVERLAP_MS;
                }
                Err(e) => tracing::warn!(error = %e, "reading the revocation feed failed"),
            }
            tokio::time::sleep(every).await;
        }
    }))
}
