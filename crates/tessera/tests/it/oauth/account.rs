//! The hosted account pages: sign-up with the code from the outbox, confirmation, a new
//! code, the forgotten password, and an unconfirmed user sent to confirmation.

use aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType;

use super::{Browser, CALLBACK, Fixture, fixture, url};
use crate::harness::TestServer;

const NEW_PASSWORD: &str = "Brand-new-pw1!";

fn root(f: &Fixture) -> &str {
    f.base.split("/domain/").next().unwrap()
}

fn params(f: &Fixture) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email"),
        ("state", "acc"),
    ]
}

/// Posts a page's form (its CSRF token added) to the page's action.
async fn submit(
    b: &mut Browser,
    f: &Fixture,
    page: &super::Answer,
    fields: &[(&str, &str)],
) -> super::Answer {
    let csrf = page.field("_csrf").expect("the page has a form");
    let action = page
        .body
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let action = super::unescape(action);
    let mut form = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(&format!("{}{action}", root(f)), &form).await
}

crate::harness::both!(sign_up_confirm_and_sign_in, async |srv: &TestServer| {
    let f = fixture(srv).await;
    srv.idp
        .update_user_pool()
        .user_pool_id(&f.pool)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap();
    let mut b = Browser::new();
    let login = b.get(&url(&f.base, "/login", &params(&f))).await;
    assert!(login.body.contains("Create an account"));
    let page = b.get(&url(&f.base, "/signup", &params(&f))).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("name=\"attr:email\""),
        "the code goes by e-mail, so it is asked"
    );

    let mismatch = submit(
        &mut b,
        &f,
        &page,
        &[
            ("username", "bob"),
            ("attr:email", "bob@example.com"),
            ("password", NEW_PASSWORD),
            ("confirm_password", "other"),
        ],
    )
    .await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body.contains("The passwords do not match."));
    let weak = submit(
        &mut b,
        &f,
        &mismatch,
        &[
            ("username", "bob"),
            ("attr:email", "bob@example.com"),
            ("password", "short"),
            ("confirm_password", "short"),
        ],
    )
    .await;
    assert_eq!(weak.status, 400);
    assert!(weak.body.contains("role=\"alert\""));

    let done = submit(
        &mut b,
        &f,
        &weak,
        &[
            ("username", "bob"),
            ("attr:email", "bob@example.com"),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(done.status, 302, "{}", done.body);
    let confirm = b
        .get(&format!("{}{}", root(&f), done.location.unwrap()))
        .await;
    assert!(confirm.body.contains("value=\"bob\""));
    // Signing in before confirming leads back to the confirmation page.
    let early = submit(
        &mut b,
        &f,
        &login,
        &[("username", "bob"), ("password", NEW_PASSWORD)],
    )
    .await;
    assert_eq!(early.status, 302, "{}", early.body);
    assert!(early.location.unwrap().contains("/confirm?"));

    let wrong = submit(
        &mut b,
        &f,
        &confirm,
        &[("username", "bob"), ("code", "000000")],
    )
    .await;
    assert_eq!(wrong.status, 400);
    let resent = submit(
        &mut b,
        &f,
        &wrong,
        &[("username", "bob"), ("resend", "yes")],
    )
    .await;
    assert!(resent.body.contains("We sent a new code."));
    let code = srv.last_code("bob@example.com");
    let confirmed = submit(&mut b, &f, &resent, &[("username", "bob"), ("code", &code)]).await;
    assert_eq!(confirmed.status, 200);
    assert!(confirmed.body.contains("Your account is confirmed."));
    let signed_in = submit(
        &mut b,
        &f,
        &confirmed,
        &[("username", "bob"), ("password", NEW_PASSWORD)],
    )
    .await;
    assert_eq!(signed_in.status, 302);
    assert!(signed_in.location.as_deref().unwrap().starts_with(CALLBACK));
    assert!(signed_in.param("code").is_some());
});

crate::harness::both!(forgot_password, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let mut b = Browser::new();
    let page = b.get(&url(&f.base, "/forgotPassword", &params(&f))).await;
    assert_eq!(page.status, 200);
    let sent = submit(&mut b, &f, &page, &[("username", "alice")]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(
        sent.body.contains("We sent a code to a***@e***"),
        "{}",
        sent.body
    );
    let bad = submit(
        &mut b,
        &f,
        &sent,
        &[
            ("username", "alice"),
            ("code", "000000"),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(bad.status, 400);
    let code = srv.last_code("alice@example.com");
    let reset = submit(
        &mut b,
        &f,
        &bad,
        &[
            ("username", "alice"),
            ("code", &code),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(reset.status, 200);
    assert!(reset.body.contains("Your password is reset."));
    let signed_in = submit(
        &mut b,
        &f,
        &reset,
        &[("username", "alice"), ("password", NEW_PASSWORD)],
    )
    .await;
    assert!(signed_in.location.as_deref().unwrap().starts_with(CALLBACK));
});

crate::harness::both!(sign_up_closed_to_the_public, async |srv: &TestServer| {
    let f = fixture(srv).await;
    srv.idp
        .update_user_pool()
        .user_pool_id(&f.pool)
        .admin_create_user_config(
            aws_sdk_cognitoidentityprovider::types::AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut b = Browser::new();
    let login = b.get(&url(&f.base, "/login", &params(&f))).await;
    assert!(!login.body.contains("Create an account"));
    let r = b.get(&url(&f.base, "/signup", &params(&f))).await;
    assert_eq!(r.status, 403);
});

crate::harness::both!(
    pages_carry_the_ui_customization,
    async |srv: &TestServer| {
        let f = fixture(srv).await;
        // A 1x1 PNG.
        let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    )
    .unwrap();
        srv.idp
            .set_ui_customization()
            .user_pool_id(&f.pool)
            .client_id(&f.code_client)
            .css(".submitButton-customizable { background-color: #aa3300; }")
            .image_file(aws_sdk_cognitoidentityprovider::primitives::Blob::new(
                png.clone(),
            ))
            .send()
            .await
            .unwrap();
        let mut b = Browser::new();
        let page = b.get(&url(&f.base, "/login", &params(&f))).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains(".submitButton-customizable { background-color: #aa3300; }")
        );
        assert!(
            page.body
                .contains("class=\"logo-customizable\" src=\"data:image")
        );
        assert!(page.body.contains("class=\"submitButton-customizable\""));

        // Managed login (version 2) takes the branding style instead of the classic CSS.
        use aws_smithy_types::Document;
        let obj = |k: &str, v: Document| Document::Object([(k.to_string(), v)].into());
        let settings = obj(
            "components",
            obj(
                "primaryButton",
                obj(
                    "lightMode",
                    obj(
                        "defaults",
                        obj("backgroundColor", Document::String("0b7a3eff".into())),
                    ),
                ),
            ),
        );
        srv.idp
            .create_managed_login_branding()
            .user_pool_id(&f.pool)
            .client_id(&f.code_client)
            .settings(settings)
            .assets(
                aws_sdk_cognitoidentityprovider::types::AssetType::builder()
                    .category(aws_sdk_cognitoidentityprovider::types::AssetCategoryType::FormLogo)
                    .color_mode(aws_sdk_cognitoidentityprovider::types::ColorSchemeModeType::Light)
                    .extension(aws_sdk_cognitoidentityprovider::types::AssetExtensionType::Png)
                    .bytes(aws_sdk_cognitoidentityprovider::primitives::Blob::new(png))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let before = b.get(&url(&f.base, "/login", &params(&f))).await;
        assert!(
            !before.body.contains("#0b7a3eff"),
            "version 1 ignores branding"
        );
        srv.idp
            .update_user_pool_domain()
            .user_pool_id(&f.pool)
            .domain(&f.domain)
            .managed_login_version(2)
            .send()
            .await
            .unwrap();
        let v2 = b.get(&url(&f.base, "/login", &params(&f))).await;
        assert!(v2.body.contains("--accent: #0b7a3eff"), "{}", v2.body);
        assert!(
            v2.body
                .contains("class=\"logo-customizable\" src=\"data:image&#x2f;png"),
            "the branding style's logo"
        );
        assert!(!v2.body.contains("#aa3300"), "nor the classic CSS");
    }
);
