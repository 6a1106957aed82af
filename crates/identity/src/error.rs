//! Identity-pool errors, in `cognito-identity`'s vocabulary. The server maps each variant to
//! the modeled exception of the same name.

use tessera_core::store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum IdentityError {
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    ResourceConflict(String),
    #[error("{0}")]
    InvalidIdentityPoolConfiguration(String),
    /// A service Tessera depends on (the STS, an OpenID provider) failed or is unreachable.
    #[error("{0}")]
    ExternalService(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    ConcurrentModification(String),
    #[error("{0}")]
    DeveloperUserAlreadyRegistered(String),
    /// Storage failed; the text is for logs, never for the caller.
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    /// Something that should not happen; the text is for logs.
    #[error("internal: {0}")]
    Internal(String),
}

impl IdentityError {
    /// The modeled exception this error is answered with.
    pub fn exception(&self) -> &'static str {
        match self {
            IdentityError::ResourceNotFound(_) => "ResourceNotFoundException",
            IdentityError::InvalidParameter(_) => "InvalidParameterException",
            IdentityError::NotAuthorized(_) => "NotAuthorizedException",
            IdentityError::ResourceConflict(_) => "ResourceConflictException",
            IdentityError::InvalidIdentityPoolConfiguration(_) => {
                "InvalidIdentityPoolConfigurationException"
            }
            IdentityError::ExternalService(_) => "ExternalServiceException",
            IdentityError::LimitExceeded(_) => "LimitExceededException",
            IdentityError::ConcurrentModification(_) => "ConcurrentModificationException",
            IdentityError::DeveloperUserAlreadyRegistered(_) => {
                "DeveloperUserAlreadyRegisteredException"
            }
            IdentityError::Storage(_) | IdentityError::Internal(_) => "InternalErrorException",
        }
    }
}

pub(crate) fn pool_not_found(id: &str) -> IdentityError {
    IdentityError::ResourceNotFound(format!("IdentityPool '{id}' not found."))
}

pub(crate) fn identity_not_found(id: &str) -> IdentityError {
    IdentityError::ResourceNotFound(format!("Identity '{id}' not found."))
}
