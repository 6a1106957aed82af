//! The hosted pages' MFA steps: setting up an authenticator app (QR code and key) when the
//! pool requires MFA, then its code at the next sign-in; a code by email after choosing it.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaConfigType, EmailMfaSettingsType, SmsMfaConfigType, SmsMfaSettingsType,
    SoftwareTokenMfaConfigType, UserPoolMfaType,
};
use tessera_core::clock::ManualClock;

use super::{Answer, Browser, CALLBACK, Fixture, fixture, url};
use crate::auth::PASSWORD;
use crate::harness::TestServer;
use crate::mfa::totp;

fn params(f: &Fixture) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", f.code_client.as_str()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
    ]
}

/// Posts the page's form with `fields` (the page's hidden fields kept).
async fn post(b: &mut Browser, f: &Fixture, page: &Answer, fields: &[(&str, &str)]) -> Answer {
    let hidden = ["_csrf", "challenge", "session", "username", "secret"];
    let mut form: Vec<(String, String)> = hidden
        .iter()
        .filter_map(|n| page.field(n).map(|v| (n.to_string(), v)))
        .collect();
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(&url(&f.base, "/login", &params(f)), &refs).await
}

async fn password_step(b: &mut Browser, f: &Fixture) -> Answer {
    let login = b.get(&url(&f.base, "/login", &params(f))).await;
    post(
        b,
        f,
        &login,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await
}

crate::harness::both_clocked!(
    authenticator_app_set_up_then_asked,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let f = fixture(srv).await;
        srv.idp
            .set_user_pool_mfa_config()
            .user_pool_id(&f.pool)
            .mfa_configuration(UserPoolMfaType::On)
            .software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder().enabled(true).build(),
            )
            .send()
            .await
            .unwrap();
        let mut b = Browser::new();
        let setup = password_step(&mut b, &f).await;
        assert_eq!(setup.status, 200, "{}", setup.body);
        assert!(setup.body.contains("<svg"), "a QR code");
        let secret = setup.field("secret").unwrap();
        assert!(setup.body.contains(&secret), "and the key, to type by hand");
        let wrong = post(&mut b, &f, &setup, &[("code", "000000")]).await;
        assert_eq!(wrong.status, 400);
        assert!(wrong.body.contains("role=\"alert\""));
        let done = post(
            &mut b,
            &f,
            &wrong,
            &[("code", &totp(&secret, clock.now_millis()))],
        )
        .await;
        assert_eq!(done.status, 302, "{}", done.body);
        assert!(done.location.as_deref().unwrap().starts_with(CALLBACK));

        // Next time (another browser), the app's code is asked for after the password.
        clock.advance_millis(30_000);
        let mut other = Browser::new();
        let ask = password_step(&mut other, &f).await;
        assert_eq!(ask.status, 200);
        assert!(ask.body.contains("authenticator app"));
        assert_eq!(
            ask.field("challenge").as_deref(),
            Some("SOFTWARE_TOKEN_MFA")
        );
        let done = post(
            &mut other,
            &f,
            &ask,
            &[("code", &totp(&secret, clock.now_millis()))],
        )
        .await;
        assert!(done.location.as_deref().unwrap().starts_with(CALLBACK));
    }
);

crate::harness::both!(choosing_a_factor_then_its_code, async |srv: &TestServer| {
    let f = fixture(srv).await;
    let c = &srv.idp;
    c.set_user_pool_mfa_config()
        .user_pool_id(&f.pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_configuration(crate::mfa::sms_configuration())
                .build(),
        )
        .email_mfa_configuration(EmailMfaConfigType::builder().build())
        .send()
        .await
        .unwrap();
    c.admin_update_user_attributes()
        .user_pool_id(&f.pool)
        .username("alice")
        .user_attributes(crate::users::attr("phone_number", "+15555550199"))
        .send()
        .await
        .unwrap();
    c.admin_set_user_mfa_preference()
        .user_pool_id(&f.pool)
        .username("alice")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    let mut b = Browser::new();
    let choose = password_step(&mut b, &f).await;
    assert_eq!(
        choose.field("challenge").as_deref(),
        Some("SELECT_MFA_TYPE")
    );
    assert!(
        choose.body.contains("value=\"SMS_MFA\"") && choose.body.contains("value=\"EMAIL_OTP\"")
    );
    let ask = post(&mut b, &f, &choose, &[("answer", "EMAIL_OTP")]).await;
    assert_eq!(ask.field("challenge").as_deref(), Some("EMAIL_OTP"));
    assert!(ask.body.contains("a***@e***"));
    let code = srv.last_code("alice@example.com");
    let done = post(&mut b, &f, &ask, &[("code", &code)]).await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert!(done.location.as_deref().unwrap().starts_with(CALLBACK));
});
