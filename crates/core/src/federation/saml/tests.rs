//! The SAML checks on fixed responses made by another implementation (signxml and
//! python-xmlsec; `testdata/saml/make_fixtures.py`, keys and certificates beside them):
//! signed, tampered, unsigned, signed by another key, three signature-wrapping shapes,
//! expired, wrong audience / recipient / destination, encrypted (AES-CBC and AES-GCM) and a
//! comment inside the NameID.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const ACS: &str = "http://localhost:9229/saml2/idpresponse";
const AUD: &str = "urn:amazon:cognito:sp:us-east-1_TEST";
const ISSUER: &str = "http://idp.test/metadata";

fn fixture(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/federation/testdata/saml/");
    std::fs::read_to_string(format!("{dir}{name}")).unwrap()
}

fn der_of_pem(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).unwrap()
}

/// When the fixtures were made (their IssueInstant).
fn made() -> i64 {
    let xml = fixture("signed.xml");
    let at = xml.split("IssueInstant=\"").nth(1).unwrap();
    instant(&at[..at.find('"').unwrap()]).unwrap()
}

fn check(name: &str, request: Option<&str>, now: i64) -> Result<Asserted, String> {
    let cert = der_of_pem(&fixture("idp.crt"));
    let key = der_of_pem(&fixture("sp.key"));
    verify_response(
        &fixture(name),
        &[cert],
        Some(&key),
        &Expect {
            acs: ACS,
            audience: AUD,
            issuer: ISSUER,
            request_id: request,
            now,
        },
    )
}

#[test]
fn a_signed_response_gives_its_subject_and_attributes() {
    let a = check("signed.xml", Some("_req1"), made()).unwrap();
    assert_eq!(a.id, "_assert1");
    assert_eq!(a.claims[NAME_ID], "alice@example.com");
    assert_eq!(a.claims["email"], "alice@example.com");
    assert!(a.not_on_or_after > made());
}

#[test]
fn tampered_unsigned_foreign_and_wrapped_responses_are_refused() {
    for name in [
        "tampered.xml",
        "unsigned.xml",
        "evilkey.xml",
        "xsw_extensions.xml",
        "xsw_object.xml",
        "xsw_dupid.xml",
    ] {
        let r = check(name, Some("_req1"), made());
        assert!(r.is_err(), "{name}: {r:?}");
    }
}

#[test]
fn the_protocol_checks_hold() {
    for name in [
        "expired.xml",
        "wrong_audience.xml",
        "wrong_recipient.xml",
        "wrong_destination.xml",
    ] {
        let r = check(name, Some("_req1"), made());
        assert!(r.is_err(), "{name}: {r:?}");
    }
    // Another request's answer, an unsolicited answer to a request, and too late.
    assert!(check("signed.xml", Some("_other"), made()).is_err());
    assert!(check("signed.xml", None, made()).is_err());
    assert!(check("signed.xml", Some("_req1"), made() + 3600).is_err());
    assert!(check("signed.xml", Some("_req1"), made() - 3600).is_err());
}

#[test]
fn encrypted_assertions_are_decrypted_with_the_pools_key() {
    for name in ["encrypted_cbc.xml", "encrypted_gcm.xml"] {
        let a = check(name, Some("_req1"), made()).unwrap();
        assert_eq!(a.claims[NAME_ID], "alice@example.com", "{name}");
    }
    let cert = der_of_pem(&fixture("idp.crt"));
    let without_key = verify_response(
        &fixture("encrypted_cbc.xml"),
        &[cert],
        None,
        &Expect {
            acs: ACS,
            audience: AUD,
            issuer: ISSUER,
            request_id: Some("_req1"),
            now: made(),
        },
    );
    assert!(without_key.is_err());
}

#[test]
fn a_comment_does_not_cut_the_name_id() {
    let a = check("comment_nameid.xml", Some("_req1"), made()).unwrap();
    assert_eq!(a.claims[NAME_ID], "admin@example.com.evil.com");
}

#[test]
fn metadata_names_the_sign_in_url_and_certificates() {
    let cert: String = fixture("idp.crt")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let xml = format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ISSUER}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test/slo"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.test/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
    );
    let m = parse_metadata(&xml).unwrap();
    assert_eq!(m.entity_id, ISSUER);
    assert_eq!(m.sso_redirect, "https://idp.test/sso");
    assert_eq!(m.slo_redirect.as_deref(), Some("https://idp.test/slo"));
    assert_eq!(m.certificates, vec![der_of_pem(&fixture("idp.crt"))]);
    assert!(parse_metadata("<x/>").is_err());
    assert!(parse_metadata("<!DOCTYPE x [<!ENTITY e 'x'>]><x/>").is_err());
}

#[test]
fn the_authn_request_inflates_to_the_request() {
    let encoded = authn_request("_abc", made(), "https://idp.test/sso", ACS, AUD);
    let deflated = STANDARD.decode(encoded).unwrap();
    let xml = miniz_oxide::inflate::decompress_to_vec(&deflated).unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains(r#"ID="_abc""#) && xml.contains(AUD) && xml.contains(ACS));
}
