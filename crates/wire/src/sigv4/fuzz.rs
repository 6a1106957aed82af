//! The `sigv4` fuzz target (see `fuzz/` and docs/security.md): arbitrary requests through
//! [`verify`], with a fixed key and clock.
//!
//! The input is a request as text:
//!
//! ```text
//! <expected service>          a leading '!' asks the target to sign the request itself
//! <METHOD> <path>[?<query>]
//! <name>: <value>             headers, until an empty line
//!
//! <body>
//! ```
//!
//! Invariants, besides not panicking:
//! - a verified request names the expected service, a known key and a date within the clock
//!   skew; changing its method, its query or (when the payload is signed) its body makes it
//!   fail;
//! - a request signed here over all its headers (the `!` mode) verifies;
//! - an `x-amz-date` that parses formats back to the same text.

use super::*;

/// The clock of every run: AWS's documented example request's date, 20150830T123600Z.
pub const NOW: i64 = 1_440_938_160;
/// The one known access key (AWS's documentation example).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// Its secret (AWS's documentation example).
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";

fn secret_for(akid: &str) -> Option<String> {
    (akid == ACCESS_KEY_ID).then(|| SECRET.to_owned())
}

/// A request decoded from the fuzzer's bytes.
struct Input {
    service: String,
    sign: bool,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Input {
    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn verify(&self) -> Result<Verified, SigV4Error> {
        verify(&self.parts(), &self.service, NOW, secret_for)
    }
}

fn decode(data: &[u8]) -> Option<Input> {
    let mut rest = data;
    let mut line = || -> Option<String> {
        let end = rest.iter().position(|&b| b == b'\n')?;
        let (head, tail) = rest.split_at(end);
        rest = tail.get(1..).unwrap_or_default();
        let head = head.strip_suffix(b"\r").unwrap_or(head);
        Some(String::from_utf8_lossy(head).into_owned())
    };
    let service = line()?;
    let request_line = line()?;
    let mut headers = Vec::new();
    while let Some(header) = line() {
        if header.is_empty() {
            break;
        }
        // As the server sees them: names lowercased (the http crate), values as received.
        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
        headers.push((name.to_ascii_lowercase(), value.trim_start().to_owned()));
    }
    let (method, target) = request_line.split_once(' ').unwrap_or((&request_line, "/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (service, sign) = match service.strip_prefix('!') {
        Some(s) => (s.to_owned(), true),
        None => (service, false),
    };
    Some(Input {
        service,
        sign,
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: rest.to_vec(),
    })
}

/// Runs one input; panics when an invariant does not hold.
pub fn run(data: &[u8]) {
    let Some(mut input) = decode(data) else {
        return;
    };
    for (_, value) in &input.headers {
        if let Some(t) = parse_amz_date(value) {
            assert_eq!(&format_amz_date(t), value, "x-amz-date round trip");
        }
    }
    if input.sign && !sign(&mut input) {
        return;
    }
    let result = input.verify();
    if input.sign {
        assert!(
            result.is_ok(),
            "a request signed here is refused: {result:?}"
        );
    }
    if let Ok(verified) = result {
        check_verified(&input, &verified);
    }
}

/// Signs the request over all its (validly named) headers, as an SDK would; `false` if it
/// cannot be signed (a scope that would not parse, a bad `x-amz-content-sha256`).
fn sign(input: &mut Input) -> bool {
    // A signing name as the SDKs have them (nothing that would end the header's component).
    let service_ok = !input.service.is_empty()
        && input
            .service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !service_ok {
        return false;
    }
    input.headers.retain(|(name, _)| {
        !name.is_empty()
            && name != "authorization"
            && name != "x-amz-date"
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
            })
    });
    // The query's presigning parameters would select presigned verification.
    let query = parse_query(&input.query);
    if query
        .iter()
        .any(|p| p.key == PARAM_SIGNATURE.as_bytes() || p.key == PARAM_ALGORITHM.as_bytes())
    {
        return false;
    }
    if !input.headers.iter().any(|(n, _)| n == "host") {
        input
            .headers
            .push(("host".to_owned(), "cognito-idp.example".to_owned()));
    }
    let key = super::sign::SigningKey {
        access_key_id: ACCESS_KEY_ID,
        secret_access_key: SECRET,
        session_token: None,
    };
    let (method, path, query) = (
        input.method.clone(),
        input.path.clone(),
        input.query.clone(),
    );
    let mut headers = std::mem::take(&mut input.headers);
    let signed = super::sign::sign(
        &method,
        &path,
        &query,
        &mut headers,
        &input.body,
        &input.service,
        REGION,
        &key,
        NOW,
    );
    input.headers = headers;
    signed.is_ok()
}

fn check_verified(input: &Input, verified: &Verified) {
    assert_eq!(verified.service, input.service);
    assert_eq!(verified.access_key_id, ACCESS_KEY_ID);
    let date = parse_amz_date(&format!("{}T000000Z", verified.date));
    assert!(
        date.is_some_and(|d| (NOW - MAX_PRESIGNED_EXPIRES_SECS - 86_400
            ..=NOW + MAX_CLOCK_SKEW_SECS)
            .contains(&d)),
        "verified with a date outside the window: {}",
        verified.date
    );

    let mut other = Input {
        method: format!("{}X", input.method),
        ..clone(input)
    };
    assert!(other.verify().is_err(), "the method is not covered");
    other.method.clone_from(&input.method);
    other.query = if input.query.is_empty() {
        "tampered=1".to_owned()
    } else {
        format!("{}&tampered=1", input.query)
    };
    assert!(other.verify().is_err(), "the query is not covered");
    let unsigned = input
        .headers
        .iter()
        .any(|(n, v)| n == "x-amz-content-sha256" && v.trim() == UNSIGNED_PAYLOAD);
    if !unsigned {
        let mut other = clone(input);
        other.body.push(b'!');
        assert!(other.verify().is_err(), "the body is not covered");
    }
}

fn clone(input: &Input) -> Input {
    Input {
        service: input.service.clone(),
        sign: input.sign,
        method: input.method.clone(),
        path: input.path.clone(),
        query: input.query.clone(),
        headers: input.headers.clone(),
        body: input.body.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// The saved corpus holds requests that verify, so the fuzzer starts past the signature
    /// check: AWS's documented example and two signed by an independent signer (Python's
    /// hmac, in the commit that added them).
    #[test]
    fn signed_seeds_verify() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/sigv4");
        for seed in [
            "aws_doc_get",
            "cognito_post",
            "cognito_post_content_sha",
            "presigned_get",
        ] {
            let data = std::fs::read(dir.join(seed)).unwrap();
            let input = decode(&data).unwrap();
            assert!(input.verify().is_ok(), "{seed}: {:?}", input.verify());
        }
    }
}
