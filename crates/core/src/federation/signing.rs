//! The pool's SAML signing certificate (`GetSigningCertificate`): an RSA-2048 key and a
//! self-signed certificate, made on first use, the key sealed with the server key. It signs
//! AuthnRequests and logout messages and decrypts encrypted assertions.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::oauth::{new_doc, read_doc};
use crate::sealing::Purpose;
use crate::store::{DocKind, StoreError};
use crate::{CoreError, Tessera};

/// The pool's SAML signing key and certificate, as stored (the key sealed).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SigningCertificate {
    /// The X.509 certificate, DER in base64 (what GetSigningCertificate returns).
    pub(super) certificate: String,
    /// The PKCS #8 private key, sealed, base64.
    key: String,
}

/// A self-signed RSA-2048 certificate for the pool, valid ten years (Cognito's).
fn new_signing_certificate(
    pool_id: &str,
) -> Result<(Vec<u8>, Vec<u8>), openssl::error::ErrorStack> {
    use openssl::asn1::Asn1Time;
    use openssl::bn::{BigNum, MsbOption};
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509Builder, X509NameBuilder};

    let key = PKey::from_rsa(Rsa::generate(2048)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", pool_id)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(&key)?;
    let (from, until) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(3650)?);
    b.set_not_before(&from)?;
    b.set_not_after(&until)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok((b.build().to_der()?, key.private_key_to_pkcs8()?))
}

impl Tessera {
    /// `GetSigningCertificate`: the certificate that signs the pool's SAML requests, made
    /// on first use (nodes that race agree on the one stored first).
    pub async fn get_signing_certificate(&self, pool_id: &str) -> Result<String, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        Ok(self.signing_certificate(&pool.id).await?.certificate)
    }

    /// The pool's SAML certificate (base64 DER) and its private key (PKCS #8 DER).
    pub(crate) async fn saml_key(&self, pool_id: &str) -> Result<(String, Vec<u8>), CoreError> {
        let c = self.signing_certificate(pool_id).await?;
        let sealed = STANDARD.decode(&c.key).map_err(|_| corrupt_certificate())?;
        let key = self
            .sealer
            .open(Purpose::SigningKey, pool_id.as_bytes(), &sealed)
            .map_err(|_| corrupt_certificate())?;
        Ok((c.certificate, key))
    }

    pub(super) async fn signing_certificate(
        &self,
        pool_id: &str,
    ) -> Result<SigningCertificate, CoreError> {
        if let Some(rec) = self
            .store
            .get_document(pool_id, DocKind::SigningCertificate, "signing")
            .await?
        {
            return read_doc(&rec);
        }
        let id = pool_id.to_string();
        let (der, key) = tokio::task::spawn_blocking(move || new_signing_certificate(&id))
            .await
            .map_err(|_| corrupt_certificate())?
            .map_err(|_| corrupt_certificate())?;
        let sealed = self.sealer.seal(
            Purpose::SigningKey,
            pool_id.as_bytes(),
            &key,
            self.rng.as_ref(),
        );
        let cert = SigningCertificate {
            certificate: STANDARD.encode(der),
            key: STANDARD.encode(sealed),
        };
        let rec = new_doc(
            pool_id,
            DocKind::SigningCertificate,
            "signing",
            &cert,
            self.clock.now_millis(),
        )?;
        match self.store.insert_document(&rec).await {
            Ok(()) => Ok(cert),
            Err(StoreError::Conflict(_)) => {
                let rec = self
                    .store
                    .get_document(pool_id, DocKind::SigningCertificate, "signing")
                    .await?
                    .ok_or_else(|| crate::concurrent_modification("signing certificate"))?;
                read_doc(&rec)
            }
            Err(e) => Err(e.into()),
        }
    }
}

fn corrupt_certificate() -> CoreError {
    CoreError::Storage(StoreError::Backend(
        "the pool's signing certificate could not be made or opened".into(),
    ))
}
