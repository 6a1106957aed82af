//! Terms documents, the classic hosted UI's customization (CSS and logo) and managed login
//! branding styles, through the SDK; and what the hosted pages read of them, through a
//! second domain service on the same database.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::primitives::Blob;
use aws_sdk_cognitoidentityprovider::types::{
    AssetCategoryType, AssetExtensionType, AssetType, ColorSchemeModeType, TermsEnforcementType,
    TermsSourceType,
};
use aws_smithy_types::Document;

use super::fixture;
use crate::harness::{TestServer, code, message};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// A domain service on the server's database: what the hosted pages will call.
async fn core(srv: &TestServer) -> tessera_core::Tessera {
    tessera_core::Tessera::new(
        tessera_core::Ports {
            store: tessera::open_store(&srv.settings).await.unwrap(),
            clock: Arc::new(tessera_core::clock::SystemClock),
            rng: Arc::new(tessera_core::rand::SystemRng),
            messages: Arc::new(tessera_delivery::outbox::Outbox::new(
                &srv.settings.data_dir,
            )),
            sealer: tessera::sealer(&srv.settings).unwrap(),
        },
        tessera_core::Settings::default(),
    )
}

fn doc(pairs: &[(&str, Document)]) -> Document {
    Document::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<HashMap<_, _>>(),
    )
}

fn logo(category: AssetCategoryType) -> AssetType {
    AssetType::builder()
        .category(category)
        .color_mode(ColorSchemeModeType::Light)
        .extension(AssetExtensionType::Png)
        .bytes(Blob::new(PNG))
        .build()
        .unwrap()
}

crate::harness::both!(terms, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let c = &srv.idp;
    let create = |name: &str, client: &str, link: &str| {
        c.create_terms()
            .user_pool_id(&f.pool)
            .client_id(client)
            .terms_name(name)
            .terms_source(TermsSourceType::Link)
            .enforcement(TermsEnforcementType::None)
            .links("cognito:default", link)
            .send()
    };
    let tou = create("terms-of-use", &f.code_client, "https://example.com/terms")
        .await
        .unwrap()
        .terms
        .unwrap();
    assert_eq!(tou.client_id(), f.code_client);
    assert_eq!(tou.user_pool_id(), f.pool);
    assert_eq!(tou.terms_id().len(), 36);
    assert_eq!(
        tou.links().get("cognito:default").map(String::as_str),
        Some("https://example.com/terms")
    );
    let described = c
        .describe_terms()
        .user_pool_id(&f.pool)
        .terms_id(tou.terms_id())
        .send()
        .await
        .unwrap()
        .terms
        .unwrap();
    assert_eq!(described, tou);

    // One document of each name per client; another client may have its own.
    let r = create("terms-of-use", &f.code_client, "https://example.com/t2").await;
    assert_eq!(code(r), "TermsExistsException");
    create("terms-of-use", &f.m2m_client, "https://example.com/m2m")
        .await
        .unwrap();
    let pp = create(
        "privacy-policy",
        &f.code_client,
        "https://example.com/privacy",
    )
    .await
    .unwrap()
    .terms
    .unwrap();

    // Links are web addresses; the client must be the pool's.
    let r = create("privacy-policy", &f.m2m_client, "javascript:alert(1)").await;
    assert_eq!(
        message(r),
        "The link for cognito:default must be an http or https URL."
    );
    let r = create(
        "privacy-policy",
        "nosuchclient0000000000000",
        "https://x.test",
    )
    .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = create("cookies", &f.code_client, "https://x.test").await;
    assert_eq!(code(r), "InvalidParameterException");

    // Pages of one.
    let mut seen = Vec::new();
    let mut next = None;
    loop {
        let page = c
            .list_terms()
            .user_pool_id(&f.pool)
            .max_results(1)
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        assert!(page.terms().len() <= 1);
        seen.extend(page.terms().iter().map(|t| t.terms_id().to_string()));
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 3);
    assert!(seen.contains(&pp.terms_id().to_string()));

    // Update: links replaced, the rest kept; renaming onto an existing name is refused.
    let up = c
        .update_terms()
        .user_pool_id(&f.pool)
        .terms_id(tou.terms_id())
        .links("cognito:english", "https://example.com/en/terms")
        .links("cognito:spanish", "https://example.com/es/terms")
        .send()
        .await
        .unwrap()
        .terms
        .unwrap();
    assert_eq!(up.terms_name(), "terms-of-use");
    assert_eq!(up.links().len(), 2);
    assert_eq!(up.creation_date(), tou.creation_date());
    let r = c
        .update_terms()
        .user_pool_id(&f.pool)
        .terms_id(tou.terms_id())
        .terms_name("privacy-policy")
        .send()
        .await;
    assert_eq!(code(r), "TermsExistsException");

    // What the sign-up page links to: default, else English.
    let core = core(srv).await;
    assert_eq!(
        core.terms_for_client(&f.pool, &f.code_client)
            .await
            .unwrap(),
        vec![
            (
                "privacy-policy".to_string(),
                "https://example.com/privacy".to_string()
            ),
            (
                "terms-of-use".to_string(),
                "https://example.com/en/terms".to_string()
            ),
        ]
    );

    c.delete_terms()
        .user_pool_id(&f.pool)
        .terms_id(pp.terms_id())
        .send()
        .await
        .unwrap();
    let r = c
        .describe_terms()
        .user_pool_id(&f.pool)
        .terms_id(pp.terms_id())
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .delete_terms()
        .user_pool_id(&f.pool)
        .terms_id(pp.terms_id())
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    assert_eq!(
        core.terms_for_client(&f.pool, &f.code_client)
            .await
            .unwrap()
            .len(),
        1
    );
});

crate::harness::both!(ui_customization, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let c = &srv.idp;
    let css = ".banner-customizable { background-color: #123456; }";

    // Nothing yet: an empty shape.
    let empty = c
        .get_ui_customization()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert!(empty.css().is_none() && empty.image_url().is_none());

    // The pool-wide customization applies to every client without its own.
    let all = c
        .set_ui_customization()
        .user_pool_id(&f.pool)
        .client_id("ALL")
        .css(css)
        .image_file(Blob::new(PNG))
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(all.client_id(), Some("ALL"));
    assert_eq!(all.css(), Some(css));
    assert!(
        all.image_url()
            .is_some_and(|u| u.starts_with("data:image/png;base64,"))
    );
    let v1 = all.css_version().map(str::to_string);
    assert!(v1.is_some());
    let got = c
        .get_ui_customization()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(got.client_id(), Some("ALL"));
    assert_eq!(got.css(), Some(css));
    let no_client = c
        .get_ui_customization()
        .user_pool_id(&f.pool)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(no_client.css(), Some(css));

    // A client's own customization wins, and does not fall back for the logo.
    let own_css = ".submitButton-customizable:hover { background-color: red; }";
    let own = c
        .set_ui_customization()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .css(own_css)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(own.client_id(), Some(f.code_client.as_str()));
    let got = c
        .get_ui_customization()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(got.css(), Some(own_css));
    assert!(got.image_url().is_none());
    let other = c
        .get_ui_customization()
        .user_pool_id(&f.pool)
        .client_id(&f.m2m_client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(other.css(), Some(css));

    // Setting again changes the version.
    let again = c
        .set_ui_customization()
        .user_pool_id(&f.pool)
        .client_id("ALL")
        .css(css)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_ne!(again.css_version().map(str::to_string), v1);
    assert_eq!(again.creation_date(), all.creation_date());

    // What the hosted pages get.
    let core = core(srv).await;
    let style = core.page_style(&f.pool, &f.code_client).await.unwrap();
    assert_eq!(style.css.as_deref(), Some(own_css));
    assert!(style.logo_data_url.is_none() && style.settings.is_none());
    let style = core.page_style(&f.pool, &f.m2m_client).await.unwrap();
    assert_eq!(style.css.as_deref(), Some(css));

    // Refused: other classes, at-rules, script, remote URLs, big or foreign images.
    let set = |css: &str| {
        c.set_ui_customization()
            .user_pool_id(&f.pool)
            .css(css)
            .send()
    };
    assert!(message(set("body { color: red }").await).contains("'body' is not allowed"));
    assert_eq!(
        message(set("@import url(data:image/png;base64,AA==);").await),
        "CSS cannot contain @import statements."
    );
    assert_eq!(
        message(set("@media print { .logo-customizable { width: 0 } }").await),
        "CSS cannot contain @media statements."
    );
    assert_eq!(
        code(set(".logo-customizable { background: url(javascript:x) }").await),
        "InvalidParameterException"
    );
    assert!(
        message(set(".logo-customizable { background: url(https://evil.test/a.png) }").await)
            .contains("data:image")
    );
    assert_eq!(
        message(set(".logo-customizable { } </style><script>alert(1)</script>").await),
        "CSS cannot contain </style."
    );
    let mut big = PNG.to_vec();
    big.resize(100 * 1024 + 1, 0);
    let r = c
        .set_ui_customization()
        .user_pool_id(&f.pool)
        .image_file(Blob::new(big))
        .send()
        .await;
    assert_eq!(
        message(r),
        "The maximum allowable size for a logo image file is 100 KB."
    );
    let r = c
        .set_ui_customization()
        .user_pool_id(&f.pool)
        .image_file(Blob::new(&b"GIF89a"[..]))
        .send()
        .await;
    assert_eq!(message(r), "ImageFile must be a PNG, JPEG or SVG image.");
    let r = c
        .set_ui_customization()
        .user_pool_id(&f.pool)
        .client_id("nosuchclient0000000000000")
        .css(css)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");

    // A pool without a domain cannot be customized.
    let bare = c
        .create_user_pool()
        .pool_name("bare")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let r = c
        .set_ui_customization()
        .user_pool_id(&bare)
        .css(css)
        .send()
        .await;
    assert_eq!(
        message(r),
        "To use this feature, your user pool must have a domain associated with it."
    );
});

crate::harness::both!(managed_login_branding, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let c = &srv.idp;
    let settings = doc(&[(
        "components",
        doc(&[(
            "primaryButton",
            doc(&[
                ("lightMode", doc(&[("color", "0972d3ff".into())])),
                ("darkMode", doc(&[("color", "539fe5ff".into())])),
            ]),
        )]),
    )]);
    let created = c
        .create_managed_login_branding()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .settings(settings.clone())
        .assets(logo(AssetCategoryType::PageHeaderLogo))
        .send()
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
    let id = created.managed_login_branding_id().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(created.user_pool_id(), Some(f.pool.as_str()));
    assert!(!created.use_cognito_provided_values());
    assert_eq!(created.settings(), Some(&settings));
    assert_eq!(created.assets().len(), 1);
    assert_eq!(created.assets()[0].bytes().map(|b| b.as_ref()), Some(PNG));

    let by_id = c
        .describe_managed_login_branding()
        .user_pool_id(&f.pool)
        .managed_login_branding_id(&id)
        .return_merged_resources(true)
        .send()
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
    assert_eq!(by_id, created);
    let by_client = c
        .describe_managed_login_branding_by_client()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .send()
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
    assert_eq!(by_client, created);
    let r = c
        .describe_managed_login_branding_by_client()
        .user_pool_id(&f.pool)
        .client_id(&f.m2m_client)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");

    // One style per client; defaults exclude settings; images are what they say.
    let r = c
        .create_managed_login_branding()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .use_cognito_provided_values(true)
        .send()
        .await;
    assert_eq!(code(r), "ManagedLoginBrandingExistsException");
    let r = c
        .create_managed_login_branding()
        .user_pool_id(&f.pool)
        .client_id(&f.m2m_client)
        .use_cognito_provided_values(true)
        .settings(settings.clone())
        .send()
        .await;
    assert_eq!(
        message(r),
        "When UseCognitoProvidedValues is true, you must omit values for Settings and Assets."
    );
    let jpeg_named_png = AssetType::builder()
        .category(AssetCategoryType::FormLogo)
        .color_mode(ColorSchemeModeType::Dark)
        .extension(AssetExtensionType::Jpeg)
        .bytes(Blob::new(PNG))
        .build()
        .unwrap();
    let r = c
        .create_managed_login_branding()
        .user_pool_id(&f.pool)
        .client_id(&f.m2m_client)
        .assets(jpeg_named_png)
        .send()
        .await;
    assert_eq!(message(r), "The FORM_LOGO asset is not a JPEG image.");

    // What the hosted pages get: the settings, as JSON.
    let core = core(srv).await;
    let style = core.page_style(&f.pool, &f.code_client).await.unwrap();
    assert_eq!(
        style.settings,
        Some(serde_json::json!({"components": {"primaryButton": {
            "lightMode": {"color": "0972d3ff"}, "darkMode": {"color": "539fe5ff"}}}}))
    );

    // Update keeps what it is not given: settings merge, assets replace by category and mode.
    let up = c
        .update_managed_login_branding()
        .user_pool_id(&f.pool)
        .managed_login_branding_id(&id)
        .settings(doc(&[(
            "components",
            doc(&[(
                "primaryButton",
                doc(&[("darkMode", doc(&[("color", "000000ff".into())]))]),
            )]),
        )]))
        .assets(logo(AssetCategoryType::FormLogo))
        .send()
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
    let merged = doc(&[(
        "components",
        doc(&[(
            "primaryButton",
            doc(&[
                ("lightMode", doc(&[("color", "0972d3ff".into())])),
                ("darkMode", doc(&[("color", "000000ff".into())])),
            ]),
        )]),
    )]);
    assert_eq!(up.settings(), Some(&merged));
    assert_eq!(up.assets().len(), 2);
    assert_eq!(up.creation_date(), created.creation_date());

    // Back to Cognito's defaults.
    let reset = c
        .update_managed_login_branding()
        .user_pool_id(&f.pool)
        .managed_login_branding_id(&id)
        .use_cognito_provided_values(true)
        .send()
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
    assert!(reset.use_cognito_provided_values());
    assert!(reset.settings().is_none() && reset.assets().is_empty());

    c.delete_managed_login_branding()
        .user_pool_id(&f.pool)
        .managed_login_branding_id(&id)
        .send()
        .await
        .unwrap();
    let r = c
        .describe_managed_login_branding()
        .user_pool_id(&f.pool)
        .managed_login_branding_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .delete_managed_login_branding()
        .user_pool_id(&f.pool)
        .managed_login_branding_id(&id)
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    // Freed: the client may have a new style.
    c.create_managed_login_branding()
        .user_pool_id(&f.pool)
        .client_id(&f.code_client)
        .use_cognito_provided_values(true)
        .send()
        .await
        .unwrap();
});
