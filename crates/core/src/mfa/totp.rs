//! Software tokens: RFC 6238 codes (SHA-1, six digits, 30-second steps, one step of drift
//! either way) with `totp-rs`, secrets sealed with the server key at rest, and association
//! and verification through an access token or a sign-in's MFA_SETUP session. A code's
//! time step is remembered, so a code (or an older one) cannot be used twice.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tessera_wire::idp::{
    AssociateSoftwareTokenRequest, AssociateSoftwareTokenResponse, VerifySoftwareTokenRequest,
    VerifySoftwareTokenResponse,
};
use totp_rs::{Algorithm, Secret, TOTP};

use super::{MFA_SETUP, SOFTWARE_TOKEN_MFA};
use crate::sealing::Purpose;
use crate::store::{PoolRecord, UserRecord};
use crate::{CoreError, Tessera};

const STEP: u64 = 30;

fn totp(secret: &[u8]) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, secret.to_vec())
}

/// Base32 (RFC 4648, no padding), as authenticator apps take a secret.
pub fn encode(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    }
}

pub fn decode(secret: &str) -> Option<Vec<u8>> {
    Secret::Encoded(secret.to_string()).to_bytes().ok()
}

/// The code of the step that holds `unix_secs`.
pub fn code_at(secret: &[u8], unix_secs: u64) -> String {
    totp(secret).generate(unix_secs)
}

/// The time step `code` belongs to, looking one step either side of `now_secs`.
pub fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Option<u64> {
    let t = totp(secret);
    let now_step = now_secs / STEP;
    [now_step.saturating_sub(1), now_step, now_step + 1]
        .into_iter()
        .find(|step| {
            let want = t.generate(step * STEP);
            aws_lc_rs::constant_time::verify_slices_are_equal(
                want.as_bytes(),
                code.trim().as_bytes(),
            )
            .is_ok()
        })
}

fn mismatch() -> CoreError {
    CoreError::CodeMismatch("Invalid code received for user".into())
}

/// VerifySoftwareToken's answer to a wrong code (Cognito's exception, which clients check).
fn enable_failed(e: CoreError) -> CoreError {
    match e {
        CoreError::CodeMismatch(_) => CoreError::EnableSoftwareTokenMfa(
            "Code mismatch and fail enable Software Token MFA".into(),
        ),
        other => other,
    }
}

impl Tessera {
    fn new_totp_secret(&self) -> Vec<u8> {
        let mut s = vec![0u8; 20];
        self.rng.fill(&mut s);
        s
    }

    fn seal_totp(&self, pool_id: &str, secret: &[u8]) -> String {
        STANDARD.encode(self.sealer.seal(
            Purpose::TotpSecret,
            pool_id.as_bytes(),
            secret,
            self.rng.as_ref(),
        ))
    }

    fn open_totp(&self, pool_id: &str, sealed: &Value) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(sealed.as_str()?).ok()?;
        self.sealer
            .open(Purpose::TotpSecret, pool_id.as_bytes(), &bytes)
            .ok()
    }

    /// Checks a code against the user's verified software token and remembers its step.
    pub(crate) async fn check_totp(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        code: &str,
    ) -> Result<(), CoreError> {
        let secret = self
            .open_totp(&pool.id, &user.extra["mfa"]["totp_secret"])
            .ok_or_else(mismatch)?;
        self.accept_step(pool, user, &secret, code, false).await
    }

    /// Accepts `code` for `secret` if its step is newer than the last one used; with
    /// `install`, the secret becomes the user's verified software token.
    async fn accept_step(
        &self,
        pool: &PoolRecord,
        user: &UserRecord,
        secret: &[u8],
        code: &str,
        install: bool,
    ) -> Result<(), CoreError> {
        let now = u64::try_from(self.clock.now_secs()).unwrap_or(0);
        let step = matching_step(secret, code, now).ok_or_else(mismatch)?;
        let sealed = install.then(|| self.seal_totp(&pool.id, secret));
        self.modify_user(pool, &user.username, |u| {
            let last = u.extra["mfa"]["totp_step"].as_u64();
            // A code is accepted once: its step (or an older one) used before is refused,
            // decided by the conditional update of the user (docs/adr/0014). Cognito's
            // answer, as AWS's own Amplify tests meet it (amplify-swift MFASignInTests).
            if !install && last.is_some_and(|l| step <= l) {
                return Err(CoreError::ExpiredCode(
                    "Your software token has already been used once.".into(),
                ));
            }
            if !u.extra["mfa"].is_object() {
                u.extra["mfa"] = json!({});
            }
            u.extra["mfa"]["totp_step"] = json!(step);
            if let Some(s) = &sealed {
                u.extra["mfa"]["totp_secret"] = json!(s);
                if let Some(m) = u.extra["mfa"].as_object_mut() {
                    m.remove("totp_pending");
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `AssociateSoftwareToken`: a new secret for the user, with an access token (kept
    /// pending on the user) or in an MFA_SETUP session (kept in the session).
    pub async fn associate_software_token(
        &self,
        req: AssociateSoftwareTokenRequest,
    ) -> Result<AssociateSoftwareTokenResponse, CoreError> {
        let secret = self.new_totp_secret();
        let code = encode(&secret);
        match (req.access_token, req.session) {
            (Some(token), _) => {
                let (pool, user) = self.token_user(&token).await?;
                let sealed = self.seal_totp(&pool.id, &secret);
                self.modify_user(&pool, &user.username, |u| {
                    if !u.extra["mfa"].is_object() {
                        u.extra["mfa"] = json!({});
                    }
                    u.extra["mfa"]["totp_pending"] = json!(sealed);
                    Ok(())
                })
                .await?;
                Ok(AssociateSoftwareTokenResponse {
                    secret_code: Some(code),
                    session: None,
                })
            }
            (None, Some(session)) => {
                let mut state = self.open_any_session(&session, MFA_SETUP)?;
                state.totp = Some(code.clone());
                state.ok = None;
                Ok(AssociateSoftwareTokenResponse {
                    secret_code: Some(code),
                    session: Some(self.reseal_setup_session(&state)),
                })
            }
            (None, None) => Err(CoreError::InvalidParameter(
                "Either AccessToken or Session must be given.".into(),
            )),
        }
    }

    /// `VerifySoftwareToken`: a code from the new secret makes it the user's software token.
    pub async fn verify_software_token(
        &self,
        req: VerifySoftwareTokenRequest,
    ) -> Result<VerifySoftwareTokenResponse, CoreError> {
        match (req.access_token, req.session) {
            (Some(token), _) => {
                let (pool, user) = self.token_user(&token).await?;
                let secret = self
                    .open_totp(&pool.id, &user.extra["mfa"]["totp_pending"])
                    .ok_or_else(|| {
                        CoreError::InvalidParameter(
                            "Call AssociateSoftwareToken before VerifySoftwareToken.".into(),
                        )
                    })?;
                self.accept_step(&pool, &user, &secret, &req.user_code, true)
                    .await
                    .map_err(enable_failed)?;
                Ok(VerifySoftwareTokenResponse {
                    session: None,
                    status: Some("SUCCESS".into()),
                })
            }
            (None, Some(session)) => {
                let mut state = self.open_any_session(&session, MFA_SETUP)?;
                let secret = state.totp.as_deref().and_then(decode).ok_or_else(|| {
                    CoreError::InvalidParameter(
                        "Call AssociateSoftwareToken before VerifySoftwareToken.".into(),
                    )
                })?;
                let pool = self.load_pool(&state.p).await?;
                let user = self
                    .store
                    .get_user_by_sub(&pool.id, &state.s)
                    .await?
                    .ok_or_else(super::challenge::invalid_session)?;
                self.accept_step(&pool, &user, &secret, &req.user_code, true)
                    .await
                    .map_err(enable_failed)?;
                // Set up during sign-in: the new factor is on, and preferred.
                self.set_preferences(
                    &pool,
                    &user.username,
                    [
                        (super::SMS_MFA, None),
                        (SOFTWARE_TOKEN_MFA, Some((Some(true), Some(true)))),
                        (super::EMAIL_OTP, None),
                    ],
                )
                .await?;
                state.ok = Some(true);
                state.totp = None;
                Ok(VerifySoftwareTokenResponse {
                    session: Some(self.reseal_setup_session(&state)),
                    status: Some("SUCCESS".into()),
                })
            }
            (None, None) => Err(CoreError::InvalidParameter(
                "Either AccessToken or Session must be given.".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1 (eight digits there; the last six here).
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 2_000_000_000), "279037");
        assert_eq!(decode(&encode(secret)).as_deref(), Some(&secret[..]));
    }

    #[test]
    fn one_step_of_drift() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_109;
        let code = code_at(secret, now);
        assert_eq!(matching_step(secret, &code, now), Some(now / 30));
        assert_eq!(matching_step(secret, &code, now + 30), Some(now / 30));
        assert_eq!(matching_step(secret, &code, now - 30), Some(now / 30));
        assert_eq!(matching_step(secret, &code, now + 90), None);
        assert_eq!(matching_step(secret, "000000", now), None);
    }
}
