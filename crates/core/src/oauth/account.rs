//! The hosted pages' account steps: sign-up, confirmation, a new code, and the forgotten
//! password. Each goes through the same operation the API offers (so every rule, message
//! and delivery is the same); the page acts for the client, so it computes the client's
//! SECRET_HASH itself.

use tessera_wire::idp::{
    AttributeType, CodeDeliveryDetailsType, ConfirmForgotPasswordRequest, ConfirmSignUpRequest,
    ForgotPasswordRequest, ResendConfirmationCodeRequest, SignUpRequest, SignUpResponse,
};

use super::flow::Authorization;
use crate::users::attributes::required_names;
use crate::users::{secret_hash, username_attributes};
use crate::{CoreError, Tessera};

/// What the sign-up form asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SignUpFields {
    /// The pool signs in by email or phone number instead of a user name: the first of
    /// those attributes is what the user types as their name.
    pub username_attribute: Option<String>,
    /// Required attributes, besides the one standing for the user name.
    pub required: Vec<String>,
    /// Whether anyone may sign up (false when only administrators create users).
    pub open: bool,
}

fn hash_for(a: &Authorization, username: &str) -> Option<String> {
    a.client
        .secret
        .as_ref()
        .map(|s| secret_hash(s.expose(), username, &a.client.client_id))
}

impl Tessera {
    /// The sign-up form's fields for the authorization's pool.
    pub fn sign_up_fields(&self, a: &Authorization) -> SignUpFields {
        let username_attribute = username_attributes(&a.pool).first().cloned();
        let mut required = required_names(&a.pool);
        // The e-mail address is asked for whenever codes go there.
        let verifies_email = a
            .pool
            .config
            .auto_verified_attributes
            .iter()
            .flatten()
            .any(|v| v == "email");
        if verifies_email && !required.iter().any(|r| r == "email") {
            required.insert(0, "email".into());
        }
        required.retain(|r| Some(r) != username_attribute.as_ref());
        let open = a
            .pool
            .config
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.allow_admin_create_user_only)
            != Some(true);
        SignUpFields {
            username_attribute,
            required,
            open,
        }
    }

    /// `SignUp` from the hosted page. `attributes` holds the form's attribute fields.
    pub async fn hosted_sign_up(
        &self,
        a: &Authorization,
        username: &str,
        password: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<SignUpResponse, CoreError> {
        let fields = self.sign_up_fields(a);
        let mut attrs: Vec<AttributeType> = attributes
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, value)| AttributeType {
                name,
                value: Some(value),
            })
            .collect();
        // Signing in by e-mail or phone: the name typed is that attribute.
        if let Some(attr) = &fields.username_attribute {
            attrs.retain(|x| &x.name != attr);
            attrs.push(AttributeType {
                name: attr.clone(),
                value: Some(username.to_string()),
            });
        }
        self.sign_up(SignUpRequest {
            client_id: a.client.client_id.clone(),
            username: username.to_string(),
            password: Some(password.to_string()),
            secret_hash: hash_for(a, username),
            user_attributes: Some(attrs),
            ..Default::default()
        })
        .await
    }

    /// `ConfirmSignUp` from the hosted page.
    pub async fn hosted_confirm_sign_up(
        &self,
        a: &Authorization,
        username: &str,
        code: &str,
    ) -> Result<(), CoreError> {
        self.confirm_sign_up(ConfirmSignUpRequest {
            client_id: a.client.client_id.clone(),
            username: username.to_string(),
            confirmation_code: code.trim().to_string(),
            secret_hash: hash_for(a, username),
            ..Default::default()
        })
        .await
    }

    /// `ResendConfirmationCode` from the hosted page.
    pub async fn hosted_resend_code(
        &self,
        a: &Authorization,
        username: &str,
    ) -> Result<Option<CodeDeliveryDetailsType>, CoreError> {
        self.resend_confirmation_code(ResendConfirmationCodeRequest {
            client_id: a.client.client_id.clone(),
            username: username.to_string(),
            secret_hash: hash_for(a, username),
            ..Default::default()
        })
        .await
    }

    /// `ForgotPassword` from the hosted page.
    pub async fn hosted_forgot_password(
        &self,
        a: &Authorization,
        username: &str,
    ) -> Result<CodeDeliveryDetailsType, CoreError> {
        self.forgot_password(ForgotPasswordRequest {
            client_id: a.client.client_id.clone(),
            username: username.to_string(),
            secret_hash: hash_for(a, username),
            ..Default::default()
        })
        .await
    }

    /// `ConfirmForgotPassword` from the hosted page.
    pub async fn hosted_reset_password(
        &self,
        a: &Authorization,
        username: &str,
        code: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        self.confirm_forgot_password(ConfirmForgotPasswordRequest {
            client_id: a.client.client_id.clone(),
            username: username.to_string(),
            confirmation_code: code.trim().to_string(),
            password: password.to_string(),
            secret_hash: hash_for(a, username),
            ..Default::default()
        })
        .await
    }
}
