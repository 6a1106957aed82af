//! The admin console at `/console`: sign-in with an admin key pair, the session and CSRF
//! rules, and changes that go through the API's own operations (so the API sees them, and the
//! page shows Cognito's refusals).

use crate::auth::{PASSWORD, login, setup, user};
use crate::harness::{AKID, Backend, SECRET, TestServer};
use crate::oauth::{Answer, Browser};

/// A browser signed in to the console, and its CSRF token.
async fn signed_in(srv: &TestServer) -> (Browser, String) {
    let mut b = Browser::new();
    let r = b
        .post(
            &format!("{}/console/login", srv.url),
            &[("access_key_id", AKID), ("secret_access_key", SECRET)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/console"));
    let set = r.headers["set-cookie"].to_str().unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set.contains(attr), "{set}");
    }
    let home = b.get(&format!("{}/console", srv.url)).await;
    assert_eq!(home.status, 200, "{}", home.body);
    let csrf = home.field("csrf").expect("a CSRF token on the page");
    (b, csrf)
}

/// The number in `<span class="count" id="{id}">…</span>` on the overview.
fn count(body: &str, id: &str) -> u64 {
    let marker = format!("id=\"{id}\">");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} in {body}"))
        + marker.len();
    let end = body[start..].find('<').unwrap() + start;
    body[start..end].parse().unwrap()
}

/// The text of `<code id="{id}">…</code>` on a page.
fn code_text(body: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} in {body}"))
        + marker.len();
    let end = body[start..].find("</code>").unwrap() + start;
    body[start..end].to_string()
}

async fn pool_page(b: &mut Browser, srv: &TestServer, pool: &str, query: &str) -> Answer {
    b.get(&format!("{}/console/pools/{pool}{query}", srv.url))
        .await
}

async fn act(
    b: &mut Browser,
    srv: &TestServer,
    pool: &str,
    csrf: &str,
    username: &str,
    action: &str,
) -> Answer {
    b.post(
        &format!("{}/console/pools/{pool}/users/action", srv.url),
        &[("csrf", csrf), ("username", username), ("action", action)],
    )
    .await
}

async fn run(backend: Backend) {
    let Some(srv) = TestServer::start(backend).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    // No session: the sign-in page, for pages and for forms.
    let mut anon = Browser::new();
    let r = anon.get(&format!("{}/console", srv.url)).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    let r = anon
        .post(
            &format!("{}/console/pools", srv.url),
            &[("csrf", "x"), ("pool_name", "sneaky")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    let r = anon.get(&format!("{}/console/login", srv.url)).await;
    assert_eq!(r.status, 200);
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    // A wrong secret, or an unknown key id.
    for (akid, secret) in [(AKID, "wrong-secret"), ("AKIDNOBODY", SECRET)] {
        let r = anon
            .post(
                &format!("{}/console/login", srv.url),
                &[("access_key_id", akid), ("secret_access_key", secret)],
            )
            .await;
        assert_eq!(r.status, 401);
        assert!(
            r.body
                .contains("Incorrect access key ID or secret access key.")
        );
        assert!(!anon.cookies.contains_key("tessera_console"));
    }
    // A forged session cookie is no session.
    anon.cookies
        .insert("tessera_console".into(), "AAAAforged".into());
    let r = anon.get(&format!("{}/console", srv.url)).await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));

    let (mut b, csrf) = signed_in(&srv).await;
    // Create a pool through the console; the API sees it.
    let r = b
        .post(
            &format!("{}/console/pools", srv.url),
            &[("csrf", &csrf), ("pool_name", "from-the-console")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let made = r.location.unwrap();
    let pool = made.rsplit('/').next().unwrap().to_string();
    let described = srv
        .idp
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool().unwrap().name(),
        Some("from-the-console")
    );
    // A forged CSRF token changes nothing.
    let r = b
        .post(
            &format!("{}/console/pools", srv.url),
            &[
                ("csrf", "forged-token-forged-token"),
                ("pool_name", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let pools = srv
        .idp
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert!(
        !pools
            .user_pools()
            .iter()
            .any(|p| p.name() == Some("forged"))
    );
    // Cognito's refusal, shown in the page: a pool name the model refuses.
    let r = b
        .post(
            &format!("{}/console/pools", srv.url),
            &[("csrf", &csrf), ("pool_name", "")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("InvalidParameterException"), "{}", r.body);

    // Users: a pool with a client and many users, found by a filter, paged.
    let (pool, client) = setup(&srv).await;
    for i in 0..30 {
        user(&srv, &pool, &format!("user{i:02}")).await;
    }
    user(&srv, &pool, "ada").await;
    let page = pool_page(&mut b, &srv, &pool, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body.matches("data-username=").count(), 25, "one page");
    assert!(page.body.contains("Next page"));
    let found = pool_page(&mut b, &srv, &pool, "?filter=username+%5E%3D+%22ad%22").await;
    assert_eq!(found.body.matches("data-username=").count(), 1);
    assert!(found.body.contains("data-username=\"ada\""));
    assert!(found.body.contains("ada@example.com"));
    let bad = pool_page(&mut b, &srv, &pool, "?filter=nonsense").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("InvalidParameterException"),
        "{}",
        bad.body
    );

    // Disable: the API refuses the user's sign-in; enable: it works again. The overview's
    // counts move with them (this node's, shared with other tests: at least by ours).
    let before = b.get(&format!("{}/console", srv.url)).await;
    let (ins, fails) = (
        count(&before.body, "sign-ins"),
        count(&before.body, "failures"),
    );
    login(&srv, &client, "ada", PASSWORD).await.unwrap();
    login(&srv, &client, "ada", "Wrong-pass1!")
        .await
        .unwrap_err();
    let after = b.get(&format!("{}/console", srv.url)).await;
    assert!(count(&after.body, "sign-ins") > ins, "{}", after.body);
    assert!(count(&after.body, "failures") > fails, "{}", after.body);
    // The charts: 36 ten-minute bars each; ours are in the last six hours' totals.
    assert_eq!(
        after.body.matches("<rect ").count(),
        3 * 36,
        "{}",
        after.body
    );
    for chart in ["Sign-ins", "Failed sign-ins"] {
        let label = format!(r#"aria-label="{chart} per 10 minutes over the last 6 hours, "#);
        let start = after.body.find(&label).unwrap() + label.len();
        let total: u64 = after.body[start..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(total >= 1, "{chart}: {total}");
    }
    let r = act(&mut b, &srv, &pool, &csrf, "ada", "disable").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = b.get(&format!("{}{}", srv.url, r.location.unwrap())).await;
    assert!(after.body.contains("User ada disabled."), "{}", after.body);
    assert_eq!(
        login(&srv, &client, "ada", PASSWORD).await.unwrap_err(),
        "NotAuthorizedException"
    );
    let r = act(&mut b, &srv, &pool, &csrf, "ada", "enable").await;
    assert_eq!(r.status, 303);
    login(&srv, &client, "ada", PASSWORD).await.unwrap();
    // Reset: the user must choose a new password.
    let r = act(&mut b, &srv, &pool, &csrf, "ada", "reset").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        login(&srv, &client, "ada", PASSWORD).await.unwrap_err(),
        "PasswordResetRequiredException"
    );
    // A user that is not there: Cognito's words.
    let r = act(&mut b, &srv, &pool, &csrf, "nobody", "disable").await;
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("UserNotFoundException: User does not exist."),
        "{}",
        r.body
    );
    // Create a user from the console, then delete them.
    let r = b
        .post(
            &format!("{}/console/pools/{pool}/users", srv.url),
            &[
                ("csrf", &csrf),
                ("username", "grace"),
                ("email", "grace@example.com"),
                ("temporary_password", "Temp-pass1!"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let got = srv
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("grace")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.user_status().map(|s| s.as_str()),
        Some("FORCE_CHANGE_PASSWORD")
    );
    // The invitation went to the development outbox, which the console shows.
    let outbox = b.get(&format!("{}/console/outbox", srv.url)).await;
    assert_eq!(outbox.status, 200, "{}", outbox.body);
    assert!(outbox.body.contains("grace@example.com"), "{}", outbox.body);
    let r = act(&mut b, &srv, &pool, &csrf, "grace", "delete").await;
    assert_eq!(r.status, 303);
    assert!(
        srv.idp
            .admin_get_user()
            .user_pool_id(&pool)
            .username("grace")
            .send()
            .await
            .is_err()
    );

    // App clients: made in the console with a secret that is shown once; the API has the same.
    let clients_url = format!("{}/console/pools/{pool}/clients", srv.url);
    let r = b
        .post(
            &clients_url,
            &[
                ("csrf", &csrf),
                ("client_name", "web-app"),
                ("flow_srp", "1"),
                ("flow_refresh", "1"),
                ("generate_secret", "1"),
                ("callback_url", "https://app.example.com/cb"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let shown_id = code_text(&r.body, "new-client-id");
    let shown_secret = code_text(&r.body, "new-client-secret");
    let d = srv
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&shown_id)
        .send()
        .await
        .unwrap();
    let d = d.user_pool_client().unwrap();
    assert_eq!(d.client_secret(), Some(shown_secret.as_str()));
    assert_eq!(d.callback_urls(), ["https://app.example.com/cb"]);
    assert_eq!(d.explicit_auth_flows().len(), 2);
    let listed = b.get(&clients_url).await;
    assert!(listed.body.contains("data-client=\"web-app\""));
    assert!(
        !listed.body.contains(&shown_secret),
        "the secret is shown once"
    );
    let r = b
        .post(&clients_url, &[("csrf", &csrf), ("client_name", "")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("InvalidParameterException"), "{}", r.body);
    let r = b
        .post(
            &format!("{clients_url}/delete"),
            &[("csrf", &csrf), ("client_id", &shown_id)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        srv.idp
            .describe_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&shown_id)
            .send()
            .await
            .is_err()
    );

    // Groups, and a user's page: attributes and memberships change through the API's calls.
    let groups_url = format!("{}/console/pools/{pool}/groups", srv.url);
    let r = b
        .post(
            &groups_url,
            &[("csrf", &csrf), ("group", "admins"), ("precedence", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(
            &groups_url,
            &[("csrf", &csrf), ("group", "admins"), ("precedence", "2")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("GroupExistsException"), "{}", r.body);
    let user_url = format!("{}/console/pools/{pool}/user?username=ada", srv.url);
    let shown = b.get(&user_url).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("ada@example.com"));
    assert!(shown.body.contains("<option>admins</option>"));
    let r = b
        .post(
            &format!("{}/console/pools/{pool}/user/groups", srv.url),
            &[
                ("csrf", &csrf),
                ("username", "ada"),
                ("group", "admins"),
                ("change", "add"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let groups = srv
        .idp
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("ada")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups()[0].group_name(), Some("admins"));
    assert!(
        b.get(&user_url)
            .await
            .body
            .contains("data-member-of=\"admins\"")
    );
    let r = b
        .post(
            &format!("{}/console/pools/{pool}/user/attribute", srv.url),
            &[
                ("csrf", &csrf),
                ("username", "ada"),
                ("name", "name"),
                ("value", "Ada Lovelace"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let got = srv
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("ada")
        .send()
        .await
        .unwrap();
    assert!(
        got.user_attributes()
            .iter()
            .any(|a| a.name() == "name" && a.value() == Some("Ada Lovelace"))
    );
    // An attribute the pool does not have: Cognito's refusal in the page.
    let r = b
        .post(
            &format!("{}/console/pools/{pool}/user/attribute", srv.url),
            &[
                ("csrf", &csrf),
                ("username", "ada"),
                ("name", "custom:nope"),
                ("value", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("InvalidParameterException"), "{}", r.body);

    // Sign out: the session ends in the store, so a copy of its cookie taken before (another
    // browser replaying it) is refused at once, not at its expiry; a signed-out browser is
    // sent to the sign-in page.
    let mut copy = Browser::new();
    copy.cookies = b.cookies.clone();
    assert_eq!(copy.get(&format!("{}/console", srv.url)).await.status, 200);
    let r = b
        .post(&format!("{}/console/logout", srv.url), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    let r = b.get(&format!("{}/console", srv.url)).await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    let r = copy.get(&format!("{}/console", srv.url)).await;
    assert_eq!(
        r.location.as_deref(),
        Some("/console/login"),
        "the copied cookie still works"
    );
    let r = copy
        .post(
            &format!("{}/console/pools", srv.url),
            &[("csrf", &csrf), ("name", "after")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/console/login"), "{}", r.body);
    srv.stop().await;

    // Turned off: no console.
    let off = TestServer::start_custom(
        Backend::Sqlite,
        std::sync::Arc::new(tessera_core::clock::SystemClock),
        |s| s.console = false,
    )
    .await
    .unwrap();
    let r = Browser::new()
        .get(&format!("{}/console/login", off.url))
        .await;
    assert_eq!(r.status, 404);
    off.stop().await;
}

#[tokio::test]
async fn sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres() {
    run(Backend::Postgres).await;
}

mod admin_pool;
mod pages;

/// `console_listen`: the console on a listener of its own (a private network's), and only
/// there; the API stays on the main one.
#[tokio::test]
async fn a_listener_of_its_own() {
    let srv = TestServer::start(Backend::Sqlite).await.unwrap();
    let (node, url) = srv
        .node_with(|s| s.console_listen = Some("127.0.0.1:0".into()))
        .await;
    let console = format!("http://{}", node.console_addr.unwrap());
    let mut b = Browser::new();
    assert_eq!(b.get(&format!("{url}/console/login")).await.status, 404);
    assert_eq!(b.get(&format!("{console}/console/login")).await.status, 200);
    let api = reqwest::Client::new()
        .post(format!("{console}/"))
        .send()
        .await
        .unwrap();
    assert!(api.status().is_client_error(), "{}", api.status());
    let r = b
        .post(
            &format!("{console}/console/login"),
            &[("access_key_id", AKID), ("secret_access_key", SECRET)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let home = b.get(&format!("{console}/console")).await;
    assert_eq!(home.status, 200, "{}", home.body);
    node.shutdown().await.unwrap();
    srv.stop().await;
}
