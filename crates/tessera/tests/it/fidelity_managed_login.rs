//! Issue 19, managed login: the refusals of the hosted endpoints, pinned exactly (the
//! redirect's whole query, the JSON body byte for byte, status and `WWW-Authenticate`).
//! Each assertion names its row in docs/fidelity.md ("Audit: managed login (issue 19)").

use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;

use crate::harness::TestServer;
use crate::oauth::{Answer, Browser, CALLBACK, Fixture, fixture, url};

/// Form fields, and a client id and secret.
type Form<'a> = &'a [(&'a str, &'a str)];
type Pair<'a> = (&'a str, &'a str);

/// `POST /oauth2/token` (or `/oauth2/revoke`) with a form, HTTP Basic when `basic` is given.
async fn post(
    f: &Fixture,
    path: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Answer {
    let http = reqwest::Client::new();
    let mut req = http.post(format!("{}{path}", f.base)).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        location: None,
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

crate::harness::both!(authorize_redirects, async |srv: &TestServer| {
    let f = fixture(srv).await;
    // A client that may use the code grant only (for M4).
    let code_only = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&f.pool)
        .client_name("code-only")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CALLBACK)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let mut b = Browser::new();
    let cases: [(&str, Form, &str); 8] = [
        ("M2", &[("response_type", "")], "invalid_request"),
        (
            "M2",
            &[(
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            )],
            "invalid_request",
        ),
        (
            "M2",
            &[
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "S384"),
            ],
            "invalid_request",
        ),
        (
            "M3",
            &[("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            "M4",
            &[("client_id", "<code-only>"), ("response_type", "token")],
            "unauthorized_client",
        ),
        ("M5", &[("scope", "openid orders/write")], "invalid_scope"),
        ("M5", &[("scope", "email")], "invalid_scope"),
        ("M7", &[("prompt", "none")], "login_required"),
    ];
    for (row, over, error) in cases {
        let mut p: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", f.code_client.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "s-1"),
        ];
        for (k, v) in over {
            let v = if *v == "<code-only>" {
                code_only.as_str()
            } else {
                v
            };
            p.retain(|(key, _)| key != k);
            if !v.is_empty() {
                p.push((k, v));
            }
        }
        let r = b.get(&url(&f.base, "/oauth2/authorize", &p)).await;
        assert_eq!(r.status, 302, "{row}: {}", r.body);
        let sep = if p.contains(&("response_type", "token")) {
            '#'
        } else {
            '?'
        };
        // Only `error` and `state`: no `error_description` (the developer guide's examples).
        assert_eq!(
            r.location.as_deref(),
            Some(format!("{CALLBACK}{sep}error={error}&state=s-1").as_str()),
            "{row}"
        );
    }
});

crate::harness::both!(error_pages, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let mut b = Browser::new();
    // M8: never redirected; the page names the error.
    let p = [
        ("response_type", "code"),
        ("client_id", "nope"),
        ("redirect_uri", CALLBACK),
    ];
    let r = b.get(&url(&f.base, "/oauth2/authorize", &p)).await;
    assert_eq!((r.status, r.location.as_deref()), (400, None), "M8");
    assert!(
        r.body.contains("<code>invalid_client</code>"),
        "M8: {}",
        r.body
    );
    // M9: a redirect_uri that is not a callback URL goes to the domain's own error page,
    // /error?error=redirect_mismatch&client_id=<id>, which says "An error was encountered with
    // the requested page." (aws/aws-aspnet-cognito-identity-provider#167, nextauthjs/next-auth#12125).
    let p = [
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", "http://localhost:3000/callback/"),
    ];
    let r = b.get(&url(&f.base, "/oauth2/authorize", &p)).await;
    let want = format!(
        "/domain/{}/error?error=redirect_mismatch&client_id={}",
        f.domain, f.code_client
    );
    assert_eq!(
        (r.status, r.location.as_deref()),
        (302, Some(want.as_str())),
        "M9"
    );
    let page = b
        .get(&format!(
            "{}{want}",
            f.base.split("/domain/").next().unwrap()
        ))
        .await;
    assert_eq!(page.status, 400, "M9");
    assert!(
        page.body
            .contains("An error was encountered with the requested page.")
            && page.body.contains("<code>redirect_mismatch</code>"),
        "M9: {}",
        page.body
    );
    // M16: a sign-out request Cognito cannot honour (a logout_uri that is not a sign-out URL,
    // or neither logout_uri nor redirect_uri) goes to the domain's error page with
    // error=Required+parameters+missing (agentic-community/mcp-gateway-registry#1545).
    let origin = f.base.split("/domain/").next().unwrap().to_string();
    let want = format!(
        "/domain/{}/error?error=Required+parameters+missing",
        f.domain
    );
    for p in [
        vec![
            ("client_id", f.code_client.as_str()),
            ("logout_uri", "https://evil.example/"),
        ],
        vec![("client_id", f.code_client.as_str())],
    ] {
        let r = b.get(&url(&f.base, "/logout", &p)).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (302, Some(want.as_str())),
            "M16: {p:?}"
        );
    }
    let page = b.get(&format!("{origin}{want}")).await;
    assert_eq!(page.status, 400, "M16");
    assert!(
        page.body
            .contains("An error was encountered with the requested page.")
            && page
                .body
                .contains("<code>Required parameters missing</code>"),
        "M16: {}",
        page.body
    );
    // S6 on the sign-in page: Cognito's API message, in the page's alert.
    let p = [
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
    ];
    let login = url(&f.base, "/login", &p);
    let page = b.get(&login).await;
    let csrf = page.field("_csrf").unwrap();
    let wrong = b
        .post(
            &login,
            &[
                ("_csrf", &csrf),
                ("username", "alice"),
                ("password", "Wrong-pass1!"),
            ],
        )
        .await;
    assert!(
        wrong.body.contains("Incorrect username or password."),
        "{}",
        wrong.body
    );
});

crate::harness::both!(token_bodies, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let code = (f.code_client.as_str(), f.code_secret.as_str());
    let m2m = (f.m2m_client.as_str(), f.m2m_secret.as_str());
    // Each body is exactly {"error": ...} (developer guide, "Token endpoint").
    let cases: [(&str, Form, Option<Pair>, u16, &str); 8] = [
        (
            "M10a",
            &[
                ("grant_type", "authorization_code"),
                ("code", "nope"),
                ("redirect_uri", CALLBACK),
            ],
            Some(code),
            400,
            "invalid_grant",
        ),
        (
            "M10a",
            &[("grant_type", "refresh_token"), ("refresh_token", "nope")],
            Some(code),
            400,
            "invalid_grant",
        ),
        (
            "M10b",
            &[("grant_type", "client_credentials")],
            Some((m2m.0, "wrong")),
            401,
            "invalid_client",
        ),
        (
            "M10b",
            &[("grant_type", "client_credentials"), ("client_id", "nope")],
            None,
            400,
            "invalid_client",
        ),
        ("M10c", &[], Some(m2m), 400, "invalid_request"),
        (
            "M10c",
            &[
                ("grant_type", "authorization_code"),
                ("redirect_uri", CALLBACK),
            ],
            Some(code),
            400,
            "invalid_request",
        ),
        (
            "M10d",
            &[("grant_type", "client_credentials")],
            Some(code),
            400,
            "unauthorized_client",
        ),
        (
            "M10e",
            &[("grant_type", "password")],
            Some(m2m),
            400,
            "unsupported_grant_type",
        ),
    ];
    for (row, form, basic, status, error) in cases {
        let r = post(&f, "/oauth2/token", form, basic).await;
        assert_eq!(r.status, status, "{row}: {}", r.body);
        assert_eq!(r.body, format!("{{\"error\":\"{error}\"}}"), "{row}");
        assert_eq!(
            r.headers["content-type"].to_str().unwrap(),
            "application/json;charset=UTF-8",
            "{row}"
        );
    }
    // M11: client_credentials with a scope the client may not have.
    let r = post(
        &f,
        "/oauth2/token",
        &[
            ("grant_type", "client_credentials"),
            ("scope", "orders/write"),
        ],
        Some(m2m),
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "{\"error\":\"invalid_scope\"}")
    );
});

crate::harness::both!(revoke_and_user_info, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let code = (f.code_client.as_str(), f.code_secret.as_str());
    // M15: the revoke endpoint's bodies are {"error": ...} too.
    let r = post(&f, "/oauth2/revoke", &[], Some(code)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "{\"error\":\"invalid_request\"}"),
        "M15a"
    );
    let r = post(
        &f,
        "/oauth2/revoke",
        &[("token", "x")],
        Some((code.0, "wrong")),
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, "{\"error\":\"invalid_client\"}"),
        "M15b"
    );

    // M12: no bearer token is a 400 (the "userInfo endpoint" page).
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/oauth2/userInfo", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "M12");
    assert_eq!(
        r.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer error=\"invalid_request\", error_description=\"Bad OAuth2 request at UserInfo Endpoint\"",
        "M12"
    );
    // M13: a token that is not one, 401 with the documented description.
    let r = http
        .get(format!("{}/oauth2/userInfo", f.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "M13");
    let why = "Access token is expired, disabled, or deleted, or the user has globally signed out.";
    assert_eq!(
        r.headers()["www-authenticate"].to_str().unwrap(),
        format!("Bearer error=\"invalid_token\", error_description=\"{why}\""),
        "M13"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": "invalid_token", "error_description": why}),
        "M13"
    );
});
