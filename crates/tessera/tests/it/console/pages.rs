//! The pool's other console pages: settings, resource servers, the domain, identity
//! providers, a user's MFA, identity pools.

use super::signed_in;
use crate::auth::{PASSWORD, login, setup, user};
use crate::harness::{Backend, TestServer};
use crate::oauth::Browser;

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
    use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
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
    crate::mfa::enrol_totp(&srv.idp, &access, true).await;
    let shown = b.get(&format!("{base}/user?username=ada")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("data-factor=\"SOFTWARE_TOKEN_MFA\""),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains(r#"<table id="passkeys">"#),
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

    // The user's sign-ins, and signing them all out (AdminUserGlobalSignOut).
    let shown = b.get(&format!("{base}/user?username=ada")).await;
    let row = format!("<tr data-session=\"{client}\">");
    let at = shown
        .body
        .find(&row)
        .unwrap_or_else(|| panic!("{}", shown.body));
    let end = shown.body[at..].find("</tr>").unwrap() + at;
    assert!(
        shown.body[at..end].contains("active"),
        "{}",
        &shown.body[at..end]
    );
    assert!(
        shown.body[at..end].contains("API"),
        "{}",
        &shown.body[at..end]
    );
    let r = b
        .post(
            &format!("{base}/user/sign-out"),
            &[("csrf", &csrf), ("username", "ada")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let refused = srv.idp.get_user().access_token(&access).send().await;
    assert_eq!(
        refused.unwrap_err().into_service_error().meta().code(),
        Some("NotAuthorizedException")
    );
    let shown = b.get(&format!("{base}/user?username=ada")).await;
    let at = shown.body.find(&row).unwrap();
    let end = shown.body[at..].find("</tr>").unwrap() + at;
    assert!(
        shown.body[at..end].contains("signed out"),
        "{}",
        &shown.body[at..end]
    );

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

    // The domain, the link to a client's hosted sign-in page (which refuses framing), and the
    // console's preview of it, which only the console frames.
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
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let frame = {
        let start = page.body.find("<iframe src=\"").expect("a preview frame") + 13;
        let end = page.body[start..].find('"').unwrap() + start;
        crate::oauth::unescape(&page.body[start..end])
    };
    assert!(page.body.contains(" sandbox "), "the preview is sandboxed");
    let preview_path = format!("/console/pools/{pool}/domain/preview?client_id=");
    assert!(frame.starts_with(&preview_path), "{frame}");
    let preview = b.get(&format!("{}{frame}", srv.url)).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("name=\"password\""),
        "{}",
        preview.body
    );
    let csp = preview.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self'") && csp.contains("form-action 'none'"),
        "{csp}"
    );
    assert_eq!(preview.headers["x-frame-options"], "SAMEORIGIN");
    assert!(
        !preview.headers.contains_key("set-cookie"),
        "a preview sets no hosted cookie"
    );
    // Only with a console session, and only for a client of this pool with a sign-in page.
    let r = Browser::new().get(&format!("{}{frame}", srv.url)).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    let r = b
        .get(&format!("{base}/domain/preview?client_id=nope"))
        .await;
    assert!(
        r.body
            .contains("This app client has no hosted sign-in page in this pool.")
    );
    assert!(!r.body.contains("name=\"password\""));
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
