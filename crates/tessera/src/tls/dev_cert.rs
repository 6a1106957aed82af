//! `tessera dev-cert`: a local certificate authority and a certificate for localhost that it
//! signs, so a developer trusts the CA once and uses strict clients against
//! `https://localhost:9229`. Like mkcert: the CA is kept and reused by later runs (only the
//! localhost certificate is renewed); keys are written 0600, each file replaced atomically.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};

pub const CA_CERT: &str = "dev-ca.pem";
pub const CA_KEY: &str = "dev-ca.key";
pub const CERT: &str = "dev-cert.pem";
pub const KEY: &str = "dev-cert.key";

/// What `dev-cert` wrote.
#[derive(Debug)]
pub struct DevCert {
    pub ca_cert: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Whether the CA was made by this run (else an existing one signed the certificate).
    pub new_ca: bool,
}

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Tessera development CA");
    dn.push(DnType::OrganizationName, "Tessera development");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(CA_DAYS);
    Ok(p)
}

/// How long the development CA lasts (as mkcert's: ten years).
const CA_DAYS: i64 = 3650;
/// How long a localhost certificate lasts: under the 398 days browsers accept for a server
/// certificate (macOS refuses more than 825 even from a locally trusted CA).
const LEAF_DAYS: i64 = 397;

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader (the server
/// reloading its certificate) never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    if private {
        // 0600, through a temporary file too.
        return crate::admin_keys::write_private(path, bytes);
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Makes (or reuses) the CA in `dir` and a new localhost certificate signed by it.
pub fn make(dir: &Path) -> anyhow::Result<DevCert> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (ca_cert, ca_key) = (dir.join(CA_CERT), dir.join(CA_KEY));
    let new_ca = !(ca_cert.exists() && ca_key.exists());
    let ca_key_pair = if new_ca {
        let key = KeyPair::generate()?;
        let cert = ca_params()?.self_signed(&key)?;
        write_atomic(&ca_key, key.serialize_pem().as_bytes(), true)?;
        write_atomic(&ca_cert, cert.pem().as_bytes(), false)?;
        key
    } else {
        let pem = std::fs::read_to_string(&ca_key)
            .with_context(|| format!("reading {}", ca_key.display()))?;
        KeyPair::from_pem(&pem)
            .map_err(|_| anyhow::anyhow!("{} holds no usable key", ca_key.display()))?
    };
    // The same name and key identifier as the CA certificate on disk: what it signs chains
    // to it.
    let issuer = Issuer::new(ca_params()?, ca_key_pair);

    let key = KeyPair::generate()?;
    let mut p = CertificateParams::new(vec!["localhost".to_string()])?;
    p.subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::V4(
            std::net::Ipv4Addr::LOCALHOST,
        )));
    p.subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::V6(
            std::net::Ipv6Addr::LOCALHOST,
        )));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(LEAF_DAYS);
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(|_| anyhow::anyhow!("no randomness"))?;
    serial[0] &= 0x7f;
    p.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert = p.signed_by(&key, &issuer)?;
    let (cert_path, key_path) = (dir.join(CERT), dir.join(KEY));
    // Key first: until the certificate follows, the server keeps the old pair (they do not
    // match).
    write_atomic(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_atomic(&cert_path, cert.pem().as_bytes(), false)?;
    Ok(DevCert {
        ca_cert,
        cert: cert_path,
        key: key_path,
        new_ca,
    })
}
