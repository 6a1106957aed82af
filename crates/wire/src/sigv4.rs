//! AWS Signature Version 4 verification (the server side of SigV4).
//!
//! # Why this exists
//!
//! Tessera's admin API speaks the Cognito wire protocol (AWS JSON 1.1 over `POST /`), so the
//! callers are the unmodified AWS SDKs, boto3 and the AWS CLI. They authenticate every admin
//! request with an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`
//! header computed with an access key id and secret access key. This module recomputes that
//! signature from the request as received and the secret known to the server, and tells the
//! caller who signed the request, or why the request must be rejected, with the error codes and
//! messages AWS itself uses ([`SigV4Error::aws_error_code`], [`SigV4Error::message`]).
//!
//! Presigned (query-string) requests — `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
//! `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature` — are accepted too.
//!
//! The algorithm follows
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html> with the rules
//! of the AWS SDKs for non-S3 services: the path is normalized (dot segments and empty segments
//! removed) and encoded once more ("double-encoded"), query parameters are decoded and
//! re-encoded with RFC 3986 unreserved characters kept, and header values are trimmed with runs
//! of spaces collapsed.
//!
//! # What it must not do
//!
//! * Never log, print, or put in an error message or `Debug` output the secret access key, the
//!   signature the client sent, the signature computed here, the signing key or the session
//!   token. [`SigV4Error`] messages are safe to return to clients; the `Debug` impl of
//!   [`RequestParts`] redacts `Authorization`, `X-Amz-Security-Token` and `X-Amz-Signature`.
//! * Never compare signatures with a short-circuiting comparison: the comparison is constant
//!   time (`aws_lc_rs::constant_time::verify_slices_are_equal`).
//! * It does not decide *authorization* (which key may call which operation), does not check
//!   the region or the session token: the caller does, with the returned [`Verified`].
//! * It does no I/O and reads no clock: the caller passes "now" and the secret lookup.
//!
//! The caller must pass the `host` header as received (for HTTP/2, the `:authority`
//! pseudo-header), since SigV4 requires it to be signed.

use std::fmt;

use aws_lc_rs::{constant_time, hmac};

mod canonical;
#[doc(hidden)]
pub mod fuzz;
pub mod sign;
mod time;
/// Proleptic Gregorian calendar arithmetic (H. Hinnant's algorithms), shared with the SRP
/// timestamp and the console's dates.
pub use time::{civil_from_days, days_from_civil, days_in_month, is_leap};

use canonical::*;
use time::*;

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far the request timestamp may be from the server clock, either way. The IAM user
/// guide, "Signing AWS API requests" (reference_aws-signing.html): "a request must reach
/// AWS within five minutes of the time stamp in the request. Otherwise, AWS denies the
/// request." The SDKs correct their clock from the `Date` of such a refusal and retry.
pub const MAX_CLOCK_SKEW_SECS: i64 = 5 * 60;

/// The longest validity of a presigned request, in seconds (AWS: 7 days).
pub const MAX_PRESIGNED_EXPIRES_SECS: i64 = 7 * 24 * 60 * 60;

/// The literal payload hash a client uses to leave the body out of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

const SCOPE_TERMINATOR: &str = "aws4_request";
const PARAM_ALGORITHM: &str = "X-Amz-Algorithm";
const PARAM_CREDENTIAL: &str = "X-Amz-Credential";
const PARAM_DATE: &str = "X-Amz-Date";
const PARAM_EXPIRES: &str = "X-Amz-Expires";
const PARAM_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
const PARAM_SIGNATURE: &str = "X-Amz-Signature";
const PARAM_SECURITY_TOKEN: &str = "X-Amz-Security-Token";

/// The parts of an HTTP request that SigV4 covers, as received (nothing decoded).
pub struct RequestParts<'a> {
    /// The method, e.g. `"POST"`.
    pub method: &'a str,
    /// The raw path as received, e.g. `"/"` (still percent-encoded, without the query).
    pub path: &'a str,
    /// The raw query string without `?`; may be `""`.
    pub query: &'a str,
    /// Header names lowercased, values as received; a name may repeat.
    pub headers: &'a [(String, String)],
    /// The request body.
    pub body: &'a [u8],
}

impl<'a> RequestParts<'a> {
    fn header_values<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        let headers: &'a [(String, String)] = self.headers;
        headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The single value of a header; `Err` if it is repeated.
    fn single_header(&self, name: &str) -> Result<Option<&'a str>, SigV4Error> {
        let mut values = self.header_values(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(SigV4Error::Malformed(format!(
                "The request must not contain more than one '{name}' header."
            )));
        }
        Ok(first)
    }
}

/// Redacts credentials and signatures; prints the body's length only.
impl fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if n.eq_ignore_ascii_case("authorization")
                    || n.eq_ignore_ascii_case("x-amz-security-token")
                {
                    (n.as_str(), "<redacted>")
                } else {
                    (n.as_str(), v.as_str())
                }
            })
            .collect();
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &redact_query(self.query))
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|piece| {
            let key = piece.split_once('=').map_or(piece, |(k, _)| k);
            let decoded = form_decode(key);
            if decoded.eq_ignore_ascii_case(PARAM_SIGNATURE.as_bytes())
                || decoded.eq_ignore_ascii_case(PARAM_SECURITY_TOKEN.as_bytes())
            {
                format!("{key}=<redacted>")
            } else {
                piece.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Who signed a request that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key id from the credential scope.
    pub access_key_id: String,
    /// The region from the credential scope (not checked here).
    pub region: String,
    /// The service (signing name) from the credential scope; equals the expected one.
    pub service: String,
    /// The date from the credential scope, `yyyymmdd`.
    pub date: String,
}

/// Why a request failed verification. Every message is safe to send to the client: none
/// contains a secret, a signature or a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigV4Error {
    /// No `Authorization` header and no `X-Amz-Signature` query parameter.
    Missing,
    /// Unparsable `Authorization` header, credential scope, date or presigning parameters.
    Malformed(String),
    /// The access key id is not known.
    UnknownAccessKey,
    /// The signature does not match the request.
    SignatureMismatch,
    /// The request timestamp is outside the allowed window (or a presigned request expired).
    Expired(String),
    /// The credential scope names another service than the expected signing name.
    WrongService(String),
}

impl SigV4Error {
    /// The AWS error code (`__type` of the AWS JSON error envelope).
    pub fn aws_error_code(&self) -> &'static str {
        match self {
            SigV4Error::Missing => "MissingAuthenticationTokenException",
            SigV4Error::Malformed(_) => "IncompleteSignatureException",
            SigV4Error::UnknownAccessKey => "UnrecognizedClientException",
            SigV4Error::SignatureMismatch
            | SigV4Error::Expired(_)
            | SigV4Error::WrongService(_) => "InvalidSignatureException",
        }
    }

    /// The client-facing message, as AWS words it.
    pub fn message(&self) -> String {
        match self {
            SigV4Error::Missing => "Missing Authentication Token".to_owned(),
            SigV4Error::UnknownAccessKey => {
                "The security token included in the request is invalid.".to_owned()
            }
            SigV4Error::SignatureMismatch => "The request signature we calculated does not match \
                 the signature you provided. Check your AWS Secret Access Key and signing method. \
                 Consult the service documentation for details."
                .to_owned(),
            SigV4Error::Malformed(m) | SigV4Error::Expired(m) | SigV4Error::WrongService(m) => {
                m.clone()
            }
        }
    }
}

impl fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.aws_error_code(), self.message())
    }
}

impl std::error::Error for SigV4Error {}

fn malformed(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::Malformed(msg.into())
}

/// Verifies a request.
///
/// `expected_service` is the signing name (`"cognito-idp"` / `"cognito-identity"`); `now_unix`
/// is the server clock (seconds since the Unix epoch); `secret_for` maps an access key id to its
/// secret access key (`None`: unknown key).
///
/// Checks, in order: an authentication mechanism is present (header or presigned query, not
/// both), it parses, the credential scope names `expected_service` and the date of the request
/// timestamp, `host` is signed, the timestamp is within ±5 minutes of `now_unix` (presigned:
/// at most 5 minutes in the future and `now_unix` not past `X-Amz-Date + X-Amz-Expires`), the
/// access key is known, an `x-amz-content-sha256` header (other than `UNSIGNED-PAYLOAD`) matches
/// the body, and the signature matches (constant-time comparison).
///
/// A query string carrying `X-Amz-Signature` or `X-Amz-Algorithm` selects presigned
/// verification. With `x-amz-content-sha256: UNSIGNED-PAYLOAD` the body is not covered by the
/// signature; the caller may refuse such requests (see [`UNSIGNED_PAYLOAD`]).
pub fn verify(
    req: &RequestParts<'_>,
    expected_service: &str,
    now_unix: i64,
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<Verified, SigV4Error> {
    let query = parse_query(req.query);
    let auth = extract_auth(req, &query)?;
    let scope = parse_credential(&auth.credential)?;
    let timestamp = parse_amz_date(&auth.amz_date).ok_or_else(|| {
        malformed(
            "Date must be in ISO-8601 'basic format' (yyyyMMdd'T'HHmmss'Z'), \
             e.g. 20260101T000000Z.",
        )
    })?;
    if scope.service != expected_service {
        return Err(SigV4Error::WrongService(format!(
            "Credential should be scoped to correct service: '{expected_service}'."
        )));
    }
    let date_part = auth.amz_date.get(..8).unwrap_or_default();
    if scope.date != date_part {
        return Err(malformed(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{}' != '{date_part}', from '{}'.",
            scope.date, auth.amz_date
        )));
    }
    let signed_headers = parse_signed_headers(&auth.signed_headers)?;
    check_time(&auth.amz_date, timestamp, auth.expires, now_unix)?;

    let secret = secret_for(&scope.access_key_id).ok_or(SigV4Error::UnknownAccessKey)?;

    let payload_hash = payload_hash(req)?;
    let creq = canonical_request(
        req,
        &query,
        auth.presigned,
        &signed_headers,
        &auth.signed_headers,
        &payload_hash,
    );
    let sts = string_to_sign(&auth.amz_date, &scope.scope_string(), &creq);
    let key = signing_key(&secret, &scope.date, &scope.region, &scope.service);
    drop(secret);
    let computed = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), sts.as_bytes());
    constant_time::verify_slices_are_equal(computed.as_ref(), &auth.signature)
        .map_err(|_| SigV4Error::SignatureMismatch)?;

    Ok(Verified {
        access_key_id: scope.access_key_id,
        region: scope.region,
        service: scope.service,
        date: scope.date,
    })
}

/// The authentication values, from the `Authorization` header or the presigning parameters.
struct AuthValues {
    credential: String,
    signed_headers: String,
    /// The decoded signature (never printed).
    signature: [u8; 32],
    amz_date: String,
    /// `Some` for presigned requests.
    expires: Option<i64>,
    presigned: bool,
}

fn extract_auth(req: &RequestParts<'_>, query: &[QueryParam]) -> Result<AuthValues, SigV4Error> {
    let mut authorization = req.header_values("authorization");
    let header = authorization.next();
    if authorization.next().is_some() {
        return Err(malformed(
            "The request must not contain more than one 'Authorization' header.",
        ));
    }
    let presigned = query
        .iter()
        .any(|p| p.key == PARAM_SIGNATURE.as_bytes() || p.key == PARAM_ALGORITHM.as_bytes());
    match (header, presigned) {
        (None, false) => Err(SigV4Error::Missing),
        (Some(_), true) => Err(malformed(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the \
             Authorization header should be specified.",
        )),
        (Some(h), false) => auth_from_header(req, h),
        (None, true) => auth_from_query(query),
    }
}

fn auth_from_header(req: &RequestParts<'_>, header: &str) -> Result<AuthValues, SigV4Error> {
    let header = header.trim();
    let Some(rest) = header.strip_prefix(ALGORITHM) else {
        return Err(malformed(if header.starts_with("AWS4-") {
            "Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is supported."
        } else {
            "Authorization header must use the AWS4-HMAC-SHA256 signing scheme."
        }));
    };
    if !rest.starts_with([' ', '\t']) {
        return Err(malformed(
            "Authorization header must use the AWS4-HMAC-SHA256 signing scheme.",
        ));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for component in rest.split(',') {
        let component = component.trim();
        if component.is_empty() {
            continue;
        }
        let Some((key, value)) = component.split_once('=') else {
            return Err(malformed(
                "Authorization header contains a component that is not a valid key=value pair \
                 (missing equal-sign).",
            ));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(malformed(
                    "Authorization header contains an unknown component; expected only \
                     Credential, SignedHeaders and Signature.",
                ));
            }
        };
        if slot.replace(value.trim()).is_some() {
            return Err(malformed(
                "Authorization header contains a repeated component.",
            ));
        }
    }
    let amz_date = match req.single_header("x-amz-date")? {
        Some(d) => Some(d),
        None => req.single_header("date")?,
    };
    let mut missing = String::new();
    for (present, name) in [
        (credential.is_some(), "'Credential' parameter"),
        (signature.is_some(), "'Signature' parameter"),
        (signed_headers.is_some(), "'SignedHeaders' parameter"),
    ] {
        if !present {
            missing.push_str(&format!("Authorization header requires {name}. "));
        }
    }
    if amz_date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. ",
        );
    }
    match (credential, signed_headers, signature, amz_date) {
        (Some(credential), Some(signed_headers), Some(signature), Some(amz_date)) => {
            Ok(AuthValues {
                credential: credential.to_owned(),
                signed_headers: signed_headers.to_owned(),
                signature: decode_signature(signature)?,
                amz_date: amz_date.trim().to_owned(),
                expires: None,
                presigned: false,
            })
        }
        _ => Err(malformed(missing.trim_end())),
    }
}

fn auth_from_query(query: &[QueryParam]) -> Result<AuthValues, SigV4Error> {
    let names = [
        PARAM_ALGORITHM,
        PARAM_CREDENTIAL,
        PARAM_SIGNATURE,
        PARAM_DATE,
        PARAM_SIGNED_HEADERS,
        PARAM_EXPIRES,
    ];
    let mut values: [Option<String>; 6] = Default::default();
    for (name, slot) in names.iter().zip(values.iter_mut()) {
        let mut found = query.iter().filter(|p| p.key == name.as_bytes());
        let first = found.next();
        if found.next().is_some() {
            return Err(malformed(format!(
                "The query string must not contain more than one '{name}' parameter."
            )));
        }
        if let Some(p) = first {
            let value = String::from_utf8(p.value.clone())
                .map_err(|_| malformed(format!("'{name}' must be valid UTF-8.")))?;
            *slot = Some(value);
        }
    }
    let [
        Some(algorithm),
        Some(credential),
        Some(signature),
        Some(amz_date),
        Some(signed_headers),
        Some(expires),
    ] = values
    else {
        return Err(malformed(
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', \
             'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Expires'. \
             Re-examine the query-string parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(malformed(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\".",
        ));
    }
    let expires = parse_expires(&expires).ok_or_else(|| {
        malformed(format!(
            "X-Amz-Expires must be a whole number of seconds between 1 and \
             {MAX_PRESIGNED_EXPIRES_SECS}."
        ))
    })?;
    Ok(AuthValues {
        credential,
        signed_headers,
        signature: decode_signature(&signature)?,
        amz_date,
        expires: Some(expires),
        presigned: true,
    })
}

fn parse_expires(value: &str) -> Option<i64> {
    if value.is_empty() || value.len() > 7 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = value.parse().ok()?;
    (1..=MAX_PRESIGNED_EXPIRES_SECS).contains(&n).then_some(n)
}

fn decode_signature(signature: &str) -> Result<[u8; 32], SigV4Error> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(signature, &mut out)
        .map_err(|_| malformed("Signature must be 64 hexadecimal characters."))?;
    Ok(out)
}

/// A parsed credential scope `AKID/yyyymmdd/region/service/aws4_request`.
struct Scope {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
}

impl Scope {
    fn scope_string(&self) -> String {
        format!(
            "{}/{}/{}/{SCOPE_TERMINATOR}",
            self.date, self.region, self.service
        )
    }
}

fn parse_credential(credential: &str) -> Result<Scope, SigV4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed(
            "Credential must have the form <access key id>/<yyyymmdd>/<region>/<service>/\
             aws4_request.",
        ));
    };
    if *terminator != SCOPE_TERMINATOR {
        return Err(malformed(
            "Credential should be scoped with a valid terminator: 'aws4_request'.",
        ));
    }
    if access_key_id.is_empty() {
        return Err(malformed("Credential must name an access key id."));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            "Credential should be scoped to a valid date (yyyymmdd).",
        ));
    }
    if region.is_empty() {
        return Err(malformed("Credential should be scoped to a valid region."));
    }
    if service.is_empty() {
        return Err(malformed("Credential should be scoped to a valid service."));
    }
    Ok(Scope {
        access_key_id: (*access_key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
    })
}

fn parse_signed_headers(signed_headers: &str) -> Result<Vec<&str>, SigV4Error> {
    let names: Vec<&str> = signed_headers.split(';').collect();
    let valid_name = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
            })
    };
    if !names.iter().all(valid_name) {
        return Err(malformed(
            "SignedHeaders must be a ';'-separated list of lowercase header names.",
        ));
    }
    if !names.contains(&"host") {
        return Err(malformed(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(names)
}

fn check_time(
    amz_date: &str,
    timestamp: i64,
    expires: Option<i64>,
    now: i64,
) -> Result<(), SigV4Error> {
    let earliest = now.saturating_sub(MAX_CLOCK_SKEW_SECS);
    let latest = now.saturating_add(MAX_CLOCK_SKEW_SECS);
    if timestamp > latest {
        return Err(SigV4Error::Expired(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
            format_amz_date(latest),
            format_amz_date(now)
        )));
    }
    match expires {
        None if timestamp < earliest => Err(SigV4Error::Expired(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
            format_amz_date(earliest),
            format_amz_date(now)
        ))),
        Some(expires) if now > timestamp.saturating_add(expires) => {
            Err(SigV4Error::Expired(format!(
                "Request has expired: X-Amz-Date {amz_date} plus X-Amz-Expires {expires} seconds \
                 is earlier than {}.",
                format_amz_date(now)
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
