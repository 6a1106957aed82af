//! Compact JWS with RS256 (RFC 7515, RFC 7518 §3.3), just what Cognito's tokens use:
//! a `{"kid","alg"}` header, a JSON payload, an RSASSA-PKCS1-v1_5 SHA-256 signature.
//! Written on aws-lc-rs directly rather than through a JWT crate; see docs/adr/0006.

use aws_lc_rs::signature::{
    KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

/// Why a token was refused. Never carries token material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    UnknownKey,
    BadSignature,
}

#[derive(Serialize, Deserialize)]
struct Header<'a> {
    kid: &'a str,
    alg: &'a str,
}

/// The last path segment of an unverified token's `iss` (a pool id, for our tokens): only to
/// route a request, never to trust it; the operation verifies the token itself.
pub fn unverified_issuer_tail(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = B64.decode(payload).ok()?;
    #[derive(Deserialize)]
    struct Iss {
        iss: String,
    }
    let iss: Iss = serde_json::from_slice(&bytes).ok()?;
    iss.iss.rsplit('/').next().map(str::to_owned)
}

/// Signs `payload` (already-serialised JSON) as an RS256 JWT with key id `kid`.
pub fn sign(kid: &str, payload: &[u8], key: &RsaKeyPair) -> Option<String> {
    let header = serde_json::to_vec(&Header { kid, alg: "RS256" }).ok()?;
    let mut out = String::with_capacity(
        (header.len() + payload.len()) * 4 / 3 + key.public_modulus_len() * 4 / 3 + 8,
    );
    B64.encode_string(&header, &mut out);
    out.push('.');
    B64.encode_string(payload, &mut out);
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        out.as_bytes(),
        &mut sig,
    )
    .ok()?;
    out.push('.');
    B64.encode_string(&sig, &mut out);
    Some(out)
}

/// The parts of a token before its signature is checked.
pub struct Unverified<'t> {
    pub kid: String,
    signing_input: &'t str,
    signature: Vec<u8>,
    payload: Vec<u8>,
}

/// Splits a compact JWS and decodes its header. Only `alg: RS256` is accepted.
pub fn parse(token: &str) -> Result<Unverified<'_>, JwtError> {
    let (signing_input, sig) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
    let header = B64.decode(header).map_err(|_| JwtError::Malformed)?;
    let header: Header = serde_json::from_slice(&header).map_err(|_| JwtError::Malformed)?;
    if header.alg != "RS256" {
        return Err(JwtError::Malformed);
    }
    Ok(Unverified {
        kid: header.kid.to_string(),
        signing_input,
        signature: B64.decode(sig).map_err(|_| JwtError::Malformed)?,
        payload: B64.decode(payload).map_err(|_| JwtError::Malformed)?,
    })
}

impl Unverified<'_> {
    /// Checks the signature with `key` and returns the payload bytes.
    pub fn verify(self, key: &ParsedPublicKey) -> Result<Vec<u8>, JwtError> {
        key.verify_sig(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwtError::BadSignature)?;
        Ok(self.payload)
    }
}

/// A key id derived from the public key: base64 of its SHA-256, like Cognito's kids.
pub fn kid_of(key: &RsaKeyPair) -> String {
    use aws_lc_rs::signature::KeyPair;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.public_key().as_ref());
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// The verifying half of a key pair.
pub fn public_key(key: &RsaKeyPair) -> Option<ParsedPublicKey> {
    ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref()).ok()
}

/// The public key as a JWK, the way Cognito's JWKS lists it.
pub fn jwk(kid: &str, key: &RsaKeyPair) -> serde_json::Value {
    let public = key.public_key();
    serde_json::json!({
        "alg": "RS256",
        "e": B64.encode(public.exponent().big_endian_without_leading_zero()),
        "kid": kid,
        "kty": "RSA",
        "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
        "use": "sig",
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use aws_lc_rs::rsa::KeySize;

    #[test]
    fn sign_parse_verify() {
        let k = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let t = sign("k1", br#"{"a":1}"#, &k).unwrap();
        let p = parse(&t).unwrap();
        assert_eq!(p.kid, "k1");
        assert_eq!(p.verify(&public_key(&k).unwrap()).unwrap(), br#"{"a":1}"#);

        // Another key, a changed payload, a changed alg: refused.
        let other = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        assert_eq!(
            parse(&t)
                .unwrap()
                .verify(&public_key(&other).unwrap())
                .err(),
            Some(JwtError::BadSignature)
        );
        let mut parts: Vec<String> = t.split('.').map(String::from).collect();
        parts[1] = B64.encode(br#"{"a":2}"#);
        let forged = parts.join(".");
        assert_eq!(
            parse(&forged)
                .unwrap()
                .verify(&public_key(&k).unwrap())
                .err(),
            Some(JwtError::BadSignature)
        );
        parts[0] = B64.encode(br#"{"kid":"k1","alg":"none"}"#);
        assert!(parse(&parts.join(".")).is_err());
        assert!(parse("a.b").is_err());
        assert!(parse("").is_err());
        let jwk = jwk("k1", &k);
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["kty"], "RSA");
    }
}
