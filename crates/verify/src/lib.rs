//! Verification of RS256 JSON Web Tokens from Amazon Cognito user pools, Tessera, or any
//! OIDC issuer, for Rust services.
//!
//! - Keys: the issuer's JWKS is fetched and cached; it is fetched again when it is older
//!   than `jwks_max_age`, or when a token names an unknown `kid` (at most every
//!   `jwks_min_refresh`); while the issuer cannot be reached the keys already held are used.
//! - Checks, each refusal with its own [`VerifyError`]: size, structure, base64url and JSON;
//!   `alg` (RS256 only: `none`, HMAC algorithms and others are refused, as is an algorithm
//!   the key does not declare); the signature; `exp`, `nbf` and `iat` with a leeway; `iss`;
//!   Cognito's `token_use`; the audience (`aud` for ID tokens, `client_id` for access
//!   tokens); required scopes and groups.
//! - Verified tokens are remembered (bounded, keyed by the SHA-256 of the token), so a token
//!   seen again costs a hash and a lookup; never past its expiry.
//! - [`require_bearer`]: an axum middleware putting the verified [`Claims`] into the request.
//!
//! ```no_run
//! # async fn f(token: &str) -> Result<(), tessera_verify::VerifyError> {
//! use tessera_verify::{Config, TokenUse, Verifier};
//! let v = Verifier::new(
//!     Config::tessera("http://localhost:9229", "us-east-1_AbCdEfGhI")
//!         .token_use(TokenUse::Access)
//!         .audience("1example23456789")
//!         .scope("aws.cognito.signin.user.admin"),
//! );
//! let claims = v.verify(token).await?;
//! println!("{}", claims.sub().unwrap_or_default());
//! # Ok(()) }
//! ```

mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod jwks;
mod layer;
mod verifier;

pub use error::VerifyError;
pub use jwks::JwksSource;
pub use layer::{bearer, refusal, require_bearer};
pub use verifier::{Claims, Config, TokenUse, Verifier};

#[cfg(test)]
mod tests;
