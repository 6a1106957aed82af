//! SAML 2.0 federation through the real server, on both backends: the provider from its
//! metadata, the signed HTTP-Redirect AuthnRequest, responses signed here with bergshamra
//! (the IdP's key and certificate are the core fixtures'), SP- and IdP-initiated sign-in,
//! and the refusals: replayed, tampered, unsolicited without IDPInit, wrong audience.
//! e2e/js/saml.test.mjs does the same with npm's samlify as the IdP.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::harness::{Backend, TestServer, code};
use crate::oauth::{Browser, CALLBACK, LOGOUT, claims, url};

const IDP: &str = "http://idp.test/metadata";
const SSO: &str = "https://idp.test/sso";
const SLO: &str = "https://idp.test/slo";

fn fixture(name: &str) -> String {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/src/federation/testdata/saml/"
    );
    std::fs::read_to_string(format!("{dir}{name}")).unwrap()
}

fn cert_b64() -> String {
    fixture("idp.crt")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

fn metadata() -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SLO}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SSO}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
        cert_b64()
    )
}

fn iso(secs: i64) -> String {
    tessera_core::federation::saml::format_instant(secs)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Response whose Assertion is signed with the IdP fixture's key.
fn response(
    acs: &str,
    audience: &str,
    in_response_to: Option<&str>,
    name_id: &str,
    assertion_id: &str,
) -> String {
    let t = now();
    let irt = in_response_to
        .map(|r| format!(r#" InResponseTo="{r}""#))
        .unwrap_or_default();
    let template = format!(
        r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{assertion_id}" Version="2.0" IssueInstant="{now}" Destination="{acs}"{irt}><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{IDP}</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{assertion_id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData{irt} NotOnOrAfter="{later}" Recipient="{acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{before}" NotOnOrAfter="{later}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{now}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>{name_id}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="displayName"><saml:AttributeValue>Ada Lovelace</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"##,
        now = iso(t),
        before = iso(t - 60),
        later = iso(t + 300),
        cert = cert_b64(),
    );
    let mut keys = bergshamra_keys::KeysManager::new();
    keys.add_key(
        bergshamra_keys::loader::load_pem_auto(fixture("idp.key").as_bytes(), None).unwrap(),
    );
    let ctx = bergshamra_dsig::DsigContext::new(keys);
    bergshamra_dsig::sign::sign(&ctx, &template).unwrap()
}

struct Setup {
    pool: String,
    base: String,
    client: String,
    secret: String,
}

async fn setup(srv: &TestServer) -> Setup {
    let c = &srv.idp;
    let (pool, base) = crate::federation::pool_with_domain(srv, false).await;
    for (name, idp_init) in [("Corp", "true"), ("Strict", "false")] {
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name(name)
            .provider_type(IdentityProviderTypeType::Saml)
            .provider_details("MetadataFile", metadata())
            .provider_details("IDPInit", idp_init)
            .provider_details("IDPSignout", "true")
            .provider_details("RequestSigningAlgorithm", "rsa-sha256")
            .attribute_mapping("email", "email")
            .attribute_mapping("name", "displayName")
            .send()
            .await
            .unwrap();
    }
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls(CALLBACK)
        .logout_urls(LOGOUT)
        .supported_identity_providers("Corp")
        .supported_identity_providers("Strict")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    Setup {
        pool,
        base,
        client: client.client_id.unwrap(),
        secret: client.client_secret.unwrap(),
    }
}

fn params_of(location: &str) -> HashMap<String, String> {
    let q = location.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

/// `/oauth2/authorize` for `provider`: the AuthnRequest's ID, the RelayState and the browser
/// that started the sign-in (it holds the binding cookie), after checking the request and its
/// signature.
async fn to_idp(srv: &TestServer, s: &Setup, provider: &str) -> (String, String, Browser) {
    let mut b = Browser::new();
    let a = b
        .get(&url(
            &s.base,
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &s.client),
                ("redirect_uri", CALLBACK),
                ("state", "st-9"),
                ("scope", "openid email"),
                ("identity_provider", provider),
            ],
        ))
        .await;
    assert_eq!(a.status, 302, "{}", a.body);
    let loc = a.location.unwrap();
    assert!(loc.starts_with(&format!("{SSO}?SAMLRequest=")), "{loc}");
    // The signature over the query's octets, with the pool's certificate.
    let (signed, sig) = loc
        .split_once("?")
        .unwrap()
        .1
        .rsplit_once("&Signature=")
        .unwrap();
    let sig = STANDARD
        .decode(
            url::form_urlencoded::parse(format!("s={sig}").as_bytes())
                .next()
                .unwrap()
                .1
                .as_bytes(),
        )
        .unwrap();
    let cert = srv
        .idp
        .get_signing_certificate()
        .user_pool_id(&s.pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let x509 = openssl::x509::X509::from_der(&STANDARD.decode(cert).unwrap()).unwrap();
    let public = x509.public_key().unwrap();
    let mut verifier =
        openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &public).unwrap();
    verifier.update(signed.as_bytes()).unwrap();
    assert!(
        verifier.verify(&sig).unwrap(),
        "the AuthnRequest's signature"
    );
    let p = params_of(&loc);
    assert_eq!(
        p["SigAlg"],
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );
    let xml = miniz_oxide::inflate::decompress_to_vec(&STANDARD.decode(&p["SAMLRequest"]).unwrap())
        .unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(
        xml.contains(&format!("urn:amazon:cognito:sp:{}", s.pool)),
        "{xml}"
    );
    assert!(xml.contains(&format!("{}/saml2/idpresponse", s.base)));
    let id = xml.split("ID=\"").nth(1).unwrap();
    let id = id[..id.find('"').unwrap()].to_string();
    (id, p["RelayState"].clone(), b)
}

/// The IdP's form posted to the assertion consumer by `b` (through the re-post page when
/// `b` has no binding cookie, as a browser would).
async fn post_in(b: &mut Browser, s: &Setup, xml: &str, relay: &str) -> crate::oauth::Answer {
    b.post_through(
        &format!("{}/saml2/idpresponse", s.base),
        &[
            ("SAMLResponse", &STANDARD.encode(xml)),
            ("RelayState", relay),
        ],
    )
    .await
}

async fn tokens(s: &Setup, code: &str) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .basic_auth(&s.client, Some(&s.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn run(backend: Backend) {
    let Some(srv) =
        TestServer::start_custom(backend, Arc::new(tessera_core::clock::SystemClock), |_| {}).await
    else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let s = setup(&srv).await;
    let acs = format!("{}/saml2/idpresponse", s.base);
    let audience = format!("urn:amazon:cognito:sp:{}", s.pool);
    let d = srv
        .idp
        .describe_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Corp")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(d.provider_details.unwrap()["SSORedirectBindingURI"], SSO);
    let bad = srv
        .idp
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Broken")
        .provider_type(IdentityProviderTypeType::Saml)
        .provider_details("MetadataFile", "<not-metadata/>")
        .send()
        .await;
    assert_eq!(code(bad), "InvalidParameterException");

    // SP-initiated.
    let (id, relay, mut browser) = to_idp(&srv, &s, "Corp").await;
    let xml = response(&acs, &audience, Some(&id), "Ada@Example.com", "_a1");
    let done = post_in(&mut browser, &s, &xml, &relay).await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert_eq!(
        done.param("state").as_deref(),
        Some("st-9"),
        "{:?}",
        done.location
    );
    let t = tokens(&s, &done.param("code").unwrap()).await;
    let id_token = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id_token["cognito:username"], "corp_ada@example.com");
    assert_eq!(id_token["email"], "Ada@Example.com");
    assert_eq!(id_token["name"], "Ada Lovelace");
    assert_eq!(id_token["identities"][0]["providerType"], "SAML");
    assert_eq!(id_token["identities"][0]["issuer"], IDP);
    assert_eq!(id_token["cognito:groups"][0], format!("{}_Corp", s.pool));

    // The same response again: the state is spent.
    let again = post_in(&mut browser, &s, &xml, &relay).await;
    assert_eq!(again.status, 400, "{:?}", again.location);
    assert!(
        again
            .body
            .contains("Invalid samlResponse or relayState from identity provider"),
        "{}",
        again.body
    );
    // Login CSRF: an answer for someone else's sign-in, brought by a browser that did not
    // start it. The IdP posts cross-site, so a browser without the binding cookie first gets
    // the same-site re-post page (its one script allowed by nonce) and is refused when that
    // posts back still without it; a browser with its own binding is refused at once.
    // Neither spends the state: the browser that started the sign-in still finishes it.
    let (idx, relayx, mut starter) = to_idp(&srv, &s, "Corp").await;
    let planted = response(&acs, &audience, Some(&idx), "mallory@example.com", "_ax");
    let mut victim = Browser::new();
    let fields = [
        ("SAMLResponse", STANDARD.encode(&planted)),
        ("RelayState", relayx.clone()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = victim.post(&acs, &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'nonce-"), "{csp}");
    assert_eq!(page.field("RelayState").as_deref(), Some(relayx.as_str()));
    let refused = post_in(&mut victim, &s, &planted, &relayx).await;
    assert_eq!(refused.status, 400, "{:?}", refused.location);
    assert!(
        refused.body.contains("not started in this browser"),
        "{}",
        refused.body
    );
    assert!(!victim.cookies.contains_key("tessera_session"));
    let (_, _, mut other) = to_idp(&srv, &s, "Corp").await;
    let refused = post_in(&mut other, &s, &planted, &relayx).await;
    assert_eq!(refused.status, 400, "{:?}", refused.location);
    assert!(refused.body.contains("not started in this browser"));
    let done = post_in(&mut starter, &s, &planted, &relayx).await;
    assert!(
        done.param("code").is_some(),
        "{:?} {}",
        done.location,
        done.body
    );
    // A new request answered with an old assertion: the assertion is spent.
    let (id2, relay2, mut b2) = to_idp(&srv, &s, "Corp").await;
    let replay = response(&acs, &audience, Some(&id2), "Ada@Example.com", "_a1");
    let r = post_in(&mut b2, &s, &replay, &relay2).await;
    assert_eq!(
        r.param("error").as_deref(),
        Some("server_error"),
        "{:?}",
        r.location
    );
    // Tampered after signing.
    let (id3, relay3, mut b3) = to_idp(&srv, &s, "Corp").await;
    let tampered = response(&acs, &audience, Some(&id3), "eve@example.com", "_a3").replace(
        "eve@example.com</saml:NameID>",
        "admin@example.com</saml:NameID>",
    );
    let r = post_in(&mut b3, &s, &tampered, &relay3).await;
    assert!(
        r.param("code").is_none() && r.param("error").is_some(),
        "{:?}",
        r.location
    );
    // For another pool.
    let (id4, relay4, mut b4) = to_idp(&srv, &s, "Corp").await;
    let other = response(
        &acs,
        "urn:amazon:cognito:sp:us-east-1_OTHER",
        Some(&id4),
        "x@example.com",
        "_a4",
    );
    let r = post_in(&mut b4, &s, &other, &relay4).await;
    assert!(
        r.param("code").is_none() && r.param("error").is_some(),
        "{:?}",
        r.location
    );

    // Single logout: /logout sends a signed LogoutRequest naming the NameID and session to
    // the IdP, whose answer at /saml2/logout goes on to the client's sign-out URL.
    assert!(browser.cookies.contains_key("tessera_session"));
    let out = browser
        .get(&url(
            &s.base,
            "/logout",
            &[("client_id", &s.client), ("logout_uri", LOGOUT)],
        ))
        .await;
    assert_eq!(out.status, 302);
    let loc = out.location.unwrap();
    assert!(loc.starts_with(&format!("{SLO}?SAMLRequest=")), "{loc}");
    assert!(!browser.cookies.contains_key("tessera_session"));
    let p = params_of(&loc);
    assert!(p.contains_key("Signature"));
    let request = tessera_core::federation::saml::inflate_b64(&p["SAMLRequest"]).unwrap();
    assert!(
        request.contains("<saml:NameID>Ada@Example.com</saml:NameID>"),
        "{request}"
    );
    assert!(request.contains("<samlp:SessionIndex>_s1</samlp:SessionIndex>"));
    let answered = browser
        .get(&url(
            &s.base,
            "/saml2/logout",
            &[
                ("SAMLResponse", "s6nQtwMA"),
                ("RelayState", &p["RelayState"]),
            ],
        ))
        .await;
    assert_eq!(answered.location.as_deref(), Some(LOGOUT));
    // The IdP's own logout request: signed, answered with a LogoutResponse; unsigned, refused.
    let idp_request = {
        let xml = format!(
            r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_idplo1" Version="2.0" IssueInstant="{}"><saml:Issuer>{IDP}</saml:Issuer><saml:NameID>Ada@Example.com</saml:NameID></samlp:LogoutRequest>"#,
            iso(now())
        );
        STANDARD.encode(miniz_oxide::deflate::compress_to_vec(xml.as_bytes(), 6))
    };
    let signed_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLRequest", &idp_request)
        .append_pair(
            "SigAlg",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        )
        .finish();
    let key = openssl::pkey::PKey::private_key_from_pem(fixture("idp.key").as_bytes()).unwrap();
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    signer.update(signed_query.as_bytes()).unwrap();
    let signature = STANDARD.encode(signer.sign_to_vec().unwrap());
    let full = format!(
        "{}/saml2/logout?{signed_query}&{}",
        s.base,
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("Signature", &signature)
            .finish()
    );
    let r = Browser::new().get(&full).await;
    let loc = r.location.unwrap_or_else(|| panic!("{}", r.body));
    assert!(loc.starts_with(&format!("{SLO}?SAMLResponse=")), "{loc}");
    let answer =
        tessera_core::federation::saml::inflate_b64(&params_of(&loc)["SAMLResponse"]).unwrap();
    assert!(answer.contains(r#"InResponseTo="_idplo1""#), "{answer}");
    let unsigned = Browser::new()
        .get(&url(
            &s.base,
            "/saml2/logout",
            &[("SAMLRequest", &idp_request)],
        ))
        .await;
    assert_eq!(unsigned.status, 400);

    // IdP-initiated: allowed by Corp (IDPInit), refused by Strict.
    let relay_for = |provider: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("identity_provider", provider),
                ("client_id", s.client.as_str()),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("scope", "openid email"),
            ])
            .finish()
    };
    let unsolicited = response(&acs, &audience, None, "grace@example.com", "_a5");
    // IdP-initiated sign-in cannot be bound: a browser without cookies goes through the
    // re-post page and is signed in (the risk IDPInit accepts).
    let r = post_in(&mut Browser::new(), &s, &unsolicited, &relay_for("Corp")).await;
    let code_ = r
        .param("code")
        .unwrap_or_else(|| panic!("{:?} {}", r.location, r.body));
    let t = tokens(&s, &code_).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["cognito:username"],
        "corp_grace@example.com"
    );
    let unsolicited = response(&acs, &audience, None, "grace@example.com", "_a6");
    let r = post_in(&mut Browser::new(), &s, &unsolicited, &relay_for("Strict")).await;
    assert!(r.param("code").is_none(), "{:?}", r.location);
    // A RelayState that is neither ours nor a request.
    let r = post_in(&mut Browser::new(), &s, &unsolicited, "garbage").await;
    assert_eq!(r.status, 400);
    srv.stop().await;
}

#[tokio::test]
async fn saml_sign_in_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn saml_sign_in_postgres() {
    run(Backend::Postgres).await;
}

/// A MetadataURL is read again at a sign-in six hours later: a moved sign-in URL is followed.
async fn refresh(backend: Backend) {
    let served = Arc::new(std::sync::Mutex::new(metadata()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metadata_url = format!("http://{}/metadata", listener.local_addr().unwrap());
    let body = served.clone();
    let app = axum::Router::new().route(
        "/metadata",
        axum::routing::get(move || {
            let body = body.clone();
            async move { body.lock().unwrap().clone() }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let clock = Arc::new(tessera_core::clock::ManualClock::new(now() * 1000));
    let Some(srv) = TestServer::start_custom(backend, clock.clone(), |_| {}).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let s = setup(&srv).await;
    srv.idp
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Remote")
        .provider_type(IdentityProviderTypeType::Saml)
        .provider_details("MetadataURL", &metadata_url)
        .send()
        .await
        .unwrap();
    srv.idp
        .update_user_pool_client()
        .user_pool_id(&s.pool)
        .client_id(&s.client)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CALLBACK)
        .supported_identity_providers("Remote")
        .send()
        .await
        .unwrap();
    *served.lock().unwrap() = metadata().replace(SSO, "https://idp.test/moved");
    let sign_in_url = || async {
        Browser::new()
            .get(&url(
                &s.base,
                "/oauth2/authorize",
                &[
                    ("response_type", "code"),
                    ("client_id", &s.client),
                    ("redirect_uri", CALLBACK),
                    ("identity_provider", "Remote"),
                ],
            ))
            .await
            .location
            .unwrap()
    };
    assert!(sign_in_url().await.starts_with(&format!("{SSO}?")));
    clock.advance_millis(6 * 3600 * 1000 + 1000);
    assert!(sign_in_url().await.starts_with("https://idp.test/moved?"));
    let d = srv
        .idp
        .describe_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("Remote")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(
        d.provider_details.unwrap()["SSORedirectBindingURI"],
        "https://idp.test/moved"
    );
    srv.stop().await;
}

#[tokio::test]
async fn saml_metadata_refresh_sqlite() {
    refresh(Backend::Sqlite).await;
}

#[tokio::test]
async fn saml_metadata_refresh_postgres() {
    refresh(Backend::Postgres).await;
}
