//! The one API error type and the single place where domain errors become Cognito exceptions.
//!
//! A client sees `{"__type": "<Exception>", "message": "<Cognito's wording>"}` and the
//! `x-amzn-ErrorType` header; the internal detail goes to the log only.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tessera_core::CoreError;
use tessera_wire::error;
use tessera_wire::validate::InputError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// The modeled exception name (`__type`).
    pub code: &'static str,
    /// The message shown to the client. Never contains secrets.
    pub message: String,
    /// Detail for the log only.
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            detail: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalErrorException",
            message: "An internal error occurred.".into(),
            detail: Some(detail.into()),
        }
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError::new("SerializationException", message)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::ResourceNotFound(m) => ApiError::new("ResourceNotFoundException", m),
            CoreError::InvalidParameter(m) => ApiError::new("InvalidParameterException", m),
            CoreError::InvalidOAuthFlow(m) => ApiError::new("InvalidOAuthFlowException", m),
            CoreError::ScopeDoesNotExist(m) => ApiError::new("ScopeDoesNotExistException", m),
            CoreError::LimitExceeded(m) => ApiError::new("LimitExceededException", m),
            CoreError::PreconditionNotMet(m) => ApiError::new("PreconditionNotMetException", m),
            CoreError::ConcurrentModification(m) => {
                ApiError::new("ConcurrentModificationException", m)
            }
            CoreError::NotAuthorized(m) => ApiError::new("NotAuthorizedException", m),
            CoreError::UserNotFound(m) => ApiError::new("UserNotFoundException", m),
            CoreError::UsernameExists(m) => ApiError::new("UsernameExistsException", m),
            CoreError::AliasExists(m) => ApiError::new("AliasExistsException", m),
            CoreError::GroupExists(m) => ApiError::new("GroupExistsException", m),
            CoreError::TermsExists(m) => ApiError::new("TermsExistsException", m),
            CoreError::ManagedLoginBrandingExists(m) => {
                ApiError::new("ManagedLoginBrandingExistsException", m)
            }
            CoreError::CodeMismatch(m) => ApiError::new("CodeMismatchException", m),
            CoreError::WebAuthn(kind, m) => ApiError::new(kind, m),
            CoreError::UserLambdaValidation(m) => ApiError::new("UserLambdaValidationException", m),
            CoreError::UnexpectedLambda(m) => ApiError::new("UnexpectedLambdaException", m),
            CoreError::InvalidLambdaResponse(m) => {
                ApiError::new("InvalidLambdaResponseException", m)
            }
            CoreError::EnableSoftwareTokenMfa(m) => {
                ApiError::new("EnableSoftwareTokenMFAException", m)
            }
            CoreError::ExpiredCode(m) => ApiError::new("ExpiredCodeException", m),
            CoreError::InvalidPassword(m) => ApiError::new("InvalidPasswordException", m),
            CoreError::UserNotConfirmed(m) => ApiError::new("UserNotConfirmedException", m),
            CoreError::PasswordResetRequired(m) => {
                ApiError::new("PasswordResetRequiredException", m)
            }
            CoreError::CodeDeliveryFailure(m) => ApiError::new("CodeDeliveryFailureException", m),
            CoreError::TooManyFailedAttempts(m) => {
                ApiError::new("TooManyFailedAttemptsException", m)
            }
            CoreError::UnsupportedUserState(m) => ApiError::new("UnsupportedUserStateException", m),
            CoreError::RefreshTokenReuse(m) => ApiError::new("RefreshTokenReuseException", m),
            CoreError::UnsupportedTokenType(m) => ApiError::new("UnsupportedTokenTypeException", m),
            CoreError::Unauthorized(m) => ApiError::new("UnauthorizedException", m),
            CoreError::UnsupportedOperation(m) => ApiError::new("UnsupportedOperationException", m),
            CoreError::OperationNotEnabled(m) => ApiError::new("OperationNotEnabledException", m),
            CoreError::FeatureUnavailableInTier(m) => {
                ApiError::new("FeatureUnavailableInTierException", m)
            }
            CoreError::DuplicateProvider(m) => ApiError::new("DuplicateProviderException", m),
            CoreError::Storage(e) => ApiError::internal(e.to_string()),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<tessera_identity::IdentityError> for ApiError {
    fn from(e: tessera_identity::IdentityError) -> Self {
        use tessera_identity::IdentityError as E;
        match e {
            E::Storage(_) | E::Internal(_) => ApiError::internal(e.to_string()),
            other => {
                let code = other.exception();
                ApiError::new(code, other.to_string())
            }
        }
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        match e {
            InputError::Serialization(m) => ApiError::serialization(m),
            InputError::Invalid(m) => ApiError::new("InvalidParameterException", m),
            InputError::Validation(m) => ApiError::new("ValidationException", m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(detail) = &self.detail {
            tracing::error!(code = self.code, detail = %detail, "request failed");
        }
        let body = error::error_body(self.code, &self.message);
        let mut resp = (self.status, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            "content-type",
            HeaderValue::from_static(error::CONTENT_TYPE),
        );
        h.insert(
            error::ERROR_TYPE_HEADER,
            HeaderValue::from_static(self.code),
        );
        resp
    }
}
