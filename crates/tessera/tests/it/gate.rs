//! `tessera gate` in front of a real backend on loopback, with tokens Tessera issues.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
use serde_json::{Value, json};
use tessera::gate::{self, GateConfig};
use tessera_core::clock::ManualClock;

use crate::auth::{PASSWORD, login, setup, user};
use crate::harness::{TestServer, both, both_clocked};

/// A backend that answers every request with what it received, as JSON.
pub async fn echo_backend() -> String {
    let app = axum::Router::new().fallback(|req: axum::extract::Request| async move {
        let headers: serde_json::Map<String, Value> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or("?"))))
            .collect();
        axum::Json(json!({
            "method": req.method().as_str(),
            "uri": req.uri().to_string(),
            "headers": headers,
        }))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn config(srv: &TestServer, pool: &str, client: &str, backend: &str) -> GateConfig {
    GateConfig::parse(&format!(
        r#"
listen = "127.0.0.1:0"
forward_auth_path = "/_auth"
[issuer]
issuer = "{url}/{pool}"
audiences = ["{client}"]
leeway_secs = 0

[[route]]
path = "/public/*"
backend = "{backend}"
auth = "public"

[[route]]
methods = ["GET", "POST"]
path = "/orders/*"
backend = "{backend}"
scopes = ["aws.cognito.signin.user.admin"]

[[route]]
path = "/admin/*"
backend = "{backend}"
scopes = ["orders/write"]

[[route]]
path = "/staff/{{id}}"
backend = "{backend}"
groups = ["staff"]

[[route]]
path = "/profile"
backend = "{backend}"
auth = "id"
"#,
        url = srv.url
    ))
    .unwrap()
}

both_clocked!(
    the_gateway_lets_through_only_what_each_route_accepts,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "gil").await;
        user(srv, &pool, "hal").await;
        srv.idp
            .create_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await
            .unwrap();
        srv.idp
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("hal")
            .group_name("staff")
            .send()
            .await
            .unwrap();
        let gil = login(srv, &client, "gil", PASSWORD).await.unwrap();
        let hal = login(srv, &client, "hal", PASSWORD).await.unwrap();
        let backend = echo_backend().await;
        let g = gate::start(config(srv, &pool, &client, &backend))
            .await
            .unwrap();
        let base = format!("http://{}", g.addr);
        let http = reqwest::Client::new();
        let call = async |method: reqwest::Method, path: &str, token: Option<&str>| {
            let mut r = http
                .request(method, format!("{base}{path}"))
                .header("x-auth-sub", "spoofed")
                .header("x-auth-groups", "staff");
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            let challenge = r
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_string());
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, challenge, body)
        };
        let access = gil.access_token.as_deref().unwrap();
        let get = reqwest::Method::GET;

        // Public: passes without a token, and spoofed claim headers never reach the backend.
        let (s, _, b) = call(get.clone(), "/public/x?a=1", None).await;
        assert_eq!(s, 200);
        assert_eq!(b["uri"], "/public/x?a=1");
        assert!(b["headers"].get("x-auth-sub").is_none());
        assert!(b["headers"].get("x-auth-groups").is_none());

        // No token: 401 with a Bearer challenge, API Gateway's body.
        let (s, ch, b) = call(get.clone(), "/orders/1", None).await;
        assert_eq!(
            (s, ch.as_deref(), &b),
            (401, Some("Bearer"), &json!({"message": "Unauthorized"}))
        );
        // A bad token: 401 invalid_token.
        let (s, ch, _) = call(get.clone(), "/orders/1", Some("x.y.z")).await;
        assert_eq!(
            (s, ch.as_deref()),
            (401, Some(r#"Bearer error="invalid_token""#))
        );

        // A valid access token: through, with the verified claims in headers.
        let (s, _, b) = call(reqwest::Method::POST, "/orders/1", Some(access)).await;
        assert_eq!((s, b["method"].as_str()), (200, Some("POST")));
        let claims = crate::auth::claims(access);
        assert_eq!(b["headers"]["x-auth-sub"], claims["sub"]);
        assert_eq!(b["headers"]["x-auth-username"], "gil");
        assert_eq!(b["headers"]["x-auth-client-id"], client.as_str());
        assert!(
            b["headers"].get("x-auth-groups").is_none(),
            "gil is in no group"
        );
        // A method the route does not have, or a path no route has.
        let (s, _, b) = call(reqwest::Method::DELETE, "/orders/1", Some(access)).await;
        assert_eq!(
            (s, &b),
            (403, &json!({"message": "Missing Authentication Token"}))
        );

        // Missing scope or group: 403; the group member gets through with its groups.
        assert_eq!(call(get.clone(), "/admin/x", Some(access)).await.0, 403);
        assert_eq!(call(get.clone(), "/staff/7", Some(access)).await.0, 403);
        let (s, _, b) = call(get.clone(), "/staff/7", hal.access_token.as_deref()).await;
        assert_eq!((s, &b["headers"]["x-auth-groups"]), (200, &json!("staff")));

        // The route wants an ID token: the access token is refused, the ID token passes.
        assert_eq!(call(get.clone(), "/profile", Some(access)).await.0, 401);
        let (s, _, b) = call(get.clone(), "/profile", gil.id_token.as_deref()).await;
        assert_eq!(
            (s, &b["headers"]["x-auth-email"]),
            (200, &json!("gil@example.com"))
        );

        // A token of another app client: wrong audience.
        let other = srv
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("other")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        let foreign = login(srv, &other, "gil", PASSWORD).await.unwrap();
        assert_eq!(
            call(get.clone(), "/orders/1", foreign.access_token.as_deref())
                .await
                .0,
            401
        );

        // An expired token: issued two hours ago by the server's clock.
        clock.set_millis(tessera_core::clock::SystemClock.now_millis() - 7_200_000);
        let old = login(srv, &client, "gil", PASSWORD).await.unwrap();
        let (s, ch, _) = call(get.clone(), "/orders/1", old.access_token.as_deref()).await;
        assert_eq!(
            (s, ch.as_deref()),
            (401, Some(r#"Bearer error="invalid_token""#))
        );

        // Forward-auth, as nginx asks (the original request in headers) and as Envoy asks
        // (the original path after the check path).
        let ask = async |path: &str, headers: &[(&str, &str)], token: Option<&str>| {
            let mut r = http
                .get(format!("{base}{path}"))
                .header("x-auth-sub", "spoofed");
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            let r = r.send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers()
                    .get("x-auth-sub")
                    .map(|v| v.to_str().unwrap().to_string()),
            )
        };
        let nginx = [
            ("x-original-method", "GET"),
            ("x-original-uri", "/orders/9?x=1"),
        ];
        assert_eq!(ask("/_auth", &nginx, None).await, (401, None));
        assert_eq!(
            ask("/_auth", &nginx, Some(access)).await,
            (200, claims["sub"].as_str().map(str::to_owned))
        );
        let traefik = [
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", "/admin/1"),
        ];
        assert_eq!(ask("/_auth", &traefik, Some(access)).await.0, 403);
        assert_eq!(ask("/_auth/public/a", &[], None).await, (200, None));
        assert_eq!(
            ask("/_auth/staff/1", &[], hal.access_token.as_deref())
                .await
                .0,
            200
        );

        g.stop().await.unwrap();
    }
);

#[tokio::test]
async fn bad_gate_configs_are_refused_with_the_reason() {
    let base = "listen = \"127.0.0.1:0\"\n[issuer]\nissuer = \"http://x/p\"\n";
    for (route, why) in [
        ("path = \"x\"\nbackend = \"http://a\"", "must start with /"),
        (
            "path = \"/x\"\nbackend = \"https://a\"",
            "must be an http:// URL",
        ),
        (
            "path = \"/x\"\nbackend = \"http://a\"\nauth = \"public\"\nscopes = [\"s\"]",
            "public route",
        ),
        (
            "path = \"/x\"\nbackend = \"http://a\"\nauth = \"sometimes\"",
            "unknown variant",
        ),
    ] {
        let err = GateConfig::parse(&format!("{base}[[route]]\n{route}\n")).unwrap_err();
        assert!(format!("{err:#}").contains(why), "{err:#} should say {why}");
    }
}

both!(
    the_gateway_learns_of_revocations_from_the_feed,
    async |srv: &TestServer| {
        use crate::harness::{AKID, SECRET};
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ivy").await;
        let t = login(srv, &client, "ivy", PASSWORD).await.unwrap();
        let access = t.access_token.unwrap();
        let backend = echo_backend().await;
        let mut cfg = config(srv, &pool, &client, &backend);
        cfg.revocation = Some(gate::config::RevocationConfig {
            url: format!("{}/tessera/revocations", srv.url),
            access_key_id: AKID.into(),
            secret_access_key: Some(SECRET.into()),
            poll_secs: 0.1,
        });
        let g = gate::start(cfg).await.unwrap();
        let url = format!("http://{}/orders/1", g.addr);
        let http = reqwest::Client::new();
        let status = async || {
            http.get(&url)
                .bearer_auth(&access)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(status().await, 200);
        srv.idp
            .revoke_token()
            .client_id(&client)
            .token(t.refresh_token.as_deref().unwrap())
            .send()
            .await
            .unwrap();
        let mut seen = 0;
        for _ in 0..50 {
            seen = status().await;
            if seen == 401 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(seen, 401, "the revoked token is still let through");
        g.stop().await.unwrap();

        // The feed is admin-only.
        let r = http
            .get(format!("{}/tessera/revocations?since=0", srv.url))
            .basic_auth(AKID, Some("wrong"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let r = http
            .get(format!("{}/tessera/revocations", srv.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
    }
);
