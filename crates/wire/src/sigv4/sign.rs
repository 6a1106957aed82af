//! Signing an outgoing request (Tessera as an AWS client: live migration asks a source
//! Cognito pool). The same canonicalisation as [`super::verify`], so what one signs the
//! other accepts.

use aws_lc_rs::hmac;

use super::canonical::{canonical_request, parse_query, payload_hash, signing_key, string_to_sign};
use super::time::format_amz_date;
use super::{ALGORITHM, RequestParts, Scope, SigV4Error};

/// An AWS key pair, with the session token of temporary credentials.
#[derive(Clone)]
pub struct SigningKey<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

impl std::fmt::Debug for SigningKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Signs a request over all of `headers` (names lowercase; `host` must be among them) as the
/// AWS SDKs do, adding `x-amz-date`, `x-amz-security-token` (temporary credentials) and
/// `authorization` to `headers`. `now_unix` is the signing time in seconds.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &mut Vec<(String, String)>,
    body: &[u8],
    service: &str,
    region: &str,
    key: &SigningKey<'_>,
    now_unix: i64,
) -> Result<(), SigV4Error> {
    headers.retain(|(n, _)| n != "authorization" && n != "x-amz-date");
    if !headers.iter().any(|(n, _)| n == "host") {
        return Err(super::malformed("The host header must be signed."));
    }
    let amz_date = format_amz_date(now_unix);
    headers.push(("x-amz-date".to_owned(), amz_date.clone()));
    if let Some(token) = key.session_token {
        headers.retain(|(n, _)| n != "x-amz-security-token");
        headers.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    let mut names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let signed_headers_raw = names.join(";");
    let parts = RequestParts {
        method,
        path,
        query,
        headers,
        body,
    };
    let payload_hash = payload_hash(&parts)?;
    let scope = Scope {
        access_key_id: key.access_key_id.to_owned(),
        date: amz_date.get(..8).unwrap_or_default().to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    };
    let creq = canonical_request(
        &parts,
        &parse_query(query),
        false,
        &names,
        &signed_headers_raw,
        &payload_hash,
    );
    let sts = string_to_sign(&amz_date, &scope.scope_string(), &creq);
    let signing = signing_key(key.secret_access_key, &scope.date, region, service);
    let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &signing), sts.as_bytes());
    let authorization = format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers_raw}, Signature={}",
        key.access_key_id,
        scope.scope_string(),
        hex::encode(signature.as_ref())
    );
    headers.push(("authorization".to_owned(), authorization));
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::super::tests::{
        AKID, Opts, Received, SECRET, SERVICE, T0, expected, list_users, sign_with_sdk,
    };
    use super::{SigningKey, sign};

    /// Tessera's own signer (live migration's client) writes what the SDK writes, with and
    /// without a session token, and what it signs verifies.
    #[test]
    fn own_signer_matches_the_sdk() {
        for token in [None, Some("FwoGZXIvYXdzEXAMPLETOKEN")] {
            let mut req = list_users();
            req.headers_mut().remove("user-agent");
            let sdk = sign_with_sdk(
                req,
                &Opts {
                    token,
                    ..Opts::default()
                },
            );
            let body = sdk.body.clone();
            let mut ours: Vec<(String, String)> = sdk
                .headers
                .iter()
                .filter(|(n, _)| {
                    !["authorization", "x-amz-date", "x-amz-security-token"].contains(&n.as_str())
                })
                .cloned()
                .collect();
            let key = SigningKey {
                access_key_id: AKID,
                secret_access_key: SECRET,
                session_token: token,
            };
            sign(
                "POST",
                "/",
                "",
                &mut ours,
                &body,
                SERVICE,
                "us-east-1",
                &key,
                T0,
            )
            .unwrap();
            let get = |h: &[(String, String)], n: &str| {
                h.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
            };
            assert_eq!(
                get(&ours, "authorization"),
                get(&sdk.headers, "authorization")
            );
            assert_eq!(get(&ours, "x-amz-security-token"), token.map(str::to_owned));
            let received = Received {
                headers: ours,
                ..sdk.clone()
            };
            assert_eq!(received.verify(SERVICE, T0), Ok(expected("us-east-1")));
        }
    }
}
