//! Tests of SigV4 verification, mostly against the `aws-sigv4` signer the AWS SDKs use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use aws_credential_types::Credentials;
use aws_lc_rs::digest;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use std::time::{Duration, UNIX_EPOCH};

pub(super) const AKID: &str = "AKIDTESSERA0000001";
pub(super) const SECRET: &str = "tEsSeRa/SeCrEt+KeY/0123456789abcdefghijkl";
pub(super) const SERVICE: &str = "cognito-idp";
/// 2026-01-01T00:30:00Z
pub(super) const T0: i64 = 1_767_227_400;

/// An HTTP request as the server would see it.
#[derive(Clone)]
pub(super) struct Received {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Received {
    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn set_header(&mut self, name: &str, value: &str) {
        for (n, v) in &mut self.headers {
            if n == name {
                *v = value.to_owned();
            }
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn verify(&self, service: &str, now: i64) -> Result<Verified, SigV4Error> {
        verify(&self.parts(), service, now, secrets)
    }
}

fn secrets(akid: &str) -> Option<String> {
    (akid == AKID).then(|| SECRET.to_owned())
}

pub(super) struct Opts<'a> {
    pub(super) region: &'a str,
    pub(super) service: &'a str,
    pub(super) time: i64,
    pub(super) token: Option<&'a str>,
    pub(super) presign: bool,
    pub(super) unsigned_payload: bool,
    pub(super) content_sha256_header: bool,
}

impl Default for Opts<'_> {
    fn default() -> Self {
        Opts {
            region: "us-east-1",
            service: SERVICE,
            time: T0,
            token: None,
            presign: false,
            unsigned_payload: false,
            content_sha256_header: false,
        }
    }
}

/// Signs `req` with the AWS SDK's own signer and converts it into what a server receives.
pub(super) fn sign_with_sdk(mut req: http::Request<Vec<u8>>, opts: &Opts<'_>) -> Received {
    let identity = Credentials::new(
        AKID,
        SECRET,
        opts.token.map(str::to_owned),
        None,
        "tessera-test",
    )
    .into();
    let mut settings = SigningSettings::default();
    if opts.presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(300));
    }
    if opts.content_sha256_header {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(opts.region)
        .name(opts.service)
        .time(UNIX_EPOCH + Duration::from_secs(u64::try_from(opts.time).unwrap()))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let instructions = {
        let uri = req.uri().to_string();
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap()));
        let body = if opts.unsigned_payload {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(req.body())
        };
        let signable = SignableRequest::new(req.method().as_str(), uri, headers, body).unwrap();
        sign(signable, &params).unwrap().into_parts().0
    };
    instructions.apply_to_request_http1x(&mut req);
    received(req)
}

/// What hyper would send and axum would hand to the handler: `Host` from the authority.
fn received(req: http::Request<Vec<u8>>) -> Received {
    let uri = req.uri().clone();
    let mut headers = vec![("host".to_owned(), uri.authority().unwrap().to_string())];
    headers.extend(req.headers().iter().map(|(k, v)| {
        (
            k.as_str().to_ascii_lowercase(),
            v.to_str().unwrap().to_owned(),
        )
    }));
    Received {
        method: req.method().to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers,
        body: req.into_body(),
    }
}

fn cognito_request(uri: &str, target: &str, body: &str) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{target}"),
        )
        .header("user-agent", "aws-sdk-rust/1.0 tessera-test")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

pub(super) fn list_users() -> http::Request<Vec<u8>> {
    cognito_request(
        "https://cognito-idp.us-east-1.amazonaws.com/",
        "ListUsers",
        r#"{"UserPoolId":"us-east-1_AbCdEf123","Limit":10}"#,
    )
}

fn signed_list_users() -> Received {
    sign_with_sdk(list_users(), &Opts::default())
}

pub(super) fn expected(region: &str) -> Verified {
    Verified {
        access_key_id: AKID.to_owned(),
        region: region.to_owned(),
        service: SERVICE.to_owned(),
        date: "20260101".to_owned(),
    }
}

#[test]
fn test_clock_constant_is_what_the_tests_assume() {
    assert_eq!(format_amz_date(T0), "20260101T003000Z");
    assert_eq!(parse_amz_date("20260101T003000Z"), Some(T0));
}

#[test]
fn sdk_signed_request_verifies() {
    let req = signed_list_users();
    assert!(req.header("authorization").unwrap().starts_with(ALGORITHM));
    assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
}

#[test]
fn sdk_signed_requests_verify_across_regions_bodies_and_ports() {
    let big = format!(r#"{{"Username":"{}"}}"#, "x".repeat(100_000));
    let cases: [(&str, &str, &str, String); 5] = [
        (
            "https://cognito-idp.eu-west-1.amazonaws.com/",
            "eu-west-1",
            "AdminCreateUser",
            r#"{"UserPoolId":"eu-west-1_X","Username":"ünïcödé ✓ user"}"#.to_owned(),
        ),
        (
            "https://cognito-idp.ap-southeast-2.amazonaws.com/",
            "ap-southeast-2",
            "DescribeUserPool",
            String::new(),
        ),
        (
            "http://localhost:9229/",
            "us-east-1",
            "ListUserPools",
            r#"{"MaxResults":60}"#.to_owned(),
        ),
        (
            "http://127.0.0.1:8080",
            "local",
            "AdminGetUser",
            "{}".to_owned(),
        ),
        (
            "https://cognito-idp.us-west-2.amazonaws.com/",
            "us-west-2",
            "AdminUpdateUserAttributes",
            big,
        ),
    ];
    for (uri, region, target, body) in cases {
        let req = sign_with_sdk(
            cognito_request(uri, target, &body),
            &Opts {
                region,
                ..Opts::default()
            },
        );
        assert_eq!(req.verify(SERVICE, T0), Ok(expected(region)), "{uri}");
        let mut tampered = req.clone();
        tampered.body.push(b' ');
        assert_eq!(
            tampered.verify(SERVICE, T0),
            Err(SigV4Error::SignatureMismatch),
            "{uri}"
        );
    }
}

#[test]
fn session_token_is_signed_but_not_otherwise_checked() {
    let req = sign_with_sdk(
        list_users(),
        &Opts {
            token: Some("FwoGZXIvYXdzEJr//////////wEaDTessera+Session/Token=="),
            ..Opts::default()
        },
    );
    let auth = req.header("authorization").unwrap();
    assert!(
        auth.contains("x-amz-security-token"),
        "token must be a signed header"
    );
    assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
    let mut tampered = req.clone();
    tampered.set_header("x-amz-security-token", "another-token");
    assert_eq!(
        tampered.verify(SERVICE, T0),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn path_with_special_characters_and_query_string_verify() {
    let uris = [
        "https://idp.example.com/some%20path/a:b@c/%E2%9C%93/$&'()*+,;=/x~y_z-1.2",
        "https://idp.example.com/a/./b/../c//d/",
        "https://idp.example.com/../x/..",
        "https://idp.example.com/?b=2&a=1&a=0&empty=&flag&sp=hello%20world&plus=%2B&tilde=~&u=%E2%9C%93",
        "https://idp.example.com/p%2Fq?x=1&x=1&Z=last&%41=encoded-name",
    ];
    for uri in uris {
        let req = sign_with_sdk(cognito_request(uri, "ListUsers", "{}"), &Opts::default());
        assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")), "{uri}");
        // The path and the query are covered by the signature.
        let mut other_path = req.clone();
        other_path.path.push('x');
        assert_eq!(
            other_path.verify(SERVICE, T0),
            Err(SigV4Error::SignatureMismatch),
            "{uri}"
        );
        let mut other_query = req.clone();
        other_query.query.push_str("&extra=1");
        assert_eq!(
            other_query.verify(SERVICE, T0),
            Err(SigV4Error::SignatureMismatch),
            "{uri}"
        );
    }
}

#[test]
fn presigned_request_verifies_and_expires() {
    for token in [None, Some("session-token/with+specials=")] {
        let req = sign_with_sdk(
            http::Request::builder()
                .method("GET")
                .uri("https://cognito-idp.us-east-1.amazonaws.com/?Action=Ping&b=%20x")
                .body(Vec::new())
                .unwrap(),
            &Opts {
                presign: true,
                token,
                ..Opts::default()
            },
        );
        assert!(req.header("authorization").is_none());
        assert!(req.query.contains("X-Amz-Signature="));
        assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
        assert_eq!(req.verify(SERVICE, T0 + 300), Ok(expected("us-east-1")));
        assert!(matches!(
            req.verify(SERVICE, T0 + 301),
            Err(SigV4Error::Expired(_))
        ));
        assert!(matches!(
            req.verify(SERVICE, T0 - 16 * 60),
            Err(SigV4Error::Expired(_))
        ));
        let mut tampered = req.clone();
        tampered.query = tampered.query.replace("Action=Ping", "Action=Pong");
        assert_eq!(
            tampered.verify(SERVICE, T0),
            Err(SigV4Error::SignatureMismatch)
        );
    }
}

#[test]
fn modified_body_is_a_mismatch() {
    let mut req = signed_list_users();
    req.body = br#"{"UserPoolId":"us-east-1_AbCdEf123","Limit":60}"#.to_vec();
    assert_eq!(req.verify(SERVICE, T0), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn modified_signed_header_is_a_mismatch() {
    let mut req = signed_list_users();
    req.set_header(
        "x-amz-target",
        "AWSCognitoIdentityProviderService.AdminDeleteUser",
    );
    assert_eq!(req.verify(SERVICE, T0), Err(SigV4Error::SignatureMismatch));

    let mut req = signed_list_users();
    req.set_header("host", "evil.example.com");
    assert_eq!(req.verify(SERVICE, T0), Err(SigV4Error::SignatureMismatch));

    // A second value for a signed header changes its canonical form.
    let mut req = signed_list_users();
    req.headers
        .push(("content-type".to_owned(), "text/plain".to_owned()));
    assert_eq!(req.verify(SERVICE, T0), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn whitespace_in_signed_header_values_is_normalized() {
    let req = sign_with_sdk(
        http::Request::builder()
            .method("POST")
            .uri("https://cognito-idp.us-east-1.amazonaws.com/")
            .header(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.ListUsers",
            )
            .header("x-custom", "  a   b  c ")
            .header("x-multi", "one")
            .header("x-multi", " two   three ")
            .body(b"{}".to_vec())
            .unwrap(),
        &Opts::default(),
    );
    let auth = req.header("authorization").unwrap();
    assert!(auth.contains("x-custom") && auth.contains("x-multi"));
    assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
    // Repeated headers are joined in the order received.
    let mut swapped = req.clone();
    for (n, v) in &mut swapped.headers {
        if n == "x-multi" {
            *v = if v == "one" { " two   three " } else { "one" }.to_owned();
        }
    }
    assert_eq!(
        swapped.verify(SERVICE, T0),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn wrong_secret_is_a_mismatch() {
    let req = signed_list_users();
    let result = verify(&req.parts(), SERVICE, T0, |_| {
        Some("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned())
    });
    assert_eq!(result, Err(SigV4Error::SignatureMismatch));
}

#[test]
fn unknown_access_key() {
    let req = signed_list_users();
    let err = verify(&req.parts(), SERVICE, T0, |_| None).unwrap_err();
    assert_eq!(err, SigV4Error::UnknownAccessKey);
    assert_eq!(err.aws_error_code(), "UnrecognizedClientException");
    assert_eq!(
        err.message(),
        "The security token included in the request is invalid."
    );
}

#[test]
fn no_authentication_is_missing() {
    let req = received(list_users());
    let err = req.verify(SERVICE, T0).unwrap_err();
    assert_eq!(err, SigV4Error::Missing);
    assert_eq!(err.aws_error_code(), "MissingAuthenticationTokenException");
    assert_eq!(err.message(), "Missing Authentication Token");
}

#[test]
fn garbage_authorization_is_malformed() {
    let valid = signed_list_users();
    let sig_part = valid
        .header("authorization")
        .unwrap()
        .split("Signature=")
        .nth(1)
        .unwrap()
        .to_owned();
    let cases = [
        "garbage".to_owned(),
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x".to_owned(),
        "AWS4-HMAC-SHA256".to_owned(),
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cognito-idp/aws4_request".to_owned(),
        format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cognito-idp, \
             SignedHeaders=host;x-amz-date, Signature={sig_part}"
        ),
        format!(
            "AWS4-HMAC-SHA256 Credential={AKID}/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=nothex"
        ),
        format!(
            "AWS4-HMAC-SHA256 Credential={AKID}/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=Host;X-Amz-Date, Signature={sig_part}"
        ),
        format!(
            "AWS4-HMAC-SHA256 Credential={AKID}/20260101/us-east-1/cognito-idp/aws4_request \
             SignedHeaders=host;x-amz-date Signature={sig_part}"
        ),
        format!(
            "AWS4-ECDSA-P256-SHA256 Credential={AKID}/20260101/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={sig_part}"
        ),
    ];
    for auth in cases {
        let mut req = valid.clone();
        req.set_header("authorization", &auth);
        let err = req.verify(SERVICE, T0).unwrap_err();
        assert!(matches!(err, SigV4Error::Malformed(_)), "{auth}: {err:?}");
        assert_eq!(err.aws_error_code(), "IncompleteSignatureException");
        assert!(!err.message().contains(&sig_part), "{auth}");
    }

    // A bad timestamp and a scope date that does not match it.
    let mut req = valid.clone();
    req.set_header("x-amz-date", "2026-01-01T00:30:00Z");
    assert!(matches!(
        req.verify(SERVICE, T0),
        Err(SigV4Error::Malformed(_))
    ));
    let mut req = valid.clone();
    req.set_header("x-amz-date", "20260102T003000Z");
    assert!(matches!(
        req.verify(SERVICE, T0 + 86_400),
        Err(SigV4Error::Malformed(_))
    ));
    // Two Authorization headers.
    let mut req = valid.clone();
    let auth = req.header("authorization").unwrap().to_owned();
    req.headers.push(("authorization".to_owned(), auth));
    assert!(matches!(
        req.verify(SERVICE, T0),
        Err(SigV4Error::Malformed(_))
    ));
}

#[test]
fn host_must_be_signed() {
    let valid = signed_list_users();
    let auth = valid
        .header("authorization")
        .unwrap()
        .replace("content-type;host;", "content-type;");
    assert!(!auth.contains("host"));
    let mut req = valid.clone();
    req.set_header("authorization", &auth);
    let err = req.verify(SERVICE, T0).unwrap_err();
    assert_eq!(
        err,
        SigV4Error::Malformed("'Host' must be a 'SignedHeader' in the AWS Authorization.".into())
    );
}

#[test]
fn both_mechanisms_at_once_are_malformed() {
    let mut req = signed_list_users();
    req.query = format!("X-Amz-Signature={}", "0".repeat(64));
    assert!(matches!(
        req.verify(SERVICE, T0),
        Err(SigV4Error::Malformed(_))
    ));
}

#[test]
fn clock_skew_window() {
    // Five minutes either way (IAM user guide, "Signing AWS API requests").
    let req = signed_list_users();
    let ok = Ok(expected("us-east-1"));
    assert_eq!(req.verify(SERVICE, T0 + 4 * 60), ok);
    assert_eq!(req.verify(SERVICE, T0 - 4 * 60), ok);
    assert_eq!(req.verify(SERVICE, T0 + 5 * 60), ok);
    assert_eq!(req.verify(SERVICE, T0 - 5 * 60), ok);

    let late = req.verify(SERVICE, T0 + 6 * 60).unwrap_err();
    assert_eq!(
        late,
        SigV4Error::Expired(
            "Signature expired: 20260101T003000Z is now earlier than 20260101T003100Z \
             (20260101T003600Z - 5 min.)"
                .into()
        )
    );
    assert_eq!(late.aws_error_code(), "InvalidSignatureException");

    let early = req.verify(SERVICE, T0 - 6 * 60).unwrap_err();
    assert_eq!(
        early,
        SigV4Error::Expired(
            "Signature not yet current: 20260101T003000Z is still later than \
             20260101T002900Z (20260101T002400Z + 5 min.)"
                .into()
        )
    );
}

#[test]
fn wrong_service() {
    let req = sign_with_sdk(
        list_users(),
        &Opts {
            service: "cognito-identity",
            ..Opts::default()
        },
    );
    let err = req.verify(SERVICE, T0).unwrap_err();
    assert_eq!(
        err,
        SigV4Error::WrongService(
            "Credential should be scoped to correct service: 'cognito-idp'.".into()
        )
    );
    assert_eq!(err.aws_error_code(), "InvalidSignatureException");
    // The same request is fine for the service it was signed for.
    assert_eq!(
        req.verify("cognito-identity", T0).map(|v| v.service),
        Ok("cognito-identity".to_owned())
    );
}

#[test]
fn unsigned_header_added_after_signing_is_ignored() {
    let mut req = signed_list_users();
    req.headers
        .push(("x-forwarded-for".to_owned(), "203.0.113.7".to_owned()));
    req.headers
        .push(("x-amzn-trace-id".to_owned(), "Root=1-abc".to_owned()));
    req.set_header("user-agent", "something/else");
    assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
}

#[test]
fn content_sha256_header_must_match_the_body() {
    let req = sign_with_sdk(
        list_users(),
        &Opts {
            content_sha256_header: true,
            ..Opts::default()
        },
    );
    assert!(req.header("x-amz-content-sha256").is_some());
    assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
    let mut tampered = req.clone();
    tampered.body = b"{}".to_vec();
    assert_eq!(
        tampered.verify(SERVICE, T0),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn unsigned_payload_leaves_the_body_out() {
    let req = sign_with_sdk(
        list_users(),
        &Opts {
            unsigned_payload: true,
            content_sha256_header: true,
            ..Opts::default()
        },
    );
    assert_eq!(req.header("x-amz-content-sha256"), Some(UNSIGNED_PAYLOAD));
    assert_eq!(req.verify(SERVICE, T0), Ok(expected("us-east-1")));
    let mut other_body = req.clone();
    other_body.body = b"{}".to_vec();
    assert_eq!(other_body.verify(SERVICE, T0), Ok(expected("us-east-1")));
    // Dropping the header changes the payload hash used: mismatch.
    let mut no_header = req.clone();
    no_header
        .headers
        .retain(|(n, _)| n != "x-amz-content-sha256");
    assert_eq!(
        no_header.verify(SERVICE, T0),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn secrets_and_signatures_never_appear_in_errors_or_debug() {
    let req = sign_with_sdk(
        list_users(),
        &Opts {
            token: Some("SeSsIoNtOkEn"),
            ..Opts::default()
        },
    );
    let auth = req.header("authorization").unwrap().to_owned();
    let signature = auth.split("Signature=").nth(1).unwrap().to_owned();
    let debug = format!("{:?}", req.parts());
    assert!(!debug.contains(&signature));
    assert!(!debug.contains("SeSsIoNtOkEn"));
    assert!(debug.contains("x-amz-target"));

    let presigned = sign_with_sdk(
        http::Request::builder()
            .uri("https://cognito-idp.us-east-1.amazonaws.com/?a=b")
            .body(Vec::new())
            .unwrap(),
        &Opts {
            presign: true,
            token: Some("SeSsIoNtOkEn"),
            ..Opts::default()
        },
    );
    let debug = format!("{:?}", presigned.parts());
    assert!(!debug.contains("SeSsIoNtOkEn"), "{debug}");
    let qsig = presigned
        .query
        .split("X-Amz-Signature=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(!debug.contains(qsig), "{debug}");

    let mut bad = req.clone();
    bad.body.push(b'!');
    let checks: Vec<(Received, i64)> = vec![
        (bad, T0),
        (req.clone(), T0 + 3_600),
        (req.clone(), T0 - 3_600),
    ];
    for (r, now) in checks {
        let err = r.verify(SERVICE, now).unwrap_err();
        for text in [err.message(), format!("{err:?}"), err.to_string()] {
            assert!(!text.contains(&signature), "{text}");
            assert!(!text.contains(SECRET), "{text}");
        }
    }
}

/// AWS's documented example: "GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08".
fn aws_doc_example(signature: &str) -> Received {
    Received {
        method: "GET".into(),
        path: "/".into(),
        query: "Action=ListUsers&Version=2010-05-08".into(),
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
            ("host".into(), "iam.amazonaws.com".into()),
            ("x-amz-date".into(), "20150830T123600Z".into()),
            (
                "authorization".into(),
                format!(
                    "AWS4-HMAC-SHA256 \
                     Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                     SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
                ),
            ),
        ],
        body: Vec::new(),
    }
}

#[test]
fn aws_documentation_known_answer() {
    const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let now = parse_amz_date("20150830T123600Z").unwrap();
    assert_eq!(now, 1_440_938_160);
    let lookup = |akid: &str| (akid == "AKIDEXAMPLE").then(|| DOC_SECRET.to_owned());

    let req = aws_doc_example("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    assert_eq!(
        verify(&req.parts(), "iam", now, lookup),
        Ok(Verified {
            access_key_id: "AKIDEXAMPLE".into(),
            region: "us-east-1".into(),
            service: "iam".into(),
            date: "20150830".into(),
        })
    );
    // Intermediate values from the same documentation.
    assert_eq!(
        hex::encode(signing_key(DOC_SECRET, "20150830", "us-east-1", "iam")),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
    let creq = canonical_request(
        &req.parts(),
        &parse_query(&req.query),
        false,
        &["content-type", "host", "x-amz-date"],
        "content-type;host;x-amz-date",
        &payload_hash(&req.parts()).unwrap(),
    );
    assert_eq!(
        hex::encode(digest::digest(&digest::SHA256, creq.as_bytes())),
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );

    // One flipped hex digit: rejected.
    let req = aws_doc_example("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d8");
    assert_eq!(
        verify(&req.parts(), "iam", now, lookup),
        Err(SigV4Error::SignatureMismatch)
    );
}
