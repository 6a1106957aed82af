//! The `jwt` fuzz target (see Tessera's `fuzz/` and docs/security.md), here so that the
//! cargo-fuzz target and this crate's smoke test run the same code.
//!
//! Every input is tried three ways against a verifier with a fixed JWKS whose key is made at
//! start-up (so no input can carry a valid signature):
//! - as a token: it is never accepted;
//! - as a JWKS document: parsing it does not panic;
//! - if it is a JSON object: as claims (checked directly with a fixed clock), and as the
//!   payload of a token signed here with the JWKS's key (the object is also the header if
//!   it has an `alg`). What is accepted then has RS256 with a known `kid`, an `exp` in the
//!   future, the expected issuer, `token_use`, client, scope and group.

use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Map, Value, json};

use crate::jwks::parse_jwks;
use crate::{Claims, Config, JwksSource, TokenUse, Verifier, VerifyError};

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Fuzz";
const CLIENT: &str = "client-a";
const SCOPE: &str = "orders/read";
const GROUP: &str = "staff";
/// The fixed clock of the claim checks.
const NOW: i64 = 1_767_225_600;

struct Fixture {
    key: KeyPair,
    verifier: Verifier,
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let key = KeyPair::generate(KeySize::Rsa2048).ok()?;
            let public = key.public_key();
            let n = B64.encode(public.modulus().big_endian_without_leading_zero());
            let e = B64.encode(public.exponent().big_endian_without_leading_zero());
            let jwks = json!({ "keys": [
                { "kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": n, "e": e },
                { "kty": "RSA", "kid": "k2", "n": n, "e": e },
            ]});
            let mut config = Config::new(ISSUER)
                .jwks(JwksSource::Fixed(jwks.to_string()))
                .token_use(TokenUse::Access)
                .audience(CLIENT)
                .scope(SCOPE)
                .group(GROUP);
            config.cache_capacity = 16;
            Some(Fixture {
                key,
                verifier: Verifier::new(config),
            })
        })
        .as_ref()
}

/// Polls a future that does no I/O (a fixed JWKS needs none) to its end. It can still be
/// pending for a moment: a verifier refreshing its fixed JWKS for an unknown `kid` holds an
/// async lock, and another thread (the tests run in parallel on one fixture) may wait on it.
/// Polling again after yielding is allowed with a no-op waker; `None` only if it never ends.
fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    for _ in 0..100_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return Some(out);
        }
        std::thread::yield_now();
    }
    None
}

fn sign(key: &KeyPair, header: &[u8], payload: &[u8]) -> Option<String> {
    let signed = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .ok()?;
    Some(format!("{signed}.{}", B64.encode(signature)))
}

/// What accepted claims must satisfy, the verifier's clock having read between `earliest`
/// and `latest` (the leeway is 5 s).
fn check_accepted(claims: &Claims, sent: &Map<String, Value>, earliest: i64, latest: i64) {
    let exp = sent.get("exp").and_then(Value::as_i64);
    assert_eq!(Some(claims.exp), exp, "exp");
    assert!(
        i128::from(claims.exp) > i128::from(earliest) - 5,
        "accepted after exp"
    );
    if let Some(nbf) = sent.get("nbf").and_then(Value::as_i64) {
        assert!(
            i128::from(nbf) <= i128::from(latest) + 5,
            "accepted before nbf"
        );
    }
    if let Some(iat) = sent.get("iat").and_then(Value::as_i64) {
        assert!(
            i128::from(iat) <= i128::from(latest) + 5,
            "accepted with iat in the future"
        );
    }
    assert_eq!(claims.str("iss"), Some(ISSUER));
    assert_eq!(claims.str("token_use"), Some("access"));
    assert_eq!(claims.str("client_id"), Some(CLIENT));
    assert_eq!(&claims.all, sent, "the claims are the ones signed");
}

/// Runs one input; panics when an invariant does not hold.
pub fn jwt(data: &[u8]) {
    let Some(f) = fixture() else { return };
    let text = String::from_utf8_lossy(data);

    let refused = ready(f.verifier.verify(&text));
    assert!(
        !matches!(refused, Some(Ok(_))),
        "a token nobody signed was accepted"
    );
    let _ = parse_jwks(&text);

    let Ok(Value::Object(sent)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(claims) = f.verifier.check_claims(sent.clone(), NOW) {
        check_accepted(&claims, &sent, NOW, NOW);
    }

    let default_header = br#"{"alg":"RS256","kid":"k1"}"#;
    let header: &[u8] = if sent.contains_key("alg") {
        data
    } else {
        default_header
    };
    let Some(token) = sign(&f.key, header, data) else {
        return;
    };
    let earliest = now();
    let Some(result) = ready(f.verifier.verify(&token)) else {
        return;
    };
    let latest = now();
    assert!(
        !matches!(result, Err(VerifyError::BadSignature)),
        "a token signed with the JWKS's key failed the signature check"
    );
    if let Ok(claims) = result {
        let header: Value = serde_json::from_slice(header).unwrap_or_default();
        assert_eq!(header["alg"], "RS256", "accepted another algorithm");
        assert!(
            header["kid"] == "k1" || header["kid"] == "k2",
            "accepted an unknown kid"
        );
        check_accepted(&claims, &sent, earliest, latest);
        assert!(claims.scopes().any(|s| s == SCOPE), "scope not required");
        assert!(claims.groups().any(|g| g == GROUP), "group not required");
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    include!("../../../fuzz/smoke.rs");

    #[test]
    fn jwt_corpus_and_mutations() {
        smoke("jwt", super::jwt, 5_000);
    }

    /// The harness can accept: a well-formed token signed with the fixture's key passes.
    #[test]
    fn a_token_signed_with_the_fixture_key_is_accepted() {
        let f = super::fixture().unwrap();
        let claims = serde_json::json!({
            "iss": super::ISSUER, "token_use": "access", "client_id": super::CLIENT,
            "scope": super::SCOPE, "cognito:groups": [super::GROUP], "exp": super::now() + 60,
        });
        let token = super::sign(
            &f.key,
            br#"{"alg":"RS256","kid":"k1"}"#,
            claims.to_string().as_bytes(),
        )
        .unwrap();
        assert!(super::ready(f.verifier.verify(&token)).unwrap().is_ok());
    }
}
