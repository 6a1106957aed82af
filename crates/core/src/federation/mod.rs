//! Federation: user pools' sign-in through other identity providers (developer guide,
//! "Adding user pool sign-in through a third party"): the identity-provider operations
//! (`providers`), the provider details each type needs and what Cognito fills in
//! (`details`), federated users and links to native users (`users`), and the
//! authorization-code flow to an upstream OpenID Connect or OAuth 2.0 provider behind
//! `/oauth2/authorize` and `/oauth2/idpresponse` (`oidc`).
//!
//! Everything that talks to the upstream goes through the [`Upstream`] port (HTTP and the
//! upstream's JWT signatures), implemented outside core (docs/adr/0018).

pub mod details;
pub mod oidc;
pub mod providers;
pub mod saml;
pub mod saml_flow;
mod signing;
pub mod users;

use async_trait::async_trait;
use serde_json::{Map, Value};

/// Fuzzing entry point (`fuzz/fuzz_targets/federation.rs`): any bytes, as text, through
/// every parser of what an upstream identity provider sends — SAML responses, metadata and
/// logout messages (`saml`), an OpenID Provider's discovery document (`details`), its token
/// and userInfo answers and Apple's `user` field (`oidc`), and claims mapped to attributes
/// (`users`). Each asserts its own invariants (docs/security.md, "Fuzzing").
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    saml::fuzz(&text);
    details::fuzz(&text);
    oidc::fuzz(&text);
    users::fuzz(&text);
}

#[cfg(test)]
mod fuzz_smoke {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    include!("../../../../fuzz/smoke.rs");

    #[test]
    fn federation_corpus_and_mutations() {
        smoke("federation", super::fuzz, 300);
    }
}

/// Why a call to an upstream provider failed. The text is for logs and never holds a
/// secret; clients see Cognito's generic answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream could not be reached, or answered with something unreadable.
    #[error("upstream unreachable: {0}")]
    Unreachable(String),
    /// The upstream answered with an error status (its `error` field, if any).
    #[error("upstream refused: {0}")]
    Refused(String),
    /// A JWT whose signature, issuer, audience or times do not check out.
    #[error("invalid upstream token: {0}")]
    InvalidToken(String),
    /// No upstream is configured on this server.
    #[error("federation is not available on this server")]
    Unavailable,
}

/// How a request to the upstream's token endpoint authenticates the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the URL-encoded id and secret.
    Basic,
    /// `client_secret_post`: the id and secret in the form.
    Post,
}

/// The port to upstream identity providers.
#[async_trait]
pub trait Upstream: Send + Sync {
    /// GET `url` (with `bearer` as an Authorization header), the body of a 2xx answer.
    async fn get(&self, url: &str, bearer: Option<&str>) -> Result<String, UpstreamError>;
    /// POST a form to `url` (with `basic` as HTTP Basic credentials, or `bearer`), the body
    /// of a 2xx answer.
    async fn post_form(
        &self,
        url: &str,
        form: &[(String, String)],
        basic: Option<(&str, &str)>,
        bearer: Option<&str>,
    ) -> Result<String, UpstreamError>;
    /// Verifies an RS256 JWT of `issuer`, signed with a key of `jwks_uri`, for `audience`
    /// (`aud`), not expired: its claims.
    async fn verify_jwt(
        &self,
        issuer: &str,
        jwks_uri: &str,
        audience: &str,
        token: &str,
    ) -> Result<Map<String, Value>, UpstreamError>;
}

/// The port when nothing is wired: every call fails.
pub struct NoUpstream;

#[async_trait]
impl Upstream for NoUpstream {
    async fn get(&self, _: &str, _: Option<&str>) -> Result<String, UpstreamError> {
        Err(UpstreamError::Unavailable)
    }
    async fn post_form(
        &self,
        _: &str,
        _: &[(String, String)],
        _: Option<(&str, &str)>,
        _: Option<&str>,
    ) -> Result<String, UpstreamError> {
        Err(UpstreamError::Unavailable)
    }
    async fn verify_jwt(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<Map<String, Value>, UpstreamError> {
        Err(UpstreamError::Unavailable)
    }
}
