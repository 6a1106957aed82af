//! Single use under concurrency (docs/adr/0014): N requests released together by a barrier
//! against the real server; exactly one wins (or exactly the allowed number of attempts is
//! checked), side effects happen once, and no loser is answered
//! ConcurrentModificationException (Cognito never returns it for these operations).

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, LambdaConfigType, MessageActionType,
};
use tessera_core::clock::{Clock, ManualClock, SystemClock};

use crate::auth::{PASSWORD, login, setup, user};
use crate::harness::{Backend, TestServer, together};
use crate::triggers::{arn, receiver, server, set_triggers};

/// `Ok`, or "Code: message".
fn outcome<T, E: ProvideErrorMetadata>(r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| {
        format!(
            "{}: {}",
            e.code().unwrap_or_default(),
            e.message().unwrap_or_default()
        )
    })
}

fn count<T>(results: &[Result<T, String>], prefix: &str) -> usize {
    results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.starts_with(prefix)))
        .count()
}

fn winners<T>(results: &[Result<T, String>]) -> usize {
    results.iter().filter(|r| r.is_ok()).count()
}

fn no_concurrent_modification<T>(results: &[Result<T, String>]) {
    assert_eq!(
        count(results, "ConcurrentModificationException"),
        0,
        "{:?}",
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .collect::<Vec<_>>()
    );
}

fn fired(seen: &crate::triggers::Seen, source: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|(_, e, _)| e["triggerSource"] == source)
        .count()
}

/// A pool whose PostConfirmation goes to the receiver's `echo`, and a client.
async fn with_post_confirmation(srv: &TestServer) -> (String, String) {
    let (pool, client) = setup(srv).await;
    set_triggers(
        srv,
        &pool,
        LambdaConfigType::builder()
            .post_confirmation(arn("echo"))
            .build(),
    )
    .await;
    (pool, client)
}

/// Runs `body` on a server with the test's trigger receiver, on each backend.
macro_rules! with_triggers {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            async fn run(backend: Backend) {
                let (base, seen) = receiver().await;
                let Some(srv) = server(backend, &base).await else {
                    eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
                    return;
                };
                let f = $body;
                f(&srv, seen).await;
                srv.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(Backend::Postgres).await;
            }
        }
    };
}

with_triggers!(
    a_confirmation_code_confirms_once,
    async |srv: &TestServer, seen: crate::triggers::Seen| {
        let (_, client) = with_post_confirmation(srv).await;
        srv.idp
            .sign_up()
            .client_id(&client)
            .username("rae")
            .password(PASSWORD)
            .user_attributes(crate::users::attr("email", "rae@example.com"))
            .send()
            .await
            .unwrap();
        let code = srv.last_code("rae@example.com");
        let results = together(20, |_| {
            let (idp, client, code) = (srv.idp.clone(), client.clone(), code.clone());
            async move {
                outcome(
                    idp.confirm_sign_up()
                        .client_id(client)
                        .username("rae")
                        .confirmation_code(code)
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(winners(&results), 1, "{results:?}");
        no_concurrent_modification(&results);
        // The losers found the code used, or the user confirmed already.
        assert_eq!(
            count(
                &results,
                "ExpiredCodeException: Invalid code provided, please request a code again."
            ) + count(
                &results,
                "NotAuthorizedException: User cannot be confirmed. Current status is CONFIRMED"
            ),
            19,
            "{results:?}"
        );
        assert_eq!(fired(&seen, "PostConfirmation_ConfirmSignUp"), 1);
    }
);

with_triggers!(
    a_migrating_user_is_created_once,
    async |srv: &TestServer, seen: crate::triggers::Seen| {
        // First sign-ins of a user the UserMigration trigger knows, released together: one
        // creates the user, and the others find that user and sign in against it, rather than
        // answering UsernameExistsException. (Five: the lockout counts attempts in flight, and
        // a sixth would be refused as the sixth attempt.)
        let (pool, client) = setup(srv).await;
        set_triggers(
            srv,
            &pool,
            LambdaConfigType::builder()
                .user_migration(arn("migrate"))
                .build(),
        )
        .await;
        let results = together(5, |_| {
            let (idp, client) = (srv.idp.clone(), client.clone());
            async move {
                outcome(
                    idp.initiate_auth()
                        .client_id(client)
                        .auth_flow(AuthFlowType::UserPasswordAuth)
                        .auth_parameters("USERNAME", "pia")
                        .auth_parameters("PASSWORD", "Legacy-pass1!")
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(winners(&results), results.len(), "{results:?}");
        let listed = srv
            .idp
            .list_users()
            .user_pool_id(&pool)
            .filter("username = \"pia\"")
            .send()
            .await
            .unwrap();
        assert_eq!(listed.users().len(), 1);
        assert!(fired(&seen, "UserMigration_Authentication") >= 1);
    }
);

with_triggers!(
    a_reset_code_resets_once,
    async |srv: &TestServer, seen: crate::triggers::Seen| {
        let (pool, client) = with_post_confirmation(srv).await;
        user(srv, &pool, "ria").await;
        srv.idp
            .forgot_password()
            .client_id(&client)
            .username("ria")
            .send()
            .await
            .unwrap();
        let code = srv.last_code("ria@example.com");
        let results = together(20, |i| {
            let (idp, client, code) = (srv.idp.clone(), client.clone(), code.clone());
            async move {
                outcome(
                    idp.confirm_forgot_password()
                        .client_id(client)
                        .username("ria")
                        .confirmation_code(code)
                        .password(format!("New-Passw0rd-{i}"))
                        .send()
                        .await,
                )
                .map(|_| i)
            }
        })
        .await;
        assert_eq!(winners(&results), 1, "{results:?}");
        no_concurrent_modification(&results);
        assert_eq!(
            count(
                &results,
                "ExpiredCodeException: Invalid code provided, please request a code again."
            ),
            19,
            "{results:?}"
        );
        assert_eq!(fired(&seen, "PostConfirmation_ConfirmForgotPassword"), 1);
        // The winner's password is the user's.
        let won = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        login(srv, &client, "ria", &format!("New-Passw0rd-{won}"))
            .await
            .unwrap();
    }
);

crate::harness::both!(
    parallel_wrong_codes_cost_one_attempt_each,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ron").await;
        srv.idp
            .forgot_password()
            .client_id(&client)
            .username("ron")
            .send()
            .await
            .unwrap();
        let right = srv.last_code("ron@example.com");
        let n: u32 = right.parse().unwrap();
        // Ten wrong guesses at once: five are compared (the fifth answers the limit), the
        // other five are refused uncompared.
        let results = together(10, |i| {
            let (idp, client) = (srv.idp.clone(), client.clone());
            let wrong = format!("{:06}", (n + 1 + i as u32) % 1_000_000);
            async move {
                outcome(
                    idp.confirm_forgot_password()
                        .client_id(client)
                        .username("ron")
                        .confirmation_code(wrong)
                        .password("New-Passw0rd-1")
                        .send()
                        .await,
                )
            }
        })
        .await;
        assert_eq!(
            count(
                &results,
                "CodeMismatchException: Invalid verification code provided, please try again."
            ),
            4,
            "{results:?}"
        );
        assert_eq!(
            count(
                &results,
                "LimitExceededException: Attempt limit exceeded, please try after some time."
            ),
            6,
            "{results:?}"
        );
        // The right code comes too late.
        let r = outcome(
            srv.idp
                .confirm_forgot_password()
                .client_id(&client)
                .username("ron")
                .confirmation_code(&right)
                .password("New-Passw0rd-1")
                .send()
                .await,
        );
        assert!(
            matches!(&r, Err(e) if e.starts_with("LimitExceededException")),
            "{r:?}"
        );
        login(srv, &client, "ron", PASSWORD).await.unwrap();
    }
);

crate::harness::both!(
    a_new_password_session_is_answered_once,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        srv.idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username("nia")
            .temporary_password("Temp-Passw0rd!")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let start = srv
            .idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "nia")
            .auth_parameters("PASSWORD", "Temp-Passw0rd!")
            .send()
            .await
            .unwrap();
        assert_eq!(
            start.challenge_name,
            Some(ChallengeNameType::NewPasswordRequired)
        );
        let session = start.session.unwrap();
        let results = together(20, |i| {
            let (idp, client, session) = (srv.idp.clone(), client.clone(), session.clone());
            async move {
                outcome(
                    idp.respond_to_auth_challenge()
                        .client_id(client)
                        .challenge_name(ChallengeNameType::NewPasswordRequired)
                        .session(session)
                        .challenge_responses("USERNAME", "nia")
                        .challenge_responses("NEW_PASSWORD", format!("New-Passw0rd-{i}"))
                        .send()
                        .await,
                )
                .map(|r| (i, r.authentication_result.is_some()))
            }
        })
        .await;
        assert_eq!(winners(&results), 1, "{results:?}");
        no_concurrent_modification(&results);
        assert_eq!(
            count(
                &results,
                "NotAuthorizedException: Invalid session for the user, session can only be used once."
            ),
            19,
            "{results:?}"
        );
        let (won, tokens) = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        assert!(tokens);
        login(srv, &client, "nia", &format!("New-Passw0rd-{won}"))
            .await
            .unwrap();
    }
);

crate::harness::both!(
    a_rotated_refresh_token_without_grace_works_once,
    async |srv: &TestServer| {
        let (pool, _) = setup(srv).await;
        user(srv, &pool, "rex").await;
        let client = crate::auth::rotating_client(srv, &pool, 0).await;
        let token = login(srv, &client, "rex", PASSWORD)
            .await
            .unwrap()
            .refresh_token
            .unwrap();
        let results = together(20, |_| {
            let (idp, client, token) = (srv.idp.clone(), client.clone(), token.clone());
            async move {
                outcome(
                    idp.get_tokens_from_refresh_token()
                        .client_id(client)
                        .refresh_token(token)
                        .send()
                        .await,
                )
                .map(|r| r.authentication_result.unwrap().refresh_token.unwrap())
            }
        })
        .await;
        assert_eq!(winners(&results), 1, "{results:?}");
        no_concurrent_modification(&results);
        assert_eq!(count(&results, "RefreshTokenReuseException"), 19);
        // The one new token carries on.
        let next = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        srv.idp
            .get_tokens_from_refresh_token()
            .client_id(&client)
            .refresh_token(next)
            .send()
            .await
            .unwrap();
    }
);

/// The lockout on a clock that stands still: the burst cannot outlast a lockout.
async fn lockout_burst(backend: Backend) {
    let clock = Arc::new(ManualClock::new(SystemClock.now_millis()));
    let Some(srv) = TestServer::start_custom(backend, clock.clone(), |_| {}).await else {
        eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
        return;
    };
    let (pool, client) = setup(&srv).await;
    user(&srv, &pool, "lou").await;
    let results = together(40, |_| {
        let (idp, client) = (srv.idp.clone(), client.clone());
        async move {
            outcome(
                idp.initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "lou")
                    .auth_parameters("PASSWORD", "Wrong-Passw0rd!")
                    .send()
                    .await,
            )
        }
    })
    .await;
    // Five free attempts are checked; the rest are refused unchecked.
    assert_eq!(
        count(
            &results,
            "NotAuthorizedException: Incorrect username or password."
        ),
        5,
        "{results:?}"
    );
    assert_eq!(
        count(
            &results,
            "NotAuthorizedException: Password attempts exceeded"
        ),
        35,
        "{results:?}"
    );
    // Locked: even the right password is refused unchecked, until the lockout passes.
    assert_eq!(
        login(&srv, &client, "lou", PASSWORD).await.err().as_deref(),
        Some("NotAuthorizedException")
    );
    clock.advance_millis(1_000);
    login(&srv, &client, "lou", PASSWORD).await.unwrap();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_hold_the_lockout_sqlite() {
    lockout_burst(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_hold_the_lockout_postgres() {
    lockout_burst(Backend::Postgres).await;
}

crate::harness::both!(an_srp_answer_signs_in_once, async |srv: &TestServer| {
    let (pool, client) = setup(srv).await;
    user(srv, &pool, "sam").await;
    let respond =
        crate::auth::srp_answer(&srv.idp, &pool, &client, "sam", PASSWORD, None, async || {})
            .await
            .unwrap();
    let results = together(10, |_| {
        let respond = respond.clone();
        async move { outcome(respond.send().await).map(|r| r.authentication_result.is_some()) }
    })
    .await;
    assert_eq!(winners(&results), 1, "{results:?}");
    // Each answer is a password proof, counted against the lockout before it is checked:
    // the losers found the session used, or the free attempts taken by their siblings.
    assert_eq!(count(&results, "NotAuthorizedException"), 9, "{results:?}");
});
