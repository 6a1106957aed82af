//! The hosted pages of a sign-in's later steps: a new password, an MFA code (SMS, email or
//! authenticator app), the choice between factors, and setting up an authenticator app
//! (with its QR code). Each form posts back to `/login` with the step's sealed session.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use tessera_core::auth::AuthOutcome;
use tessera_core::mfa::{EMAIL_OTP, MFA_SETUP, SELECT_MFA_TYPE, SMS_MFA, SOFTWARE_TOKEN_MFA};
use tessera_core::oauth::flow::Authorization;
use tessera_wire::idp::{AssociateSoftwareTokenRequest, VerifySoftwareTokenRequest};

use super::{LoginForm, Site, page_message, pages};
use crate::AppState;

const NEW_PASSWORD_REQUIRED: &str = "NEW_PASSWORD_REQUIRED";

fn label(factor: &str) -> &'static str {
    match factor {
        SMS_MFA => "A text message",
        EMAIL_OTP => "An email",
        _ => "An authenticator app",
    }
}

/// An `otpauth://` URI for authenticator apps, drawn as an SVG QR code.
fn qr_svg(issuer: &str, username: &str, secret: &str) -> String {
    use tessera_core::oauth::flow::percent;
    let uri = format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}",
        percent(issuer),
        percent(username),
        percent(issuer)
    );
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build(),
        Err(_) => String::new(),
    }
}

fn code_page(
    site: &Site,
    action: &str,
    username: &str,
    challenge: &str,
    session: &str,
    destination: Option<&str>,
    error: Option<&str>,
) -> Response {
    let (title, hint, label) = match challenge {
        SMS_MFA => (
            "Enter the code we texted you",
            destination.map(|d| format!("We sent a code to {d}.")),
            "Code",
        ),
        EMAIL_OTP => (
            "Enter the code we emailed you",
            destination.map(|d| format!("We sent a code to {d}.")),
            "Code",
        ),
        _ => (
            "Enter the code from your authenticator app",
            None,
            "Code from the app",
        ),
    };
    pages::form(
        site,
        "mfa_code.html",
        error,
        context! { action, username, challenge, session, title, hint, label },
    )
}

fn setup_page(
    site: &Site,
    a: &Authorization,
    action: &str,
    username: &str,
    session: &str,
    secret: &str,
    error: Option<&str>,
) -> Response {
    let qr = qr_svg(&a.pool.name, username, secret);
    pages::form(
        site,
        "mfa_setup.html",
        error,
        context! { action, username, session, secret, qr },
    )
}

/// The page for the step a sign-in answered with (`outcome` carries a challenge).
pub(super) async fn show(
    state: &AppState,
    site: &Site,
    a: &Authorization,
    action: &str,
    username: &str,
    outcome: AuthOutcome,
) -> Response {
    let params = outcome.challenge_parameters.unwrap_or_default();
    let session = outcome.session.unwrap_or_default();
    match outcome.challenge_name.as_deref() {
        Some(NEW_PASSWORD_REQUIRED) => pages::new_password(site, action, username, &session, None),
        Some(c @ (SMS_MFA | EMAIL_OTP | SOFTWARE_TOKEN_MFA)) => code_page(
            site,
            action,
            username,
            c,
            &session,
            params.get("CODE_DELIVERY_DESTINATION").map(String::as_str),
            None,
        ),
        Some(SELECT_MFA_TYPE) => {
            let can: Vec<String> = params
                .get("MFAS_CAN_CHOOSE")
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or_default();
            let choices: Vec<minijinja::Value> = can
                .iter()
                .map(|c| context! { value => c, label => label(c) })
                .collect();
            pages::form(
                site,
                "select_mfa.html",
                None,
                context! { action, username, session, choices },
            )
        }
        Some(MFA_SETUP) => {
            let req = AssociateSoftwareTokenRequest {
                session: Some(session),
                ..Default::default()
            };
            match state.core.associate_software_token(req).await {
                Ok(out) => setup_page(
                    site,
                    a,
                    action,
                    username,
                    &out.session.unwrap_or_default(),
                    &out.secret_code.unwrap_or_default(),
                    None,
                ),
                Err(e) => pages::error(StatusCode::BAD_REQUEST, "mfa_setup", &page_message(&e)),
            }
        }
        _ => pages::error(
            StatusCode::BAD_REQUEST,
            "unsupported_challenge",
            "This sign-in step is not available on the hosted pages.",
        ),
    }
}

/// Answers the step a posted form carries: the next outcome, or the same page again
/// with the error.
pub(super) async fn answer(
    state: &AppState,
    site: &Site,
    a: &Authorization,
    action: &str,
    form: &LoginForm,
) -> Result<AuthOutcome, Response> {
    let challenge = form.challenge.as_deref().unwrap_or_default();
    let session = form.session.clone().unwrap_or_default();
    let code = form.code.clone().unwrap_or_default();
    let again = |error: &str| match challenge {
        NEW_PASSWORD_REQUIRED => {
            pages::new_password(site, action, &form.username, &session, Some(error))
        }
        MFA_SETUP => setup_page(
            site,
            a,
            action,
            &form.username,
            &session,
            form.secret.as_deref().unwrap_or_default(),
            Some(error),
        ),
        _ => code_page(
            site,
            action,
            &form.username,
            challenge,
            &session,
            None,
            Some(error),
        ),
    };
    let result = match challenge {
        NEW_PASSWORD_REQUIRED => {
            let new = form.new_password.clone().unwrap_or_default();
            if form.confirm_password.as_deref() != Some(new.as_str()) {
                return Err(again("The passwords do not match."));
            }
            state.core.hosted_new_password(a, &session, &new).await
        }
        SMS_MFA | EMAIL_OTP | SOFTWARE_TOKEN_MFA => {
            let key = format!("{challenge}_CODE");
            let responses = HashMap::from([(key, code)]);
            state
                .core
                .hosted_respond(a, challenge, &session, responses)
                .await
        }
        SELECT_MFA_TYPE => {
            let responses = HashMap::from([(
                "ANSWER".to_string(),
                form.answer.clone().unwrap_or_default(),
            )]);
            state
                .core
                .hosted_respond(a, challenge, &session, responses)
                .await
        }
        MFA_SETUP => {
            let req = VerifySoftwareTokenRequest {
                session: Some(session.clone()),
                user_code: code,
                ..Default::default()
            };
            match state.core.verify_software_token(req).await {
                Ok(v) => {
                    let next = v.session.unwrap_or_default();
                    state
                        .core
                        .hosted_respond(a, MFA_SETUP, &next, HashMap::new())
                        .await
                }
                Err(e) => Err(e),
            }
        }
        _ => return Err(again("This sign-in step is not available on this page.")),
    };
    result.map_err(|e| again(&page_message(&e)))
}
