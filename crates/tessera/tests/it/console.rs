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

    // Sign out: the session is gone, and the old cookie value no longer works after it
    // expires; a signed-out browser is sent to the sign-in page.
    let r = b
        .post(&format!("{}/console/logout", srv.url), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    let r = b.get(&format!("{}/console", srv.url)).await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
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

async fn first_factor(b: &mut Browser, url: &str, name: &str, pw: &str) -> Answer {
    b.post(
        &format!("{url}/console/login/user"),
        &[("username", name), ("password", pw)],
    )
    .await
}

/// `console_admin_pool`: a user of that pool signs in with a password and a TOTP code; one
/// without MFA, one of another pool, a wrong code are refused; disabling the user ends their
/// session.
async fn admin_pool_users(backend: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{
        ExplicitAuthFlowsType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
    };
    let Some(srv) = TestServer::start(backend).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let (pool, client) = setup(&srv).await;
    crate::mfa::configure(&srv, &pool, UserPoolMfaType::Optional, false, true, false).await;
    srv.idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("console")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    user(&srv, &pool, "ada").await;
    user(&srv, &pool, "bob").await;
    let access = login(&srv, &client, "ada", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    let secret = srv
        .idp
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    srv.idp
        .verify_software_token()
        .access_token(&access)
        .user_code(crate::mfa::totp(&secret, now()))
        .send()
        .await
        .unwrap();
    srv.idp
        .set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (other_pool, _) = setup(&srv).await;
    user(&srv, &other_pool, "eve").await;

    let (node, url) = srv
        .node_with(|s| s.console_admin_pool = Some(pool.clone()))
        .await;
    let mut b = Browser::new();
    let page = b.get(&format!("{url}/console/login")).await;
    assert!(page.body.contains("Or with your account"));
    // No MFA, another pool's user, a wrong password: refused, no session.
    let r = first_factor(&mut b, &url, "bob", PASSWORD).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("needs a second factor"));
    let r = first_factor(&mut b, &url, "eve", PASSWORD).await;
    assert_eq!(r.status, 401);
    let r = first_factor(&mut b, &url, "ada", "Wrong-pass1!").await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Incorrect username or password."));
    assert!(!b.cookies.contains_key("tessera_console"));
    // The password, then the code (the next 30-second step: this one went to the setup).
    let r = first_factor(&mut b, &url, "ada", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let session = r.field("session").unwrap();
    assert_eq!(r.field("challenge").as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    let wrong = b
        .post(
            &format!("{url}/console/login/mfa"),
            &[
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", &session),
                ("username", "ada"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    let r = first_factor(&mut b, &url, "ada", PASSWORD).await;
    let session = r.field("session").unwrap();
    let mut b = Browser::new();
    // The form's username is not who signs in: ada's session, ada's code, "bob" in the form.
    let done = b
        .post(
            &format!("{url}/console/login/mfa"),
            &[
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", &session),
                ("username", "bob"),
                ("code", &crate::mfa::totp(&secret, now() + 30_000)),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let home = b.get(&format!("{url}/console")).await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("user:ada"), "{}", home.body);
    assert!(!home.body.contains("user:bob"));
    // Disabled in the admin pool: the session ends at the next page.
    srv.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("ada")
        .send()
        .await
        .unwrap();
    let r = b.get(&format!("{url}/console")).await;
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    node.shutdown().await.unwrap();
    srv.stop().await;
}

#[tokio::test]
async fn admin_pool_sqlite() {
    admin_pool_users(Backend::Sqlite).await;
}

#[tokio::test]
async fn admin_pool_postgres() {
    admin_pool_users(Backend::Postgres).await;
}

/// The `href` of the last `<a>` before the text `text`, unescaped.
fn link(body: &str, text: &str) -> String {
    let at = body
        .find(text)
        .unwrap_or_else(|| panic!("a link {text} in {body}"));
    let start = body[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let end = body[start..].find('"').unwrap() + start;
    crate::oauth::unescape(&body[start..end])
}

/// The pages after users, clients and groups: a pool's settings (each form saves its part and
/// keeps the rest, since UpdateUserPool resets what it is not sent), resource servers, domain
/// with its sign-in page links, identity providers, identity pools, and a user's MFA factors;
/// every change seen by the API, Cognito's refusals shown in the page, forged forms refused.
async fn more_pages(backend: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{SoftwareTokenMfaSettingsType, UserPoolMfaType};
    let Some(srv) = TestServer::start(backend).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let (mut b, csrf) = signed_in(&srv).await;
    let (pool, client) = setup(&srv).await;
    let base = format!("{}/console/pools/{pool}", srv.url);
    let describe = || async {
        srv.idp
            .describe_user_pool()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
    };
    let save = |section: &'static str| format!("{base}/settings/{section}");

    // Settings: each form changes its part; what the others set stays.
    let page = b.get(&format!("{base}/settings")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<code>{####}</code>"), "{}", page.body);
    assert!(
        page.body.contains("since this node started"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("aria-current=\"page\">Settings"),
        "{}",
        page.body
    );
    let r = b
        .post(
            &save("messages"),
            &[
                ("csrf", &csrf),
                ("email_subject", "Your Tessera code"),
                ("email_message", "Your code is {####}."),
                ("invite_subject", "Welcome"),
                ("invite_email", "Hello {username}, your password is {####}."),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(
            &save("protection"),
            &[("csrf", &csrf), ("protection", "ACTIVE")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up";
    let r = b
        .post(&save("triggers"), &[("csrf", &csrf), ("PreSignUp", arn)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(
            &save("password"),
            &[
                ("csrf", &csrf),
                ("min_length", "9"),
                ("upper", "1"),
                ("numbers", "1"),
                ("temp_days", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = b.get(&format!("{}{}", srv.url, r.location.unwrap())).await;
    assert!(
        shown.body.contains("Password policy saved."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("value=\"9\""), "{}", shown.body);
    let p = describe().await;
    let pp = p.policies().unwrap().password_policy().unwrap();
    assert_eq!(pp.minimum_length(), Some(9));
    assert!(pp.require_uppercase());
    assert!(!pp.require_symbols());
    assert_eq!(pp.temporary_password_validity_days(), 3);
    assert_eq!(p.deletion_protection().map(|d| d.as_str()), Some("ACTIVE"));
    let tpl = p.verification_message_template().unwrap();
    assert_eq!(tpl.email_subject(), Some("Your Tessera code"));
    assert_eq!(tpl.email_message(), Some("Your code is {####}."));
    let invite = p
        .admin_create_user_config()
        .unwrap()
        .invite_message_template()
        .unwrap();
    assert_eq!(invite.email_subject(), Some("Welcome"));
    assert_eq!(p.lambda_config().unwrap().pre_sign_up(), Some(arn));
    // Cognito's refusals, in its words, and nothing changed.
    let r = b
        .post(&save("password"), &[("csrf", &csrf), ("min_length", "2")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("InvalidParameterException"), "{}", r.body);
    assert!(
        r.body.contains("policies.passwordPolicy.minimumLength")
            && r.body
                .contains("Member must have value greater than or equal to 6"),
        "{}",
        r.body
    );
    let r = b
        .post(&save("mfa"), &[("csrf", &csrf), ("mode", "ON")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("can&#x27;t disable all MFAs"), "{}", r.body);
    // A forged token: refused, nothing changed.
    let r = b
        .post(
            &save("protection"),
            &[
                ("csrf", "forged-token-forged-token"),
                ("protection", "INACTIVE"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let p = describe().await;
    assert_eq!(p.deletion_protection().map(|d| d.as_str()), Some("ACTIVE"));
    assert_eq!(
        p.policies()
            .unwrap()
            .password_policy()
            .unwrap()
            .minimum_length(),
        Some(9)
    );
    // Triggers cleared; MFA optional with TOTP.
    let r = b
        .post(&save("triggers"), &[("csrf", &csrf), ("PreSignUp", "")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        describe().await.lambda_config().unwrap().pre_sign_up(),
        None
    );
    let r = b
        .post(
            &save("mfa"),
            &[("csrf", &csrf), ("mode", "OPTIONAL"), ("totp", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mfa = srv
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(mfa.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert!(mfa.software_token_mfa_configuration().unwrap().enabled());

    // A user's MFA factors: TOTP set up by the user, turned off from the console.
    user(&srv, &pool, "ada").await;
    let access = login(&srv, &client, "ada", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    let secret = srv
        .idp
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    srv.idp
        .verify_software_token()
        .access_token(&access)
        .user_code(crate::mfa::totp(&secret, now))
        .send()
        .await
        .unwrap();
    srv.idp
        .set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let shown = b.get(&format!("{base}/user?username=ada")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("data-factor=\"SOFTWARE_TOKEN_MFA\""),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("No passkey."), "{}", shown.body);
    let r = b
        .post(
            &format!("{base}/user/mfa"),
            &[
                ("csrf", &csrf),
                ("username", "ada"),
                ("factor", "SOFTWARE_TOKEN_MFA"),
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
    assert!(got.user_mfa_setting_list().is_empty(), "{got:?}");

    // Resource servers.
    let rs = format!("{base}/resource-servers");
    let r = b
        .post(
            &rs,
            &[
                ("csrf", &csrf),
                ("identifier", "https://api.example.com"),
                ("name", "Reports API"),
                (
                    "scopes",
                    "reports.read Read the reports\nreports.write Change them",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let listed = srv
        .idp
        .list_resource_servers()
        .user_pool_id(&pool)
        .max_results(50)
        .send()
        .await
        .unwrap();
    let server = &listed.resource_servers()[0];
    assert_eq!(server.identifier(), Some("https://api.example.com"));
    assert_eq!(server.scopes().len(), 2);
    assert_eq!(server.scopes()[1].scope_description(), "Change them");
    let page = b.get(&rs).await;
    assert!(
        page.body
            .contains("data-resource-server=\"https:&#x2f;&#x2f;api.example.com\""),
        "{}",
        page.body
    );
    // A scope without a description: the model's refusal.
    let r = b
        .post(
            &rs,
            &[
                ("csrf", &csrf),
                ("identifier", "other"),
                ("name", "Other"),
                ("scopes", "bare"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("InvalidParameterException"), "{}", r.body);
    let r = b
        .post(
            &format!("{rs}/delete"),
            &[("csrf", &csrf), ("identifier", "https://api.example.com")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let listed = srv
        .idp
        .list_resource_servers()
        .user_pool_id(&pool)
        .max_results(50)
        .send()
        .await
        .unwrap();
    assert!(listed.resource_servers().is_empty());

    // The domain, and the link to a client's hosted sign-in page (no frame: the hosted pages
    // refuse framing).
    let domain_url = format!("{base}/domain");
    let page = b.get(&domain_url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("This pool has no domain"));
    let prefix = format!(
        "console-{}",
        pool.rsplit('_').next().unwrap().to_lowercase()
    );
    let r = b
        .post(
            &domain_url,
            &[("csrf", &csrf), ("domain", &prefix), ("version", "2")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(describe().await.domain(), Some(prefix.as_str()));
    let r = b
        .post(
            &format!("{base}/clients"),
            &[
                ("csrf", &csrf),
                ("client_name", "hosted"),
                ("flow_srp", "1"),
                ("callback_url", "https://app.example.com/cb"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&domain_url).await;
    assert!(!page.body.contains("<iframe"));
    let href = link(&page.body, "Open the sign-in page for hosted");
    assert!(
        href.starts_with(&format!("/domain/{prefix}/login?")),
        "{href}"
    );
    let hosted = Browser::new().get(&format!("{}{href}", srv.url)).await;
    assert_eq!(hosted.status, 200, "{href} {:?}", hosted.location);
    assert!(hosted.body.contains("name=\"password\""), "{}", hosted.body);
    let csp = hosted.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let r = b
        .post(
            &format!("{domain_url}/delete"),
            &[("csrf", &csrf), ("domain", &prefix)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(describe().await.domain(), None);

    // Identity providers: an OIDC provider with its endpoints given.
    let idps = format!("{base}/providers");
    let r = b
        .post(
            &idps,
            &[
                ("csrf", &csrf),
                ("name", "Corp"),
                ("client_id", "corp-client"),
                ("client_secret", "corp-secret"),
                ("issuer", "https://idp.example.com"),
                ("scopes", "openid email"),
                ("map_email", "1"),
                ("authorize_url", "https://idp.example.com/authorize"),
                ("token_url", "https://idp.example.com/token"),
                ("attributes_url", "https://idp.example.com/userinfo"),
                ("jwks_uri", "https://idp.example.com/jwks"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let d = srv
        .idp
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .send()
        .await
        .unwrap();
    let d = d.identity_provider().unwrap();
    assert_eq!(d.provider_type().map(|t| t.as_str()), Some("OIDC"));
    assert_eq!(d.attribute_mapping().unwrap()["email"], "email");
    assert_eq!(d.provider_details().unwrap()["client_id"], "corp-client");
    let page = b.get(&idps).await;
    assert!(
        page.body.contains("data-provider=\"Corp\""),
        "{}",
        page.body
    );
    // Scopes without openid: Cognito's refusal.
    let r = b
        .post(
            &idps,
            &[
                ("csrf", &csrf),
                ("name", "Other"),
                ("client_id", "x"),
                ("issuer", "https://idp.example.com"),
                ("scopes", "email"),
                ("authorize_url", "https://idp.example.com/authorize"),
                ("token_url", "https://idp.example.com/token"),
                ("attributes_url", "https://idp.example.com/userinfo"),
                ("jwks_uri", "https://idp.example.com/jwks"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("authorize_scopes must include openid"),
        "{}",
        r.body
    );
    let r = b
        .post(
            &format!("{idps}/delete"),
            &[("csrf", &csrf), ("name", "Corp")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        srv.idp
            .list_identity_providers()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap()
            .providers()
            .is_empty()
    );

    // Identity pools, through the cognito-identity operations.
    let ids_url = format!("{}/console/identity-pools", srv.url);
    let r = b
        .post(
            &ids_url,
            &[
                ("csrf", &csrf),
                ("name", "console_identities"),
                ("guests", "1"),
                ("user_pool_id", &pool),
                ("client_id", &client),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ids = crate::identity::identity_client(&srv.url);
    let listed = ids
        .list_identity_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    let made = listed
        .identity_pools()
        .iter()
        .find(|p| p.identity_pool_name() == Some("console_identities"))
        .unwrap();
    let id = made.identity_pool_id().unwrap().to_string();
    let d = ids
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert!(d.allow_unauthenticated_identities());
    assert_eq!(
        d.cognito_identity_providers()[0].client_id(),
        Some(client.as_str())
    );
    let page = b.get(&ids_url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("data-identity-pool=\"console_identities\"")
    );
    // cognito-identity's own refusal (its model names it ValidationException).
    let r = b.post(&ids_url, &[("csrf", &csrf), ("name", "")]).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("ValidationException") && r.body.contains("identityPoolName"),
        "{}",
        r.body
    );
    let r = b
        .post(
            &format!("{ids_url}/delete"),
            &[("csrf", &csrf), ("id", &id)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        ids.describe_identity_pool()
            .identity_pool_id(&id)
            .send()
            .await
            .is_err()
    );
    srv.stop().await;
}

#[tokio::test]
async fn more_pages_sqlite() {
    more_pages(Backend::Sqlite).await;
}

#[tokio::test]
async fn more_pages_postgres() {
    more_pages(Backend::Postgres).await;
}
