//! Domain errors. They name what went wrong in Cognito's vocabulary but know nothing of
//! HTTP: the server maps each variant to its modeled exception in one place.

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A named resource (pool, client, ...) does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// The request is well-formed but breaks a rule of the pool or of Cognito.
    #[error("{0}")]
    InvalidParameter(String),
    /// An OAuth flow setting that Cognito refuses.
    #[error("{0}")]
    InvalidOAuthFlow(String),
    /// A scope that neither Cognito nor any resource server of the pool defines.
    #[error("{0}")]
    ScopeDoesNotExist(String),
    /// The resource is not in the state the operation needs (an import job not uploaded,
    /// already started, ...).
    #[error("{0}")]
    PreconditionNotMet(String),
    /// A quota was reached.
    #[error("{0}")]
    LimitExceeded(String),
    /// Another request changed the same resource at the same time and retries ran out.
    #[error("{0}")]
    ConcurrentModification(String),
    /// The caller may not do this.
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    UserNotFound(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    AliasExists(String),
    #[error("{0}")]
    GroupExists(String),
    /// An app client already has terms of this name.
    #[error("{0}")]
    TermsExists(String),
    /// An app client already has a managed login branding style.
    #[error("{0}")]
    ManagedLoginBrandingExists(String),
    #[error("{0}")]
    CodeMismatch(String),
    /// A trigger refused the operation (its message).
    #[error("{0}")]
    UserLambdaValidation(String),
    /// A trigger could not be invoked or did not answer in time.
    #[error("{0}")]
    UnexpectedLambda(String),
    /// A trigger's answer is not the event it was given.
    #[error("{0}")]
    InvalidLambdaResponse(String),
    /// A passkey operation failed: the exception's name, and the message.
    #[error("{1}")]
    WebAuthn(&'static str, String),
    /// A wrong code while verifying a new software token.
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
    #[error("{0}")]
    ExpiredCode(String),
    /// An identity provider's name or identifier is taken.
    #[error("{0}")]
    DuplicateProvider(String),
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    UserNotConfirmed(String),
    #[error("{0}")]
    PasswordResetRequired(String),
    #[error("{0}")]
    CodeDeliveryFailure(String),
    #[error("{0}")]
    TooManyFailedAttempts(String),
    #[error("{0}")]
    UnsupportedUserState(String),
    /// A refresh token that rotation has replaced, presented after its grace period.
    #[error("{0}")]
    RefreshTokenReuse(String),
    /// RevokeToken was given a token that is not a refresh token.
    #[error("{0}")]
    UnsupportedTokenType(String),
    /// The client may not do this (RevokeToken with a foreign token or a wrong secret).
    #[error("{0}")]
    Unauthorized(String),
    /// The operation is switched off for this client (RevokeToken without revocation).
    #[error("{0}")]
    UnsupportedOperation(String),
    /// The operation is not available here: a secondary Region of a replicated pool.
    #[error("{0}")]
    OperationNotEnabled(String),
    /// The pool's feature plan does not include the feature.
    #[error("{0}")]
    FeatureUnavailableInTier(String),
    /// Storage failed. The detail is for logs only and is never shown to clients.
    #[error("storage failure: {0}")]
    Storage(#[from] crate::store::StoreError),
}
