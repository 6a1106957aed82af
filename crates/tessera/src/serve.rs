//! The accept loop and graceful shutdown of `tessera serve` and `tessera gate` (hyper's
//! HTTP/1.1 connections watched by hyper-util's `GracefulShutdown`, rather than `axum::serve`,
//! so one loop can serve plain TCP and TLS alike; TLS connections are watched once their
//! handshake is done).
//!
//! Shutdown, once asked for (SIGTERM, Ctrl-C, [`crate::Running::shutdown`], `Gate::stop`):
//! 1. `GET /health/ready` answers 503 `draining` at once, while the listener still accepts
//!    for `shutdown_delay` (so load balancers see the probe fail and stop sending traffic);
//!    the gate has no readiness probe and no delay;
//! 2. the listener is closed (new connections are refused) and idle keep-alive connections
//!    are closed; requests in flight finish, for at most `shutdown_grace`;
//! 3. whatever is still running then is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// The longest a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// How the server stops.
#[derive(Debug, Clone)]
pub(crate) struct Drain {
    /// Read by the readiness probe (the gate has none).
    pub draining: Option<Arc<AtomicBool>>,
    pub delay: Duration,
    pub grace: Duration,
}

/// Serves `app` (any router: Tessera's or the gate's) on `listener`, over TLS with `tls`,
/// until `stop` resolves, then drains (see the module docs).
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: axum::Router,
    stop: impl std::future::Future<Output = ()> + Send,
    drain: Drain,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let http = hyper::server::conn::http1::Builder::new();
    let stop = async {
        stop.await;
        if let Some(draining) = &drain.draining {
            draining.store(true, Ordering::SeqCst);
            tracing::info!(
                delay_s = drain.delay.as_secs_f64(),
                "draining: the readiness probe now fails"
            );
        }
        tokio::time::sleep(drain.delay).await;
    };
    tokio::pin!(stop);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Without TCP_NODELAY a response written in two parts (headers, then a streamed
        // body) waits for the client's delayed ACK (up to 40 ms).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
        let service = TowerToHyperService::new(app.clone());
        let watcher = graceful.watcher();
        let http = http.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let ended = match tls {
                None => {
                    watcher
                        .watch(http.serve_connection(TokioIo::new(tcp), service))
                        .await
                }
                Some(tls) => {
                    // A client that never finishes its handshake does not hold a task forever.
                    let stream = match tokio::time::timeout(HANDSHAKE, tls.accept(tcp)).await {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!("TLS handshake timed out");
                            return;
                        }
                    };
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(
        grace_s = drain.grace.as_secs_f64(),
        "no longer accepting; finishing the requests in flight"
    );
    if tokio::time::timeout(drain.grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("the shutdown grace time ran out; dropping the requests still running");
    }
    Ok(())
}
