//! SAML 2.0 for user pools (developer guide, "SAML identity providers"; ADR 0019): the
//! IdP's metadata, the HTTP-Redirect AuthnRequest (signed with the pool's signing key when
//! the provider asks for it), and the checks of a `SAMLResponse` posted to
//! `/saml2/idpresponse`.
//!
//! XML signatures and encryption are bergshamra's (pure Rust on aws-lc-rs). What no
//! XML-security library decides is done here: exactly one Assertion, read from the very node
//! a valid signature of a trusted IdP key covers (signature wrapping), the Destination,
//! Recipient, Audience, Issuer, Status, InResponseTo and time window, and deep text reads.
//! Replays are refused by the caller with a single-use key per assertion id.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bergshamra_dsig::{DsigContext, VerifyResult};
use bergshamra_enc::EncContext;
use bergshamra_keys::{KeysManager, loader};
use bergshamra_xml::uppsala::{self, Document, NodeId};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The claim key of the assertion's NameID among the attributes.
pub const NAME_ID: &str = "saml:NameID";
/// How far apart Tessera's clock and the IdP's may be.
const SKEW_SECS: i64 = 120;
/// Cognito's limit on an assertion's size (developer guide, "SAML IdP sign-in").
pub const MAX_RESPONSE: usize = 100_000;

/// What an IdP's metadata says.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub entity_id: String,
    pub sso_redirect: String,
    pub slo_redirect: Option<String>,
    /// Signing certificates, DER.
    pub certificates: Vec<Vec<u8>>,
}

fn parse(xml: &str) -> Result<Document<'_>, String> {
    uppsala::Parser::new()
        .with_forbid_dtd(true)
        .parse(xml)
        .map_err(|e| format!("not XML: {e}"))
}

fn children(doc: &Document, parent: NodeId, ns: &str, name: &str) -> Vec<NodeId> {
    doc.child_elements_by_name_ns(parent, ns, name)
}

fn child(doc: &Document, parent: NodeId, ns: &str, name: &str) -> Option<NodeId> {
    children(doc, parent, ns, name).first().copied()
}

fn attr(doc: &Document, n: NodeId, name: &str) -> Option<String> {
    doc.get_attribute(n, name).map(str::to_string)
}

fn text(doc: &Document, n: NodeId) -> String {
    doc.text_content_deep(n).trim().to_string()
}

/// Reads an IdP's metadata (an `EntityDescriptor`, or the first one of an
/// `EntitiesDescriptor`).
pub fn parse_metadata(xml: &str) -> Result<Metadata, String> {
    let doc = parse(xml)?;
    let root = doc.document_element().ok_or("empty metadata")?;
    let entity = match doc.element(root) {
        Some(e) if e.matches_name_ns(MD, "EntityDescriptor") => root,
        Some(e) if e.matches_name_ns(MD, "EntitiesDescriptor") => {
            child(&doc, root, MD, "EntityDescriptor").ok_or("no EntityDescriptor")?
        }
        _ => return Err("not SAML metadata".into()),
    };
    let entity_id = attr(&doc, entity, "entityID").ok_or("no entityID")?;
    let idp = child(&doc, entity, MD, "IDPSSODescriptor").ok_or("no IDPSSODescriptor")?;
    let location = |name: &str| {
        children(&doc, idp, MD, name)
            .into_iter()
            .find(|n| attr(&doc, *n, "Binding").as_deref() == Some(REDIRECT))
            .and_then(|n| attr(&doc, n, "Location"))
    };
    let sso_redirect = location("SingleSignOnService")
        .ok_or("no SingleSignOnService with the HTTP-Redirect binding")?;
    let slo_redirect = location("SingleLogoutService");
    let mut certificates = Vec::new();
    for kd in children(&doc, idp, MD, "KeyDescriptor") {
        if attr(&doc, kd, "use").is_some_and(|u| u != "signing") {
            continue;
        }
        let Some(info) = child(&doc, kd, DS, "KeyInfo") else {
            continue;
        };
        for data in children(&doc, info, DS, "X509Data") {
            for c in children(&doc, data, DS, "X509Certificate") {
                let b64: String = text(&doc, c).split_whitespace().collect();
                let der = STANDARD
                    .decode(b64)
                    .map_err(|_| "a signing certificate is not base64")?;
                certificates.push(der);
            }
        }
    }
    if certificates.is_empty() {
        return Err("no signing certificate".into());
    }
    Ok(Metadata {
        entity_id,
        sso_redirect,
        slo_redirect,
        certificates,
    })
}

/// An xs:dateTime as seconds since the epoch.
fn instant(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// An xs:dateTime for `secs`.
pub fn format_instant(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// What the response must match.
pub struct Expect<'a> {
    /// The assertion consumer URL (Destination, Recipient).
    pub acs: &'a str,
    /// The SP entity id (Audience): `urn:amazon:cognito:sp:<pool id>`.
    pub audience: &'a str,
    /// The IdP's entity id (Issuer).
    pub issuer: &'a str,
    /// The AuthnRequest this answers; `None` for an IdP-initiated sign-in.
    pub request_id: Option<&'a str>,
    pub now: i64,
}

/// A checked assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Asserted {
    /// The assertion's ID (single use until `not_on_or_after`).
    pub id: String,
    pub not_on_or_after: i64,
    /// The NameID under [`NAME_ID`] and each attribute by name (several values joined with
    /// commas).
    pub claims: Map<String, Value>,
    /// The AuthnStatement's SessionIndex (named again by single logout).
    pub session_index: Option<String>,
}

/// Checks a SAML Response (the XML) against the IdP's certificates (DER) and `expect`;
/// `decryption_key` is the SP's private key (PKCS #8 DER) for encrypted assertions.
pub fn verify_response(
    xml: &str,
    certificates: &[Vec<u8>],
    decryption_key: Option<&[u8]>,
    expect: &Expect,
) -> Result<Asserted, String> {
    let mut xml = xml.to_string();
    if xml.contains("EncryptedAssertion") {
        let key =
            decryption_key.ok_or("an encrypted assertion, and encrypted responses are off")?;
        let pem = pem("PRIVATE KEY", key);
        let mut k = KeysManager::new();
        k.add_key(loader::load_pem_auto(pem.as_bytes(), None).map_err(|e| format!("key: {e}"))?);
        let ctx = EncContext::new(k).with_disable_cipher_reference(true);
        xml = bergshamra_enc::decrypt::decrypt(&ctx, &xml).map_err(|e| format!("decrypt: {e}"))?;
    }
    let doc = parse(&xml)?;
    let root = doc.document_element().ok_or("empty")?;
    if !doc
        .element(root)
        .is_some_and(|e| e.matches_name_ns(SAMLP, "Response"))
    {
        return Err("not a SAML Response".into());
    }
    // Exactly one assertion, where the protocol puts it.
    let mut assertions = children(&doc, root, SAML, "Assertion");
    for ea in children(&doc, root, SAML, "EncryptedAssertion") {
        assertions.extend(children(&doc, ea, SAML, "Assertion"));
    }
    let [a] = assertions[..] else {
        return Err(format!("{} assertions", assertions.len()));
    };
    // A valid signature by a trusted key whose one reference is that assertion (or the
    // whole response, which holds it).
    let mut keys = KeysManager::new();
    for der in certificates {
        keys.add_key(loader::load_x509_cert_der(der).map_err(|e| format!("certificate: {e}"))?);
    }
    let ctx = DsigContext::new(keys);
    let results = bergshamra_dsig::verify::verify_all_document_with_source(&ctx, &doc, Some(&xml))
        .map_err(|e| format!("signature: {e}"))?;
    let covered = results.iter().any(|r| {
        matches!(r, VerifyResult::Valid { references, .. }
            if references.len() == 1
                && references[0].digest_verified
                && (references[0].resolved_node == Some(a) || references[0].resolved_node == Some(root)))
    });
    if !covered {
        return Err("no valid signature covers the assertion".into());
    }
    // The protocol's own checks.
    if attr(&doc, root, "Destination").is_some_and(|d| d != expect.acs) {
        return Err("wrong Destination".into());
    }
    let status = child(&doc, root, SAMLP, "Status")
        .and_then(|s| child(&doc, s, SAMLP, "StatusCode"))
        .and_then(|c| attr(&doc, c, "Value"));
    if status.as_deref() != Some(SUCCESS) {
        return Err(format!("status {}", status.unwrap_or_default()));
    }
    let response_to = attr(&doc, root, "InResponseTo");
    match (expect.request_id, response_to.as_deref()) {
        (Some(want), Some(got)) if want == got => {}
        (None, None) => {}
        _ => return Err("wrong InResponseTo".into()),
    }
    let issuer = child(&doc, a, SAML, "Issuer").map(|i| text(&doc, i));
    if issuer.as_deref() != Some(expect.issuer) {
        return Err("wrong Issuer".into());
    }
    let now = expect.now;
    let subject = child(&doc, a, SAML, "Subject").ok_or("no Subject")?;
    let bearer = children(&doc, subject, SAML, "SubjectConfirmation")
        .into_iter()
        .filter_map(|sc| child(&doc, sc, SAML, "SubjectConfirmationData"))
        .find(|scd| {
            attr(&doc, *scd, "Recipient").as_deref() == Some(expect.acs)
                && attr(&doc, *scd, "NotOnOrAfter")
                    .and_then(|t| instant(&t))
                    .is_some_and(|t| now - SKEW_SECS < t)
                && attr(&doc, *scd, "InResponseTo")
                    .is_none_or(|v| Some(v.as_str()) == expect.request_id)
        });
    if bearer.is_none() {
        return Err("no subject confirmation for this recipient, in time".into());
    }
    let conditions = child(&doc, a, SAML, "Conditions").ok_or("no Conditions")?;
    if attr(&doc, conditions, "NotBefore")
        .and_then(|t| instant(&t))
        .is_some_and(|t| now + SKEW_SECS < t)
    {
        return Err("not yet valid".into());
    }
    let not_on_or_after = attr(&doc, conditions, "NotOnOrAfter")
        .and_then(|t| instant(&t))
        .ok_or("no NotOnOrAfter")?;
    if now - SKEW_SECS >= not_on_or_after {
        return Err("expired".into());
    }
    let restrictions = children(&doc, conditions, SAML, "AudienceRestriction");
    if restrictions.is_empty()
        || !restrictions.iter().all(|ar| {
            children(&doc, *ar, SAML, "Audience")
                .iter()
                .any(|x| text(&doc, *x) == expect.audience)
        })
    {
        return Err("wrong Audience".into());
    }
    let id = attr(&doc, a, "ID").ok_or("no assertion ID")?;
    let name_id = child(&doc, subject, SAML, "NameID")
        .map(|n| text(&doc, n))
        .filter(|n| !n.is_empty())
        .ok_or("no NameID")?;
    let mut claims = Map::new();
    claims.insert(NAME_ID.into(), Value::String(name_id));
    for statement in children(&doc, a, SAML, "AttributeStatement") {
        for at in children(&doc, statement, SAML, "Attribute") {
            let Some(name) = attr(&doc, at, "Name") else {
                continue;
            };
            let values: Vec<String> = children(&doc, at, SAML, "AttributeValue")
                .into_iter()
                .map(|v| text(&doc, v))
                .collect();
            claims.insert(name, Value::String(values.join(",")));
        }
    }
    let session_index =
        child(&doc, a, SAML, "AuthnStatement").and_then(|s| attr(&doc, s, "SessionIndex"));
    Ok(Asserted {
        id,
        not_on_or_after,
        claims,
        session_index,
    })
}

/// PEM armour for DER.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The HTTP-Redirect binding's `SAMLRequest` for single logout: a LogoutRequest, deflated,
/// base64.
pub fn logout_request(
    id: &str,
    issue_instant: i64,
    destination: &str,
    sp: &str,
    name_id: &str,
    session_index: Option<&str>,
) -> String {
    let index = session_index
        .map(|i| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(i)))
        .unwrap_or_default();
    let xml = format!(
        r#"<samlp:LogoutRequest xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{id}" Version="2.0" IssueInstant="{}" Destination="{}"><saml:Issuer>{}</saml:Issuer><saml:NameID>{}</saml:NameID>{index}</samlp:LogoutRequest>"#,
        format_instant(issue_instant),
        escape(destination),
        escape(sp),
        escape(name_id),
    );
    deflate_b64(&xml)
}

/// The HTTP-Redirect binding's `SAMLResponse` answering an IdP's LogoutRequest.
pub fn logout_response(
    id: &str,
    issue_instant: i64,
    destination: &str,
    sp: &str,
    in_response_to: &str,
) -> String {
    let xml = format!(
        r#"<samlp:LogoutResponse xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{id}" Version="2.0" IssueInstant="{}" Destination="{}" InResponseTo="{}"><saml:Issuer>{}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{SUCCESS}"/></samlp:Status></samlp:LogoutResponse>"#,
        format_instant(issue_instant),
        escape(destination),
        escape(in_response_to),
        escape(sp),
    );
    deflate_b64(&xml)
}

fn deflate_b64(xml: &str) -> String {
    STANDARD.encode(miniz_oxide::deflate::compress_to_vec(xml.as_bytes(), 6))
}

/// A redirect-binding message's XML (base64, deflated).
pub fn inflate_b64(b64: &str) -> Option<String> {
    let raw = STANDARD
        .decode(b64.split_whitespace().collect::<String>())
        .ok()?;
    let xml = miniz_oxide::inflate::decompress_to_vec_with_limit(&raw, MAX_RESPONSE).ok()?;
    String::from_utf8(xml).ok()
}

/// Checks a redirect-binding signature: RSA-SHA256 over the query's octets up to
/// `&Signature=`, with one of the IdP's certificates.
pub fn redirect_signature_ok(signed: &str, signature_b64: &str, certificates: &[Vec<u8>]) -> bool {
    let Ok(sig) = STANDARD.decode(signature_b64) else {
        return false;
    };
    certificates.iter().any(|der| {
        openssl::x509::X509::from_der(der)
            .ok()
            .and_then(|c| c.public_key().ok())
            .and_then(|k| {
                let mut v =
                    openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &k)
                        .ok()?;
                v.update(signed.as_bytes()).ok()?;
                v.verify(&sig).ok()
            })
            .unwrap_or(false)
    })
}

/// A LogoutRequest's ID, Issuer and NameID (the caller checks the signature).
pub fn parse_logout_request(xml: &str) -> Result<(String, String, String), String> {
    let doc = parse(xml)?;
    let root = doc.document_element().ok_or("empty")?;
    if !doc
        .element(root)
        .is_some_and(|e| e.matches_name_ns(SAMLP, "LogoutRequest"))
    {
        return Err("not a LogoutRequest".into());
    }
    let id = attr(&doc, root, "ID").ok_or("no ID")?;
    let issuer = child(&doc, root, SAML, "Issuer")
        .map(|i| text(&doc, i))
        .ok_or("no Issuer")?;
    let name_id = child(&doc, root, SAML, "NameID")
        .map(|n| text(&doc, n))
        .ok_or("no NameID")?;
    Ok((id, issuer, name_id))
}

/// The HTTP-Redirect binding's `SAMLRequest`: the AuthnRequest, deflated, base64.
pub fn authn_request(
    id: &str,
    issue_instant: i64,
    destination: &str,
    acs: &str,
    sp: &str,
) -> String {
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{id}" Version="2.0" IssueInstant="{}" Destination="{}" AssertionConsumerServiceURL="{}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="true"/></samlp:AuthnRequest>"#,
        format_instant(issue_instant),
        escape(destination),
        escape(acs),
        escape(sp),
    );
    deflate_b64(&xml)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests;

/// Fuzzing (`federation` target): any text as IdP metadata, as a response checked against
/// the test IdP's certificate (the saved corpus starts from its signed fixtures), as a
/// redirect-binding message and as a LogoutRequest. Nothing may panic, and a response is
/// never accepted without a signature over the expected audience.
pub(super) fn fuzz(text: &str) {
    const CERT: &str = include_str!("testdata/saml/idp.crt");
    // The fixtures were made at 2026-12-06T17:09:27Z (their IssueInstant).
    const MADE: i64 = 1_796_576_967;
    let _ = parse_metadata(text);
    let _ = inflate_b64(text);
    let _ = parse_logout_request(text);
    let der: String = CERT.lines().filter(|l| !l.starts_with("-----")).collect();
    let Ok(cert) = STANDARD.decode(der) else {
        return;
    };
    let audience = "urn:amazon:cognito:sp:us-east-1_TEST";
    let expect = Expect {
        acs: "http://localhost:9229/saml2/idpresponse",
        audience,
        issuer: "http://idp.test/metadata",
        request_id: Some("_req1"),
        now: MADE,
    };
    if let Ok(a) = verify_response(text, &[cert], None, &expect) {
        assert!(
            text.contains("SignatureValue") && text.contains(audience),
            "accepted without a signature or audience: {a:?}"
        );
    }
}
