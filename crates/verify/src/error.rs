//! Why a token was refused: one variant per cause, so callers (and tests) can tell them apart.

/// A refused token, or a JWKS that could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no token")]
    Missing,
    #[error("the token is longer than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the token is not three dot-separated parts")]
    Malformed,
    #[error("a part of the token is not base64url")]
    MalformedBase64,
    #[error("the token's header or payload is not the expected JSON")]
    MalformedJson,
    #[error("unsigned tokens (alg none) are refused")]
    AlgNone,
    #[error("HMAC algorithm {0} refused: the keys are RSA public keys")]
    HmacAlgorithm(String),
    #[error("algorithm {0} is not supported (RS256 only)")]
    UnsupportedAlgorithm(String),
    #[error("the token has no kid")]
    MissingKid,
    #[error("no key {0} in the JWKS, even after refreshing it")]
    UnknownKid(String),
    #[error("key {kid} declares algorithm {declared}, not {used}")]
    AlgorithmNotDeclared {
        kid: String,
        declared: String,
        used: String,
    },
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token has been revoked")]
    Revoked,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token was issued in the future (iat)")]
    IssuedInFuture,
    #[error("the token lacks the {0} claim")]
    MissingClaim(&'static str),
    #[error("issuer {0} is not the one expected")]
    WrongIssuer(String),
    #[error("token_use {0} is not the one expected")]
    WrongTokenUse(String),
    #[error("the token was issued to another client")]
    WrongAudience,
    #[error("scope {0} is required")]
    MissingScope(String),
    #[error("membership of group {0} is required")]
    MissingGroup(String),
    #[error("the JWKS could not be fetched: {0}")]
    Jwks(String),
}

impl VerifyError {
    /// Whether the token is acceptable but lacks a permission (a scope or a group): HTTP
    /// 403 rather than 401.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            VerifyError::MissingScope(_) | VerifyError::MissingGroup(_)
        )
    }
}
