//! Every refusal, with tokens signed by keys the tests make; random mutations of a valid
//! token are always refused; the axum middleware's answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::{Config, JwksSource, TokenUse, Verifier, VerifyError};

const ISS: &str = "http://127.0.0.1:9/us-east-1_Test";

fn key() -> &'static KeyPair {
    static K: std::sync::OnceLock<KeyPair> = std::sync::OnceLock::new();
    K.get_or_init(|| KeyPair::generate(KeySize::Rsa2048).unwrap())
}

fn other_key() -> &'static KeyPair {
    static K: std::sync::OnceLock<KeyPair> = std::sync::OnceLock::new();
    K.get_or_init(|| KeyPair::generate(KeySize::Rsa2048).unwrap())
}

fn jwk(kid: &str, k: &KeyPair, alg: Option<&str>) -> Value {
    let p = k.public_key();
    let mut j = json!({
        "kty": "RSA", "kid": kid, "use": "sig",
        "n": B64.encode(p.modulus().big_endian_without_leading_zero()),
        "e": B64.encode(p.exponent().big_endian_without_leading_zero()),
    });
    if let Some(a) = alg {
        j["alg"] = json!(a);
    }
    j
}

fn jwks(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign_raw(header: &Value, payload: &Value, k: &KeyPair) -> String {
    let signed = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    );
    let mut sig = vec![0u8; k.public_modulus_len()];
    k.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{signed}.{}", B64.encode(sig))
}

fn access_claims() -> Value {
    json!({
        "sub": "u-1", "iss": ISS, "client_id": "client-a", "token_use": "access",
        "scope": "aws.cognito.signin.user.admin orders/read", "cognito:groups": ["staff"],
        "iat": now(), "exp": now() + 3600, "jti": "j", "origin_jti": "o", "username": "ann",
    })
}

fn token(payload: &Value) -> String {
    sign_raw(&json!({ "kid": "k1", "alg": "RS256" }), payload, key())
}

fn config() -> Config {
    Config::new(ISS)
        .jwks(JwksSource::Fixed(jwks(&[jwk("k1", key(), Some("RS256"))])))
        .token_use(TokenUse::Access)
        .audience("client-a")
}

async fn verify(cfg: Config, token: &str) -> Result<(), VerifyError> {
    Verifier::new(cfg).verify(token).await.map(|_| ())
}

#[tokio::test]
async fn a_valid_token_verifies_and_its_claims_come_back() {
    let v = Verifier::new(config().scope("orders/read").group("staff"));
    let c = v.verify(&token(&access_claims())).await.unwrap();
    assert_eq!(c.sub(), Some("u-1"));
    assert_eq!(c.str("username"), Some("ann"));
    assert!(c.scopes().any(|s| s == "orders/read"));
}

#[tokio::test]
async fn each_refusal_has_its_own_error() {
    let ok = access_claims();
    let with = |k: &str, v: Value| {
        let mut p = ok.clone();
        p[k] = v;
        p
    };
    let cases: Vec<(String, VerifyError)> = vec![
        (String::new(), VerifyError::Missing),
        (
            "a".repeat(20_000),
            VerifyError::TooLarge { limit: 16 * 1024 },
        ),
        ("abc.def".into(), VerifyError::Malformed),
        ("a.b.c.d".into(), VerifyError::Malformed),
        ("!!!.e30.sig".into(), VerifyError::MalformedBase64),
        (
            format!("{}.e30.c2ln", B64.encode("not json")),
            VerifyError::MalformedJson,
        ),
        (
            format!(
                "{}.{}.",
                B64.encode(r#"{"alg":"none","kid":"k1"}"#),
                B64.encode(ok.to_string())
            ),
            VerifyError::AlgNone,
        ),
        (
            sign_raw(&json!({"alg": "HS256", "kid": "k1"}), &ok, key()),
            VerifyError::HmacAlgorithm("HS256".into()),
        ),
        (
            sign_raw(&json!({"alg": "RS512", "kid": "k1"}), &ok, key()),
            VerifyError::UnsupportedAlgorithm("RS512".into()),
        ),
        (
            sign_raw(&json!({"alg": "RS256"}), &ok, key()),
            VerifyError::MissingKid,
        ),
        (
            sign_raw(&json!({"alg": "RS256", "kid": "k9"}), &ok, key()),
            VerifyError::UnknownKid("k9".into()),
        ),
        (
            sign_raw(&json!({"alg": "RS256", "kid": "k1"}), &ok, other_key()),
            VerifyError::BadSignature,
        ),
        (token(&with("exp", json!(now() - 60))), VerifyError::Expired),
        (
            token(&with("nbf", json!(now() + 60))),
            VerifyError::NotYetValid,
        ),
        (
            token(&with("iat", json!(now() + 60))),
            VerifyError::IssuedInFuture,
        ),
        (
            token(&with("iss", json!("https://evil.example/us-east-1_Test"))),
            VerifyError::WrongIssuer("https://evil.example/us-east-1_Test".into()),
        ),
        (
            token(&with("token_use", json!("id"))),
            VerifyError::WrongTokenUse("id".into()),
        ),
        (
            token(&with("client_id", json!("client-b"))),
            VerifyError::WrongAudience,
        ),
        (
            token(&with("scope", json!("aws.cognito.signin.user.admin"))),
            VerifyError::MissingScope("orders/read".into()),
        ),
        (
            token(&with("cognito:groups", json!(["other"]))),
            VerifyError::MissingGroup("staff".into()),
        ),
    ];
    let mut no_exp = ok.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let cases = cases
        .into_iter()
        .chain([(token(&no_exp), VerifyError::MissingClaim("exp"))]);
    for (t, want) in cases {
        let got = verify(config().scope("orders/read").group("staff"), &t).await;
        assert_eq!(got, Err(want.clone()), "for {want}");
    }
}

#[tokio::test]
async fn the_leeway_applies_to_exp_nbf_and_iat() {
    let mut p = access_claims();
    p["exp"] = json!(now() - 2);
    p["nbf"] = json!(now() + 2);
    p["iat"] = json!(now() + 2);
    verify(config(), &token(&p)).await.unwrap();
    let mut strict = config();
    strict.leeway = Duration::ZERO;
    assert_eq!(verify(strict, &token(&p)).await, Err(VerifyError::Expired));
}

/// The jwt fuzz target's seed with i64 bounds: `exp` = i64::MAX overflowed
/// `exp + leeway` and panicked with overflow checks on; extreme times are judged, not fatal.
#[tokio::test]
async fn extreme_times_do_not_overflow() {
    let mut p = access_claims();
    p["exp"] = json!(i64::MAX);
    p["nbf"] = json!(i64::MIN);
    p["iat"] = json!(i64::MIN);
    verify(config(), &token(&p)).await.unwrap();
    p["nbf"] = json!(i64::MAX);
    assert_eq!(
        verify(config(), &token(&p)).await,
        Err(VerifyError::NotYetValid)
    );
    p["exp"] = json!(i64::MIN);
    assert_eq!(
        verify(config(), &token(&p)).await,
        Err(VerifyError::Expired)
    );
}

#[tokio::test]
async fn an_algorithm_the_key_does_not_declare_is_refused() {
    let cfg = config().jwks(JwksSource::Fixed(jwks(&[jwk("k1", key(), Some("RS384"))])));
    assert_eq!(
        verify(cfg, &token(&access_claims())).await,
        Err(VerifyError::AlgorithmNotDeclared {
            kid: "k1".into(),
            declared: "RS384".into(),
            used: "RS256".into()
        })
    );
    // A key that declares nothing accepts RS256.
    let cfg = config().jwks(JwksSource::Fixed(jwks(&[jwk("k1", key(), None)])));
    verify(cfg, &token(&access_claims())).await.unwrap();
}

#[tokio::test]
async fn id_tokens_are_checked_against_aud_and_oidc_tokens_need_no_token_use() {
    let mut id = access_claims();
    let o = id.as_object_mut().unwrap();
    o.remove("client_id");
    o.insert("aud".into(), json!("client-a"));
    o.insert("token_use".into(), json!("id"));
    let mut cfg = config();
    cfg.token_use = Some(TokenUse::Id);
    verify(cfg.clone(), &token(&id)).await.unwrap();
    id["aud"] = json!(["other", "client-b"]);
    assert_eq!(
        verify(cfg, &token(&id)).await,
        Err(VerifyError::WrongAudience)
    );
    // A generic OIDC issuer: no token_use, an audience list.
    let mut oidc = json!({ "iss": ISS, "sub": "s", "aud": ["x", "client-a"], "exp": now() + 60 });
    let mut cfg = config();
    cfg.token_use = None;
    verify(cfg.clone(), &token(&oidc)).await.unwrap();
    oidc["aud"] = json!("y");
    assert_eq!(
        verify(cfg, &token(&oidc)).await,
        Err(VerifyError::WrongAudience)
    );
}

/// A small xorshift, for repeatable mutations.
fn next(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

#[tokio::test]
async fn random_mutations_of_a_valid_token_are_always_refused() {
    let v = Verifier::new(config());
    let good = token(&access_claims());
    v.verify(&good).await.unwrap();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut tried = 0;
    while tried < 3000 {
        let mut t = good.clone().into_bytes();
        match next(&mut seed) % 4 {
            // Replace one character.
            0 => {
                let i = (next(&mut seed) as usize) % t.len();
                t[i] = alphabet[(next(&mut seed) as usize) % alphabet.len()];
            }
            // Delete one.
            1 => {
                let i = (next(&mut seed) as usize) % t.len();
                t.remove(i);
            }
            // Insert one.
            2 => {
                let i = (next(&mut seed) as usize) % (t.len() + 1);
                t.insert(i, alphabet[(next(&mut seed) as usize) % alphabet.len()]);
            }
            // Flip a bit somewhere.
            _ => {
                let i = (next(&mut seed) as usize) % t.len();
                t[i] ^= 1 << (next(&mut seed) % 7);
            }
        }
        let Ok(t) = String::from_utf8(t) else {
            continue;
        };
        if t == good {
            continue;
        }
        // base64url without padding has a few encodings of the same last bits: a change
        // that decodes to the very same bytes is the same token, not a forgery.
        if same_bytes(&t, &good) {
            continue;
        }
        tried += 1;
        assert!(v.verify(&t).await.is_err(), "mutation accepted: {t}");
    }
}

fn same_bytes(a: &str, b: &str) -> bool {
    let parts =
        |t: &str| -> Option<Vec<Vec<u8>>> { t.split('.').map(|p| B64.decode(p).ok()).collect() };
    matches!((parts(a), parts(b)), (Some(x), Some(y)) if x == y)
}

#[tokio::test]
async fn cached_tokens_are_never_served_past_expiry() {
    let mut cfg = config();
    cfg.leeway = Duration::ZERO;
    let v = Verifier::new(cfg);
    let mut p = access_claims();
    p["exp"] = json!(now() + 1);
    let t = token(&p);
    v.verify(&t).await.unwrap();
    v.verify(&t).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(v.verify(&t).await, Err(VerifyError::Expired));
}

/// A JWKS endpoint on loopback whose document the test can change; counts fetches.
async fn jwks_server(doc: Arc<Mutex<String>>, hits: Arc<Mutex<u32>>) -> String {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            let (doc, hits) = (doc.clone(), hits.clone());
            async move {
                *hits.lock().unwrap() += 1;
                doc.lock().unwrap().clone()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn an_unknown_kid_refreshes_the_keys_at_most_every_min_refresh() {
    let doc = Arc::new(Mutex::new(jwks(&[jwk("k1", key(), Some("RS256"))])));
    let hits = Arc::new(Mutex::new(0));
    let url = jwks_server(doc.clone(), hits.clone()).await;
    let mut cfg = Config::new(ISS)
        .jwks(JwksSource::Url(format!("{url}/.well-known/jwks.json")))
        .token_use(TokenUse::Access);
    cfg.jwks_min_refresh = Duration::from_millis(1000);
    // The second key and its token made before the clock matters: generating an RSA key
    // takes a good part of a second on a busy machine, which once let min_refresh pass.
    let t2 = sign_raw(
        &json!({"alg": "RS256", "kid": "k2"}),
        &access_claims(),
        other_key(),
    );
    let v = Verifier::new(cfg);
    v.verify(&token(&access_claims())).await.unwrap();
    assert_eq!(*hits.lock().unwrap(), 1);

    // A rotated-in key: the first token naming it refreshes at once if the keys are old
    // enough, otherwise it waits for min_refresh.
    *doc.lock().unwrap() = jwks(&[jwk("k1", key(), None), jwk("k2", other_key(), None)]);
    assert_eq!(
        v.verify(&t2).await,
        Err(VerifyError::UnknownKid("k2".into()))
    );
    assert_eq!(*hits.lock().unwrap(), 1, "no fetch within min_refresh");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    v.verify(&t2).await.unwrap();
    assert_eq!(*hits.lock().unwrap(), 2);
    // Forged kids cannot make it fetch more than once per min_refresh.
    for i in 0..20 {
        let t = sign_raw(
            &json!({"alg": "RS256", "kid": format!("x{i}")}),
            &access_claims(),
            key(),
        );
        assert!(matches!(
            v.verify(&t).await,
            Err(VerifyError::UnknownKid(_))
        ));
    }
    assert!(*hits.lock().unwrap() <= 3);
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_jwks_error() {
    let cfg = Config::new(ISS).jwks(JwksSource::Url("http://127.0.0.1:9/jwks.json".into()));
    assert!(matches!(
        verify(cfg, &token(&access_claims())).await,
        Err(VerifyError::Jwks(_))
    ));
}

#[tokio::test]
async fn the_middleware_answers_401_403_or_passes_the_claims_on() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use axum::{Extension, middleware};
    use tower::ServiceExt;

    let v = Arc::new(Verifier::new(config().scope("orders/read")));
    let app = axum::Router::new()
        .route(
            "/me",
            get(|Extension(c): Extension<Arc<crate::Claims>>| async move {
                c.sub().unwrap_or_default().to_string()
            }),
        )
        .layer(middleware::from_fn_with_state(v, crate::require_bearer));
    let call = |auth: Option<String>| {
        let app = app.clone();
        async move {
            let mut req = Request::get("/me");
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let r = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
            let status = r.status();
            let challenge = r
                .headers()
                .get("www-authenticate")
                .map(|h| h.to_str().unwrap().to_string());
            let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
            (status, challenge, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let (s, ch, body) = call(None).await;
    assert_eq!(
        (s, ch.as_deref(), body.as_str()),
        (
            StatusCode::UNAUTHORIZED,
            Some("Bearer"),
            r#"{"message":"Unauthorized"}"#
        )
    );
    let (s, ch, _) = call(Some("Bearer not.a.token".into())).await;
    assert_eq!(
        (s, ch.as_deref()),
        (
            StatusCode::UNAUTHORIZED,
            Some(r#"Bearer error="invalid_token""#)
        )
    );
    let mut no_scope = access_claims();
    no_scope["scope"] = json!("aws.cognito.signin.user.admin");
    let (s, _, body) = call(Some(format!("Bearer {}", token(&no_scope)))).await;
    assert_eq!(
        (s, body.as_str()),
        (StatusCode::FORBIDDEN, r#"{"message":"Forbidden"}"#)
    );
    let (s, _, body) = call(Some(format!("bearer {}", token(&access_claims())))).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "u-1"));
}
