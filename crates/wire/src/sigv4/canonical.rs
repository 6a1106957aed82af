//! SigV4 canonicalisation: the payload hash, canonical request, string to sign, signing key,
//! and the URI, query and header normalisation rules of the AWS SDKs for non-S3 services.

use aws_lc_rs::{digest, hmac};

use super::{
    ALGORITHM, PARAM_SIGNATURE, RequestParts, SCOPE_TERMINATOR, SigV4Error, UNSIGNED_PAYLOAD,
    malformed,
};

pub(super) fn payload_hash(req: &RequestParts<'_>) -> Result<String, SigV4Error> {
    let body_hash = || hex::encode(digest::digest(&digest::SHA256, req.body));
    match req.single_header("x-amz-content-sha256")? {
        None => Ok(body_hash()),
        Some(v) if v.trim() == UNSIGNED_PAYLOAD => Ok(UNSIGNED_PAYLOAD.to_owned()),
        Some(v) => {
            let v = v.trim();
            if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(malformed(
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the \
                     body.",
                ));
            }
            // The header is what the client signed; it must also describe the body we got,
            // or the body would not be covered by the signature.
            if !v.eq_ignore_ascii_case(&body_hash()) {
                return Err(SigV4Error::SignatureMismatch);
            }
            Ok(v.to_owned())
        }
    }
}

/// Builds the canonical request (step 1 of SigV4).
pub(super) fn canonical_request(
    req: &RequestParts<'_>,
    query: &[QueryParam],
    presigned: bool,
    signed_headers: &[&str],
    signed_headers_raw: &str,
    payload_hash: &str,
) -> String {
    let mut out = String::with_capacity(256 + req.path.len() + req.query.len());
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req.path));
    out.push('\n');
    out.push_str(&canonical_query(query, presigned));
    out.push('\n');
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        let values: Vec<String> = req
            .header_values(name)
            .map(normalize_header_value)
            .collect();
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(signed_headers_raw);
    out.push('\n');
    out.push_str(payload_hash);
    out
}

pub(super) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let hash = hex::encode(digest::digest(
        &digest::SHA256,
        canonical_request.as_bytes(),
    ));
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{hash}")
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
pub(super) fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_secret = format!("AWS4{secret}");
    let mut key = k_secret.into_bytes();
    for part in [date, region, service, SCOPE_TERMINATOR] {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), part.as_bytes());
        key = tag.as_ref().to_vec();
    }
    key
}

/// Trims surrounding whitespace and collapses runs of spaces into one.
pub(super) fn normalize_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut prev_space = false;
    for c in value.trim_matches([' ', '\t']).chars() {
        if c == ' ' {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
    out
}

/// The canonical URI for non-S3 services: the raw (already once-encoded) path, normalized per
/// RFC 3986 §5.2.4 with empty segments removed, then percent-encoded again (slashes kept).
pub(super) fn canonical_uri(raw_path: &str) -> String {
    uri_encode(normalize_path(raw_path).as_bytes(), true)
}

pub(super) fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    if !path.contains('.') && !path.contains("//") {
        return path;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    let ends_with_slash = ["/", "/.", "/.."].iter().any(|s| path.ends_with(s));
    if ends_with_slash && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` if `keep_slash`).
pub(super) fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// A decoded query parameter.
pub(super) struct QueryParam {
    pub(super) key: Vec<u8>,
    pub(super) value: Vec<u8>,
}

pub(super) fn parse_query(query: &str) -> Vec<QueryParam> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
            QueryParam {
                key: form_decode(k),
                value: form_decode(v),
            }
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space), like the AWS SDKs' signers do; a `%` not
/// followed by two hex digits is kept literally.
pub(super) fn form_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|&c| hex_val(c));
                let lo = bytes.get(i + 2).and_then(|&c| hex_val(c));
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

pub(super) fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parameters sorted by encoded name, then encoded value; `X-Amz-Signature` left out of
/// presigned requests.
pub(super) fn canonical_query(query: &[QueryParam], presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|p| !(presigned && p.key == PARAM_SIGNATURE.as_bytes()))
        .map(|p| (uri_encode(&p.key, false), uri_encode(&p.value, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn canonical_uri_and_query_rules() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a b/%20/ü"), "/a%20b/%2520/%C3%BC");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/example/.."), "/");
        assert_eq!(canonical_uri("/a/b/../../.."), "/");
        assert_eq!(canonical_uri("/./"), "/");
        assert_eq!(canonical_uri("/foo/bar/."), "/foo/bar/");
        assert_eq!(canonical_uri("/a:b"), "/a%3Ab");
        assert_eq!(
            canonical_query(&parse_query("b=2&a=1&a=0&c&d=%7e&e=a+b&&f=%zz"), false),
            "a=0&a=1&b=2&c=&d=~&e=a%20b&f=%25zz"
        );
        assert_eq!(
            canonical_query(&parse_query("X-Amz-Signature=abc&z=1"), true),
            "z=1"
        );
        assert_eq!(normalize_header_value("  a   b \t"), "a b");
    }
}
