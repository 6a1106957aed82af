//! The hosted endpoints: authorize, login, token (three grants), userInfo, revoke, logout,
//! discovery; PKCE, redirect, scope and code-reuse failures; codes expire (manual clock).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::{Answer, Browser, CALLBACK, Fixture, LOGOUT, claims, fixture, url};
use crate::auth::PASSWORD;
use crate::harness::TestServer;

const VERIFIER: &str = "dBjftJeZ4CVP-mJ0kxlD2Uyl7d6Ovz1uC0fQt5a8Ta0Z4iG1sKw";

fn s256(v: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        v.as_bytes(),
    ))
}

fn authorize_params<'a>(f: &'a Fixture, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
        ("state", "st-1"),
        ("scope", "openid email orders/read"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// authorize → login page → POST credentials → the callback's code.
async fn sign_in(b: &mut Browser, f: &Fixture, params: &[(&str, &str)], password: &str) -> Answer {
    let a = b.get(&url(&f.base, "/oauth2/authorize", params)).await;
    assert_eq!(a.status, 302, "{}", a.body);
    let login = a.location.clone().unwrap();
    assert!(
        login.starts_with(&format!("/domain/{}/login?", f.domain)),
        "{login}"
    );
    let page = b
        .get(&format!(
            "{}{}",
            f.base.split("/domain/").next().unwrap(),
            login
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"password\""));
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let csrf = page.field("_csrf").unwrap();
    let action = format!("{}{}", f.base.split("/domain/").next().unwrap(), login);
    b.post(
        &action,
        &[
            ("_csrf", &csrf),
            ("username", "alice"),
            ("password", password),
        ],
    )
    .await
}

async fn exchange(f: &Fixture, form: &[(&str, &str)], basic: bool) -> Answer {
    let http = reqwest::Client::new();
    let mut req = http.post(format!("{}/oauth2/token", f.base)).form(form);
    if basic {
        req = req.basic_auth(&f.code_client, Some(&f.code_secret));
    }
    let r = req.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        location: None,
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

crate::harness::both!(code_flow_with_pkce, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let challenge = s256(VERIFIER);
    let params = authorize_params(&f, &challenge);
    let mut b = Browser::new();

    // A wrong password stays on the page, with the error in an alert.
    let wrong = sign_in(&mut b, &f, &params, "Wrong-pass1!").await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains("role=\"alert\"")
            && wrong.body.contains("Incorrect username or password.")
    );
    assert!(!b.cookies.contains_key("tessera_session"));
    // A form without the page's CSRF token is refused.
    let login = url(&f.base, "/login", &params);
    let forged = b
        .post(
            &login,
            &[
                ("_csrf", "forged-token-forged-token"),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 400);
    assert!(!b.cookies.contains_key("tessera_session"));

    let ok = sign_in(&mut b, &f, &params, PASSWORD).await;
    assert_eq!(ok.status, 302, "{}", ok.body);
    assert!(ok.location.as_deref().unwrap().starts_with(CALLBACK));
    assert_eq!(ok.param("state").as_deref(), Some("st-1"));
    let session_cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tessera_session="))
        .unwrap();
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
    assert!(session_cookie.contains(&format!("Path=/domain/{}", f.domain)));
    let code = ok.param("code").unwrap();

    // Wrong verifier, then wrong redirect: each spends the code (a code works once).
    let form = |code: &'static str| code;
    let _ = form;
    let bad = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", "x".repeat(43).as_str()),
        ],
        true,
    )
    .await;
    assert_eq!(
        (bad.status, bad.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let again = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
        true,
    )
    .await;
    assert_eq!(
        again.json()["error"],
        "invalid_grant",
        "a spent code never works again"
    );

    // A fresh code (single sign-on: no form this time), exchanged with the secret in the form.
    let sso = b.get(&url(&f.base, "/oauth2/authorize", &params)).await;
    assert_eq!(sso.status, 302);
    assert!(
        sso.location.as_deref().unwrap().starts_with(CALLBACK),
        "SSO skips the form"
    );
    let code = sso.param("code").unwrap();
    let wrong_redirect = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:3000/other"),
            ("code_verifier", VERIFIER),
            ("client_id", &f.code_client),
            ("client_secret", &f.code_secret),
        ],
        false,
    )
    .await;
    assert_eq!(wrong_redirect.json()["error"], "invalid_grant");
    let code = b
        .get(&url(&f.base, "/oauth2/authorize", &params))
        .await
        .param("code")
        .unwrap();
    let no_secret = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
            ("client_id", &f.code_client),
        ],
        false,
    )
    .await;
    assert_eq!(no_secret.json()["error"], "invalid_client");
    let code = b
        .get(&url(&f.base, "/oauth2/authorize", &params))
        .await
        .param("code")
        .unwrap();
    let tokens = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
            ("client_id", &f.code_client),
            ("client_secret", &f.code_secret),
        ],
        false,
    )
    .await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert_eq!(tokens.headers["cache-control"], "no-store");
    let t = tokens.json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    let access = t["access_token"].as_str().unwrap();
    let id = claims(t["id_token"].as_str().unwrap());
    let at = claims(access);
    assert_eq!(id["iss"], format!("{}/{}", srv.url, f.pool));
    assert_eq!(id["aud"], f.code_client.as_str());
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["at_hash"], tessera_core::tokens::at_hash(access));
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(at["scope"], "openid email orders/read");
    assert_eq!(at["username"], "alice");
    assert_eq!(at["auth_time"], id["auth_time"]);

    // userInfo: GET and POST, with the scopes' claims (Cognito's strings for *_verified).
    let http = reqwest::Client::new();
    for post in [false, true] {
        let req = if post {
            http.post(format!("{}/oauth2/userInfo", f.base))
        } else {
            http.get(format!("{}/oauth2/userInfo", f.base))
        };
        let r = req.bearer_auth(access).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let info: serde_json::Value = r.json().await.unwrap();
        assert_eq!(info["sub"], id["sub"]);
        assert_eq!(info["username"], "alice");
        assert_eq!(info["email"], "alice@example.com");
        assert_eq!(info["email_verified"], "true");
    }
    let r = http
        .get(format!("{}/oauth2/userInfo", f.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    // No aws.cognito.signin.user.admin scope: the API refuses the token.
    let r = srv.idp.get_user().access_token(access).send().await;
    assert_eq!(crate::harness::code(r), "NotAuthorizedException");

    // Refresh keeps the scopes; revoking ends the family.
    let refresh = t["refresh_token"].as_str().unwrap();
    let r = exchange(
        &f,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        true,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        claims(r.json()["access_token"].as_str().unwrap())["scope"],
        "openid email orders/read"
    );
    assert!(r.json().get("refresh_token").is_none());
    let rv = http
        .post(format!("{}/oauth2/revoke", f.base))
        .basic_auth(&f.code_client, Some(&f.code_secret))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(rv.status(), 200);
    let r = exchange(
        &f,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        true,
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_grant");
    let rv = http
        .post(format!("{}/oauth2/revoke", f.base))
        .basic_auth(&f.code_client, Some("wrong"))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(rv.status(), 401);

    // Logout ends the session: the next authorization shows the form again.
    let out = b
        .get(&url(
            &f.base,
            "/logout",
            &[("client_id", &f.code_client), ("logout_uri", LOGOUT)],
        ))
        .await;
    assert_eq!((out.status, out.location.as_deref()), (302, Some(LOGOUT)));
    assert!(!b.cookies.contains_key("tessera_session"));
    let again = b.get(&url(&f.base, "/oauth2/authorize", &params)).await;
    assert!(again.location.unwrap().contains("/login?"));
    let bad_logout = b
        .get(&url(
            &f.base,
            "/logout",
            &[
                ("client_id", &f.code_client),
                ("logout_uri", "https://evil.example/"),
            ],
        ))
        .await;
    // Cognito's error page, never the unregistered URL (docs/fidelity.md M16).
    assert_eq!(
        (bad_logout.status, bad_logout.location.as_deref()),
        (
            302,
            Some(
                format!(
                    "/domain/{}/error?error=Required+parameters+missing",
                    f.domain
                )
                .as_str()
            )
        )
    );
});

crate::harness::both!(authorize_refusals, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let mut b = Browser::new();
    let with = |k: &'static str, v: &'static str| {
        let mut p: Vec<(&str, String)> = vec![
            ("response_type", "code".into()),
            ("client_id", f.code_client.clone()),
            ("redirect_uri", CALLBACK.into()),
            ("state", "s".to_string()),
        ];
        p.retain(|(key, _)| *key != k);
        if !v.is_empty() {
            p.push((k, v.into()));
        }
        p
    };
    let go = async |b: &mut Browser, p: Vec<(&str, String)>| {
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.get(&url(&f.base, "/oauth2/authorize", &refs)).await
    };
    // Never redirected to the client: an unknown client gets an error page, an unregistered
    // (or inexact) redirect URI the domain's own /error page.
    let r = go(&mut b, with("client_id", "nope")).await;
    assert_eq!((r.status, r.location.is_none()), (400, true));
    assert!(!r.body.contains("name=\"password\""));
    for v in ["http://localhost:3000/callback/", "https://evil.example/cb"] {
        let r = go(&mut b, with("redirect_uri", v)).await;
        let to = r.location.clone().unwrap_or_default();
        assert_eq!(r.status, 302, "{v}");
        assert!(
            to.starts_with(&format!(
                "/domain/{}/error?error=redirect_mismatch",
                f.domain
            )),
            "{v}: {to}"
        );
    }
    // Redirected to the client with the error and the state.
    for (k, v, err) in [
        ("response_type", "", "invalid_request"),
        ("response_type", "id_token", "unsupported_response_type"),
        ("scope", "openid orders/write", "invalid_scope"),
        ("scope", "email", "invalid_scope"),
        ("code_challenge", "abc", "invalid_request"),
        ("identity_provider", "Google", "invalid_request"),
    ] {
        let r = go(&mut b, with(k, v)).await;
        assert_eq!(r.status, 302, "{k}={v}");
        assert!(r.location.as_deref().unwrap().starts_with(CALLBACK));
        assert_eq!(r.param("error").as_deref(), Some(err), "{k}={v}");
        assert_eq!(r.param("state").as_deref(), Some("s"));
    }
    let mut p = with("code_challenge", "x");
    p.retain(|(k, _)| *k != "code_challenge");
    p.push((
        "code_challenge",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
    ));
    p.push(("code_challenge_method", "S384".into()));
    assert_eq!(
        go(&mut b, p).await.param("error").as_deref(),
        Some("invalid_request")
    );
    // prompt=none without a session.
    let r = go(&mut b, with("prompt", "none")).await;
    assert_eq!(r.param("error").as_deref(), Some("login_required"));
    // An unknown domain, by path and by host.
    let r = b
        .get(&format!(
            "{}/domain/no-such-domain/oauth2/authorize",
            srv.url
        ))
        .await;
    assert_eq!(r.status, 404);
    // Routed by Host: <prefix>.localhost.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let refs: Vec<(String, String)> = with("state", "h")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let r = http
        .get(format!("{}/oauth2/authorize", srv.url))
        .query(&refs)
        .header("host", format!("{}.localhost", f.domain))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?")
    );
});

crate::harness::both!(implicit_and_plain_pkce, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let mut b = Browser::new();
    let params = [
        ("response_type", "token"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
        ("state", "i"),
        ("scope", "openid profile"),
    ];
    let r = sign_in(&mut b, &f, &params, PASSWORD).await;
    let loc = r.location.clone().unwrap();
    assert!(loc.starts_with(&format!("{CALLBACK}#")), "{loc}");
    assert_eq!(r.param("token_type").as_deref(), Some("bearer"));
    assert!(r.param("refresh_token").is_none());
    let access = r.param("access_token").unwrap();
    assert_eq!(claims(&access)["scope"], "openid profile");
    assert_eq!(
        claims(&r.param("id_token").unwrap())["at_hash"],
        tessera_core::tokens::at_hash(&access)
    );

    // PKCE with the plain method.
    let verifier = "plain-verifier-plain-verifier-plain-verifier";
    let p = [
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_challenge", verifier),
        ("code_challenge_method", "plain"),
        ("scope", "orders/read"),
    ];
    let code = b
        .get(&url(&f.base, "/oauth2/authorize", &p))
        .await
        .param("code")
        .unwrap();
    let t = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ],
        true,
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert!(
        t.json().get("id_token").is_none(),
        "no openid scope, no ID token"
    );
    let code = b
        .get(&url(&f.base, "/oauth2/authorize", &p))
        .await
        .param("code")
        .unwrap();
    let t = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
        true,
    )
    .await;
    assert_eq!(
        t.json()["error"],
        "invalid_grant",
        "the verifier is required"
    );
});

crate::harness::both_clocked!(codes_expire, async |srv: &TestServer,
                                                   clock: std::sync::Arc<
    tessera_core::clock::ManualClock,
>| {
    let f = fixture(srv).await;
    let mut b = Browser::new();
    let p = [
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
    ];
    let ok = sign_in(&mut b, &f, &p, PASSWORD).await;
    let code = ok.param("code").unwrap();
    clock.advance_millis(301_000);
    let t = exchange(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
        true,
    )
    .await;
    assert_eq!(t.json()["error"], "invalid_grant");
    // The hosted session lasts an hour.
    clock.advance_millis(3_600_000);
    let r = b.get(&url(&f.base, "/oauth2/authorize", &p)).await;
    assert!(r.location.unwrap().contains("/login?"));
});

crate::harness::both!(
    client_credentials_and_discovery,
    async |srv: &TestServer| {
        let f = fixture(srv).await;
        let http = reqwest::Client::new();
        let token = |form: Vec<(&'static str, &'static str)>, id: String, secret: String| {
            let http = http.clone();
            let u = format!("{}/oauth2/token", f.base);
            async move {
                let r = http
                    .post(u)
                    .header(
                        "authorization",
                        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
                    )
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                (
                    r.status().as_u16(),
                    r.json::<serde_json::Value>().await.unwrap(),
                )
            }
        };
        let (status, t) = token(
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "orders/read"),
            ],
            f.m2m_client.clone(),
            f.m2m_secret.clone(),
        )
        .await;
        assert_eq!(status, 200, "{t}");
        let c = claims(t["access_token"].as_str().unwrap());
        assert_eq!(c["sub"], f.m2m_client.as_str());
        assert_eq!(c["client_id"], f.m2m_client.as_str());
        assert_eq!(c["scope"], "orders/read");
        assert_eq!(c["token_use"], "access");
        assert!(
            c.get("username").is_none()
                && t.get("refresh_token").is_none()
                && t.get("id_token").is_none()
        );
        let (_, t) = token(
            vec![("grant_type", "client_credentials")],
            f.m2m_client.clone(),
            f.m2m_secret.clone(),
        )
        .await;
        assert_eq!(
            claims(t["access_token"].as_str().unwrap())["scope"],
            "orders/read",
            "all the client's custom scopes by default"
        );
        let (status, t) = token(
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "orders/write"),
            ],
            f.m2m_client.clone(),
            f.m2m_secret.clone(),
        )
        .await;
        assert_eq!((status, t["error"].as_str()), (400, Some("invalid_scope")));
        let (status, t) = token(
            vec![("grant_type", "client_credentials")],
            f.m2m_client.clone(),
            "wrong".into(),
        )
        .await;
        assert_eq!((status, t["error"].as_str()), (401, Some("invalid_client")));
        let (_, t) = token(
            vec![("grant_type", "client_credentials")],
            f.code_client.clone(),
            f.code_secret.clone(),
        )
        .await;
        assert_eq!(t["error"], "unauthorized_client");
        let (_, t) = token(
            vec![("grant_type", "password")],
            f.m2m_client.clone(),
            f.m2m_secret.clone(),
        )
        .await;
        assert_eq!(t["error"], "unsupported_grant_type");

        // Discovery names the domain's endpoints; the issuer stays the tokens' iss.
        let d: serde_json::Value = http
            .get(format!(
                "{}/{}/.well-known/openid-configuration",
                srv.url, f.pool
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["issuer"], format!("{}/{}", srv.url, f.pool));
        assert_eq!(
            d["authorization_endpoint"],
            format!("{}/oauth2/authorize", f.base)
        );
        assert_eq!(d["token_endpoint"], format!("{}/oauth2/token", f.base));
        assert_eq!(
            d["userinfo_endpoint"],
            format!("{}/oauth2/userInfo", f.base)
        );
        assert_eq!(d["end_session_endpoint"], format!("{}/logout", f.base));
        assert_eq!(
            d["revocation_endpoint"],
            format!("{}/oauth2/revoke", f.base)
        );
    }
);

/// A code from `f`'s hosted sign-in (a fresh browser each time).
async fn fresh_code(f: &Fixture) -> String {
    let challenge = s256(VERIFIER);
    let mut b = Browser::new();
    let ok = sign_in(&mut b, f, &authorize_params(f, &challenge), PASSWORD).await;
    assert_eq!(ok.status, 302, "{}", ok.body);
    ok.param("code").unwrap()
}

fn code_form<'a>(f: &'a Fixture, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
        ("client_id", &f.code_client),
        ("client_secret", &f.code_secret),
    ]
}

// Every endpoint that takes a token, client or code at a domain serves that domain's pool
// only (docs/adr/0014, "Pool binding"): another pool's token, client or code is refused as
// an unknown one would be.
crate::harness::both!(
    a_domain_serves_its_own_pool_only,
    async |srv: &TestServer| {
        let a = fixture(srv).await;
        let b = fixture(srv).await;
        let tokens = exchange(&b, &code_form(&b, &fresh_code(&b).await), false).await;
        assert_eq!(tokens.status, 200, "{}", tokens.body);
        let access = tokens.json()["access_token"].as_str().unwrap().to_string();
        let refresh = tokens.json()["refresh_token"].as_str().unwrap().to_string();
        let http = reqwest::Client::new();
        let info = |base: String| {
            let http = http.clone();
            let access = access.clone();
            async move {
                http.get(format!("{base}/oauth2/userInfo"))
                    .bearer_auth(access)
                    .send()
                    .await
                    .unwrap()
            }
        };
        // userInfo: at its own domain, then at pool A's.
        assert_eq!(info(b.base.clone()).await.status(), 200);
        let r = info(a.base.clone()).await;
        assert_eq!(r.status(), 401);
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
        // token: B's code and B's client at A's domain.
        let code = fresh_code(&b).await;
        let r = exchange(
            &Fixture {
                base: a.base.clone(),
                ..b.clone()
            },
            &code_form(&b, &code),
            false,
        )
        .await;
        assert_eq!(r.json()["error"], "invalid_client", "{}", r.body);
        // The code was not spent by the refusal: at B's domain it still works.
        let r = exchange(&b, &code_form(&b, &code), false).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // revoke: B's client at A's domain.
        let rv = http
            .post(format!("{}/oauth2/revoke", a.base))
            .basic_auth(&b.code_client, Some(&b.code_secret))
            .form(&[("token", refresh.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(rv.status(), 401);
        let r = exchange(
            &b,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            true,
        )
        .await;
        assert_eq!(r.status, 200, "the refusal revoked nothing: {}", r.body);
        // logout: B's client at A's domain.
        let out = Browser::new()
            .get(&url(
                &a.base,
                "/logout",
                &[("client_id", &b.code_client), ("logout_uri", LOGOUT)],
            ))
            .await;
        assert_eq!((out.status, out.location), (400, None));
    }
);

// An authorization code is taken by one conditional delete: of parallel exchanges
// released together exactly one gets tokens (docs/adr/0014).
crate::harness::both!(
    an_authorization_code_is_exchanged_once,
    async |srv: &TestServer| {
        let f = fixture(srv).await;
        let code = fresh_code(&f).await;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(10));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (barrier, f, code) = (barrier.clone(), f.clone(), code.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    exchange(&f, &code_form(&f, &code), false).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1);
        for a in answers.iter().filter(|a| a.status != 200) {
            assert_eq!(a.json()["error"], "invalid_grant", "{}", a.body);
        }
    }
);
