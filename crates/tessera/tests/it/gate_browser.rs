//! `tessera gate` in browser mode: the gate signs a browser in through Tessera's hosted
//! login (code + PKCE), keeps the tokens in sealed HttpOnly cookies, refreshes them, and
//! calls the backend with a bearer token the browser never sees.

use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;
use serde_json::Value;
use tessera::gate::{self, GateConfig};

use crate::auth::{PASSWORD, user};
use crate::harness::{TestServer, both};
use crate::oauth::Browser;

fn config(
    srv: &TestServer,
    pool: &str,
    client: &str,
    secret: &str,
    backend: &str,
    port: u16,
) -> GateConfig {
    GateConfig::parse(&format!(
        r#"
listen = "127.0.0.1:{port}"
[issuer]
issuer = "{url}/{pool}"
audiences = ["{client}"]

[browser]
client_id = "{client}"
client_secret = "{secret}"
public_url = "http://127.0.0.1:{port}"
scopes = ["openid", "email"]
after_logout = "/public/bye"
refresh_before_secs = {refresh}

[[route]]
path = "/public/*"
backend = "{backend}"
auth = "public"

[[route]]
path = "/api/*"
backend = "{backend}"

[[route]]
path = "/profile"
backend = "{backend}"
auth = "id"
"#,
        url = srv.url,
        refresh = 3600,
    ))
    .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

both!(
    browser_mode_keeps_tokens_out_of_the_page,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let pool = c
            .create_user_pool()
            .pool_name("gate")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let domain = format!("gate-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        c.create_user_pool_domain()
            .user_pool_id(&pool)
            .domain(&domain)
            .send()
            .await
            .unwrap();
        let port = free_port();
        let gate_url = format!("http://127.0.0.1:{port}");
        let client = c
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("gate")
            .generate_secret(true)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_scopes("email")
            .callback_urls(format!("{gate_url}/_tessera/callback"))
            .logout_urls(format!("{gate_url}/public/bye"))
            .supported_identity_providers("COGNITO")
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        let (client_id, secret) = (client.client_id.unwrap(), client.client_secret.unwrap());
        user(srv, &pool, "bea").await;
        let backend = crate::gate::echo_backend().await;
        let g = gate::start(config(srv, &pool, &client_id, &secret, &backend, port))
            .await
            .unwrap();
        let mut b = Browser::new();

        // A page without a session goes to sign in; an API call gets 401.
        let api = b.get(&format!("{gate_url}/api/me")).await;
        assert_eq!(api.status, 401);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = http
            .get(format!("{gate_url}/api/me?x=1"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 302);
        let login = page.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(login, "/_tessera/login?return_to=%2Fapi%2Fme%3Fx%3D1");

        // The gate sends the browser to Tessera's hosted login with PKCE.
        let start = b.get(&format!("{gate_url}{login}")).await;
        assert_eq!(start.status, 302);
        let authorize = start.location.clone().unwrap();
        assert!(authorize.starts_with(&format!("{}/domain/{domain}/oauth2/authorize?", srv.url)));
        assert_eq!(
            start.param("code_challenge_method").as_deref(),
            Some("S256")
        );
        let to_login = b.get(&authorize).await;
        let form_url = format!("{}{}", srv.url, to_login.location.unwrap());
        let form = b.get(&form_url).await;
        let csrf = form.field("_csrf").unwrap();
        let back = b
            .post(
                &form_url,
                &[
                    ("_csrf", &csrf),
                    ("username", "bea"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        let callback = back.location.clone().unwrap();
        assert!(callback.starts_with(&format!("{gate_url}/_tessera/callback?code=")));
        // A forged state is refused.
        let mut other = Browser::new();
        let forged = other.get(&callback).await;
        assert_eq!(forged.status, 400);

        let done = b.get(&callback).await;
        assert_eq!(done.status, 302, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/api/me?x=1"));
        let cookies: Vec<String> = done
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session = cookies
            .iter()
            .find(|c| c.starts_with("tessera_gate_session="))
            .unwrap();
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
        // Sealed base64url has no dots; a JWT (or anything holding one) does. (Looking for
        // "eyJ" instead fails about once in a hundred runs: random text contains it too.)
        let value = session
            .trim_start_matches("tessera_gate_session=")
            .split(';')
            .next()
            .unwrap();
        assert!(!value.contains('.'), "the cookie is sealed, not a JWT");

        // The API sees a verified user; the browser's cookies never reach it. Every call here
        // refreshes (refresh_before_secs is 0 and tokens are checked against "now").
        let me = b.get(&format!("{gate_url}/api/me")).await;
        assert_eq!(me.status, 200, "{}", me.body);
        let renewed = me.headers.get_all("set-cookie").iter().any(|v| {
            let v = v.to_str().unwrap();
            v.starts_with("tessera_gate_session=") && !v.contains("Max-Age=0")
        });
        assert!(renewed, "the access token was refreshed");
        let seen: Value = me.json();
        assert_eq!(seen["headers"]["x-auth-username"], "bea");
        assert!(
            seen["headers"]["authorization"]
                .as_str()
                .unwrap()
                .starts_with("Bearer eyJ")
        );
        // (This test browser sends every cookie it holds; a real one keeps Tessera's to its path.)
        let forwarded = seen["headers"]["cookie"].as_str().unwrap_or_default();
        assert!(!forwarded.contains("tessera_gate_"), "{forwarded}");
        let profile = b.get(&format!("{gate_url}/profile")).await;
        assert_eq!(profile.status, 200);
        assert_eq!(profile.json()["headers"]["x-auth-email"], "bea@example.com");
        assert_eq!(
            profile.json()["headers"]["x-auth-username"],
            "bea",
            "from cognito:username"
        );

        // Sign out: the gate forgets the session and sends the browser to Tessera's logout.
        let out = b.get(&format!("{gate_url}/_tessera/logout")).await;
        assert_eq!(out.status, 302);
        let logout = out.location.unwrap();
        assert!(logout.starts_with(&format!(
            "{}/domain/{domain}/logout?client_id={client_id}",
            srv.url
        )));
        assert!(!b.cookies.contains_key("tessera_gate_session"));
        let end = b.get(&logout).await;
        assert_eq!(
            end.location.as_deref(),
            Some(format!("{gate_url}/public/bye").as_str())
        );
        assert_eq!(b.get(&format!("{gate_url}/api/me")).await.status, 401);
        g.stop().await.unwrap();
    }
);
