//! Signing in to the console: with an admin access key pair (compared in constant time), or,
//! when `console_admin_pool` names one, as a user of that pool with a password and an MFA code
//! (AdminInitiateAuth, then AdminRespondToAuthChallenge, through the API's own path). A pool
//! user without MFA is refused: the console asks for two factors.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};
use tessera_core::console::SESSION_TTL_MS;

use super::{BASE, USER_PREFIX, call, cookie, page, see_other, session, text};
use crate::AppState;

/// The sign-in page, with `error` when a try failed.
pub(super) fn form(st: &AppState, status: StatusCode, error: Option<&str>) -> Response {
    page(
        status,
        "login.html",
        None,
        context! { error, admin_pool => st.config.console_admin_pool.is_some() },
    )
}

pub(super) async fn page_of(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if session(&st, &headers).await.is_some() {
        return see_other(BASE);
    }
    form(&st, StatusCode::OK, None)
}

/// A new session for `who`: the cookie, and on to the overview.
async fn signed_in(st: &AppState, who: &str) -> Response {
    let s = match st.core.start_console_session(who).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "console session not started");
            let why = "Signing in failed: try again.";
            return form(st, StatusCode::SERVICE_UNAVAILABLE, Some(why));
        }
    };
    let mut r = see_other(BASE);
    r.headers_mut().append(
        header::SET_COOKIE,
        cookie(st, &st.core.seal_console_session(&s), SESSION_TTL_MS / 1000),
    );
    r
}

/// `POST /console/login`: an admin access key pair.
pub(super) async fn keys(
    State(st): State<AppState>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let akid = f.get("access_key_id").map(String::as_str).unwrap_or("");
    let given = f.get("secret_access_key").map(String::as_str).unwrap_or("");
    // The same comparison whether or not the key id exists.
    let (want, known) = match st.config.admin_keys.get(akid) {
        Some(s) => (s.expose().as_str(), true),
        None => (
            "tessera console: no such access key id, compared anyway",
            false,
        ),
    };
    let same = aws_lc_rs::constant_time::verify_slices_are_equal(want.as_bytes(), given.as_bytes())
        .is_ok();
    if !(known && same) {
        tracing::info!("console sign-in refused");
        return form(
            &st,
            StatusCode::UNAUTHORIZED,
            Some("Incorrect access key ID or secret access key."),
        );
    }
    signed_in(&st, akid).await
}

/// The admin pool's app client the console signs in through (the first that allows
/// ADMIN_USER_PASSWORD_AUTH), and its secret if it has one.
async fn admin_client(st: &AppState, pool: &str) -> Option<(String, Option<String>)> {
    let listed = call(
        st,
        "ListUserPoolClients",
        json!({ "UserPoolId": pool, "MaxResults": 60 }),
    )
    .await
    .ok()?;
    for c in listed["UserPoolClients"].as_array().into_iter().flatten() {
        let id = text(c, "ClientId");
        let d = call(
            st,
            "DescribeUserPoolClient",
            json!({ "UserPoolId": pool, "ClientId": id }),
        )
        .await
        .ok()?;
        let d = &d["UserPoolClient"];
        let allowed = d["ExplicitAuthFlows"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f == "ALLOW_ADMIN_USER_PASSWORD_AUTH");
        if allowed {
            return Some((id, d["ClientSecret"].as_str().map(str::to_string)));
        }
    }
    None
}

/// The code field each MFA challenge answers with.
fn code_field(challenge: &str) -> Option<&'static str> {
    match challenge {
        "SOFTWARE_TOKEN_MFA" => Some("SOFTWARE_TOKEN_MFA_CODE"),
        "SMS_MFA" => Some("SMS_MFA_CODE"),
        "EMAIL_OTP" => Some("EMAIL_OTP_CODE"),
        _ => None,
    }
}

const REFUSED: &str = "Incorrect username or password.";

/// `POST /console/login/user`: a user of the admin pool, first factor.
pub(super) async fn user(
    State(st): State<AppState>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(pool) = st.config.console_admin_pool.clone() else {
        return form(
            &st,
            StatusCode::NOT_FOUND,
            Some("No admin pool is configured."),
        );
    };
    let Some((client, secret)) = admin_client(&st, &pool).await else {
        return form(
            &st,
            StatusCode::SERVICE_UNAVAILABLE,
            Some("The admin pool has no app client that allows ADMIN_USER_PASSWORD_AUTH."),
        );
    };
    let username = f.get("username").cloned().unwrap_or_default();
    let mut params = json!({
        "USERNAME": username,
        "PASSWORD": f.get("password").cloned().unwrap_or_default(),
    });
    if let Some(s) = &secret {
        params["SECRET_HASH"] = json!(tessera_core::users::secret_hash(s, &username, &client));
    }
    let answer = call(
        &st,
        "AdminInitiateAuth",
        json!({
            "UserPoolId": pool,
            "ClientId": client,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": params,
        }),
    )
    .await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(code = e.code, "console sign-in of a pool user refused");
            return form(&st, StatusCode::UNAUTHORIZED, Some(REFUSED));
        }
    };
    second_factor(&st, &answer, &username)
}

/// The page for the challenge an answer asks next: a code, or which factor to use
/// (SELECT_MFA_TYPE). Tokens without a second factor, or a challenge the console does not
/// take here (a new password, MFA setup), are refused: set those up through the app first.
fn second_factor(st: &AppState, answer: &Value, username: &str) -> Response {
    let challenge = answer["ChallengeName"].as_str().unwrap_or_default();
    let session = text(answer, "Session");
    if challenge == SELECT_MFA_TYPE {
        let can: Vec<String> = answer["ChallengeParameters"]["MFAS_CAN_CHOOSE"]
            .as_str()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let factors: Vec<_> = can
            .iter()
            .filter(|f| code_field(f).is_some())
            .map(|f| context! { value => f, label => factor_label(f) })
            .collect();
        return page(
            StatusCode::OK,
            "login.html",
            None,
            context! { admin_pool => true, choose => context! { session, username, factors } },
        );
    }
    if code_field(challenge).is_none() {
        return form(
            st,
            StatusCode::FORBIDDEN,
            Some(
                "The console needs a second factor: set up MFA for this account, then sign in again.",
            ),
        );
    }
    page(
        StatusCode::OK,
        "login.html",
        None,
        context! {
            admin_pool => true,
            mfa => context! { challenge, session, username },
        },
    )
}

const SELECT_MFA_TYPE: &str = "SELECT_MFA_TYPE";

fn factor_label(factor: &str) -> &'static str {
    match factor {
        "SOFTWARE_TOKEN_MFA" => "Authenticator app",
        "SMS_MFA" => "Text message",
        _ => "Email",
    }
}

/// `POST /console/login/mfa`: the code for the challenge the first factor led to.
pub(super) async fn mfa(
    State(st): State<AppState>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(pool) = st.config.console_admin_pool.clone() else {
        return form(
            &st,
            StatusCode::NOT_FOUND,
            Some("No admin pool is configured."),
        );
    };
    let Some((client, secret)) = admin_client(&st, &pool).await else {
        return form(&st, StatusCode::SERVICE_UNAVAILABLE, Some(REFUSED));
    };
    let challenge = f.get("challenge").map(String::as_str).unwrap_or_default();
    let username = f.get("username").cloned().unwrap_or_default();
    let mut responses = if challenge == SELECT_MFA_TYPE {
        // The factor chosen: its code comes next.
        json!({ "USERNAME": username, "ANSWER": f.get("answer").cloned().unwrap_or_default() })
    } else {
        let Some(field) = code_field(challenge) else {
            return form(&st, StatusCode::BAD_REQUEST, Some(REFUSED));
        };
        json!({ "USERNAME": username, field: f.get("code").cloned().unwrap_or_default() })
    };
    if let Some(s) = &secret {
        responses["SECRET_HASH"] = json!(tessera_core::users::secret_hash(s, &username, &client));
    }
    let answer = call(
        &st,
        "AdminRespondToAuthChallenge",
        json!({
            "UserPoolId": pool,
            "ClientId": client,
            "ChallengeName": challenge,
            "Session": f.get("session").cloned().unwrap_or_default(),
            "ChallengeResponses": responses,
        }),
    )
    .await;
    match answer {
        Ok(a) if a.get("AuthenticationResult").is_some_and(Value::is_object) => {
            // Who signed in is whom the tokens are for (the challenge's sealed session names
            // them), never the username the form carries.
            let access = text(&a["AuthenticationResult"], "AccessToken");
            match call(&st, "GetUser", json!({ "AccessToken": access })).await {
                Ok(u) => signed_in(&st, &format!("{USER_PREFIX}{}", text(&u, "Username"))).await,
                Err(_) => form(&st, StatusCode::UNAUTHORIZED, Some(REFUSED)),
            }
        }
        Ok(a) if challenge == SELECT_MFA_TYPE => second_factor(&st, &a, &username),
        Ok(_) => form(
            &st,
            StatusCode::FORBIDDEN,
            Some(
                "The console needs a second factor: set up MFA for this account, then sign in again.",
            ),
        ),
        Err(e) => {
            tracing::info!(code = e.code, "console MFA refused");
            form(
                &st,
                StatusCode::UNAUTHORIZED,
                Some("The code is not right, or it expired. Sign in again."),
            )
        }
    }
}
