//! HTTPS for `tessera serve` and `tessera gate` (ADR 0015): rustls with aws-lc-rs, on the same listener for
//! everything. The certificate and key are PEM files, re-read when their modification time or
//! size changes (looked at, at most once a second, by the handshake that needs them), so a
//! renewed certificate is served without a restart; a pair that does not load (half written,
//! or a key that does not match) is logged and the previous pair stays in use.

pub mod dev_cert;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// How often, at most, the files' metadata is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// What identifies one version of the files.
type Stamp = [(Option<SystemTime>, u64); 2];

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let one = |p: &Path| match std::fs::metadata(p) {
        Ok(m) => (m.modified().ok(), m.len()),
        Err(_) => (None, 0),
    };
    [one(cert), one(key)]
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Reads and checks a certificate chain and its private key.
fn load(cert: &Path, key: &Path, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading TLS certificate {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing TLS certificate {}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("{} holds no certificate", cert.display());
    }
    // The key's bytes never reach an error message.
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|_| anyhow::anyhow!("{} holds no readable private key", key.display()))?;
    let signing = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|_| anyhow::anyhow!("{} holds an unsupported private key", key.display()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|_| {
        anyhow::anyhow!(
            "the private key in {} does not match the certificate in {}",
            key.display(),
            cert.display()
        )
    })?;
    Ok(certified)
}

struct Current {
    stamp: Stamp,
    checked: Instant,
    key: Arc<CertifiedKey>,
}

/// Serves the pair in the files, reloading it when they change.
pub struct ReloadingCert {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: Mutex<Current>,
}

impl std::fmt::Debug for ReloadingCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingCert")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ReloadingCert {
    /// Loads the pair (an error if it does not load now).
    pub fn new(cert: &Path, key: &Path) -> anyhow::Result<Self> {
        let provider = provider();
        let stamp = stamp(cert, key);
        let loaded = load(cert, key, &provider)?;
        Ok(ReloadingCert {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            provider,
            current: Mutex::new(Current {
                stamp,
                checked: Instant::now(),
                key: Arc::new(loaded),
            }),
        })
    }

    fn get(&self) -> Arc<CertifiedKey> {
        let mut cur = match self.current.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if cur.checked.elapsed() >= CHECK_EVERY {
            cur.checked = Instant::now();
            let now = stamp(&self.cert, &self.key);
            if now != cur.stamp {
                match load(&self.cert, &self.key, &self.provider) {
                    Ok(k) => {
                        tracing::info!(cert = %self.cert.display(), "TLS certificate reloaded");
                        cur.key = Arc::new(k);
                        cur.stamp = now;
                    }
                    // Not recorded as seen: the next check tries again (the files may have
                    // been half written).
                    Err(e) => tracing::warn!(error = %e, "TLS certificate not reloaded"),
                }
            }
        }
        cur.key.clone()
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }
}

/// The acceptor for `tessera serve` or `tessera gate` with `--tls-cert-file` and
/// `--tls-key-file`.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let resolver = ReloadingCert::new(cert, key)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
