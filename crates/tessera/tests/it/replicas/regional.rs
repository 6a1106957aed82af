//! A secondary's own settings (UpdateUserPool at a secondary): what it stores, what it
//! refuses, what its triggers do, and concurrent writes to the replica record.

use super::*;

/// Sites A (us-east-1) and B (us-west-2) on `srv`'s database, and the pool's replica in
/// us-west-2: created at A, opened at B.
struct Sites {
    node_a: tessera::Running,
    node_b: tessera::Running,
    a: Client,
    b: Client,
}

async fn sites(srv: &TestServer, pool: &str) -> Sites {
    let (node_a, url_a) = srv
        .node_with(|s| s.site_region = Some("us-east-1".into()))
        .await;
    let (node_b, url_b) = srv
        .node_with(|s| s.site_region = Some("us-west-2".into()))
        .await;
    Api::new(&url_a, "us-east-1")
        .create(pool, "us-west-2")
        .await
        .unwrap();
    Api::new(&url_b, "us-west-2")
        .update(pool, "us-west-2", "ACTIVE")
        .await
        .unwrap();
    Sites {
        node_a,
        node_b,
        a: idp_client(&url_a, "us-east-1", AKID, SECRET),
        b: idp_client(&url_b, "us-west-2", AKID, SECRET),
    }
}

impl Sites {
    async fn stop(self) {
        self.node_a.shutdown().await.unwrap();
        self.node_b.shutdown().await.unwrap();
    }
}

async fn describe(
    idp: &Client,
    pool: &str,
) -> aws_sdk_cognitoidentityprovider::types::UserPoolType {
    idp.describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
}

/// The trigger a pool's LambdaConfig names for PreAuthentication and PostAuthentication.
fn auth_triggers(
    p: &aws_sdk_cognitoidentityprovider::types::UserPoolType,
) -> (Option<String>, Option<String>) {
    let l = p.lambda_config();
    (
        l.and_then(|l| l.pre_authentication()).map(str::to_owned),
        l.and_then(|l| l.post_authentication()).map(str::to_owned),
    )
}

/// Runs `body` on a server whose trigger functions go to the test's receiver, on each backend.
macro_rules! with_receiver {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            async fn run(backend: crate::harness::Backend) {
                let (base, seen) = crate::triggers::receiver().await;
                let Some(srv) = crate::triggers::server(backend, &base).await else {
                    eprintln!("skipping: TESSERA_TEST_POSTGRES_URL is not set");
                    return;
                };
                let f = $body;
                f(&srv, seen).await;
                srv.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(crate::harness::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(crate::harness::Backend::Postgres).await;
            }
        }
    };
}

with_receiver!(
    a_secondary_keeps_its_own_settings,
    async |srv: &TestServer, seen: crate::triggers::Seen| {
        use crate::triggers::arn;
        use aws_sdk_cognitoidentityprovider::types::{
            EmailConfigurationType, EmailSendingAccountType, LambdaConfigType, PasswordPolicyType,
            UserPoolMfaType, UserPoolPolicyType,
        };
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ana").await;
        let s = sites(srv, &pool).await;
        let (a, b) = (&s.a, &s.b);
        let pre_auth_events = || {
            seen.lock()
                .unwrap()
                .iter()
                .filter(|(_, e, _)| e["triggerSource"] == "PreAuthentication_Authentication")
                .map(|(_, e, _)| e["region"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };

        // B sets its own trigger and sender with UpdateUserPool in its Region.
        let west_email = EmailConfigurationType::builder()
            .email_sending_account(EmailSendingAccountType::Developer)
            .source_arn("arn:aws:ses:us-west-2:123456789012:identity/west@example.com")
            .from("Tessera West <west@example.com>")
            .build();
        b.update_user_pool()
            .user_pool_id(&pool)
            .lambda_config(
                LambdaConfigType::builder()
                    .pre_authentication(arn("echo"))
                    .build(),
            )
            .email_configuration(west_email.clone())
            .send()
            .await
            .unwrap();
        let (at_a, at_b) = (describe(a, &pool).await, describe(b, &pool).await);
        assert_eq!(auth_triggers(&at_b), (Some(arn("echo")), None));
        assert_eq!(at_b.email_configuration(), Some(&west_email));
        assert_eq!(auth_triggers(&at_a), (None, None));
        assert_eq!(
            at_a.email_configuration()
                .and_then(|e| e.email_sending_account()),
            Some(&EmailSendingAccountType::CognitoDefault)
        );

        // B's trigger runs for a sign-in at B, in B's Region, and not for one at A.
        sign_in(a, &client, "ana", PASSWORD).await.unwrap();
        assert!(pre_auth_events().is_empty());
        sign_in(b, &client, "ana", PASSWORD).await.unwrap();
        assert_eq!(pre_auth_events(), vec!["us-west-2".to_string()]);

        // A global setting changed at B is refused, naming it, and nothing is stored.
        let r = b
            .update_user_pool()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::Optional)
            .send()
            .await;
        let m = r
            .as_ref()
            .err()
            .and_then(|e| {
                aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(e)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        assert_eq!(code(r), "InvalidParameterException");
        assert!(m.ends_with(": MfaConfiguration."), "{m}");
        let stricter = UserPoolPolicyType::builder()
            .password_policy(PasswordPolicyType::builder().minimum_length(12).build())
            .build();
        let r = b
            .update_user_pool()
            .user_pool_id(&pool)
            .policies(stricter)
            .send()
            .await;
        assert_eq!(code(r), "InvalidParameterException");
        let at_b = describe(b, &pool).await;
        assert_eq!(auth_triggers(&at_b), (Some(arn("echo")), None));
        assert_eq!(at_b.email_configuration(), Some(&west_email));
        assert_eq!(
            describe(a, &pool).await.mfa_configuration(),
            Some(&UserPoolMfaType::Off)
        );

        // What a client does to change one setting: DescribeUserPool, then UpdateUserPool
        // with what it described. The global settings match; the regional ones change.
        let d = describe(b, &pool).await;
        b.update_user_pool()
            .user_pool_id(&pool)
            .set_policies(d.policies.clone())
            .set_mfa_configuration(d.mfa_configuration.clone())
            .set_deletion_protection(d.deletion_protection.clone())
            .set_verification_message_template(d.verification_message_template.clone())
            .set_email_verification_message(d.email_verification_message.clone())
            .set_admin_create_user_config(d.admin_create_user_config.clone())
            .set_user_pool_tier(d.user_pool_tier.clone())
            .set_user_pool_tags(d.user_pool_tags.clone())
            .set_email_configuration(d.email_configuration.clone())
            .lambda_config(
                LambdaConfigType::builder()
                    .post_authentication(arn("echo"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let at_b = describe(b, &pool).await;
        assert_eq!(auth_triggers(&at_b), (None, Some(arn("echo"))));
        assert_eq!(at_b.email_configuration(), Some(&west_email));

        // The primary's change of a global setting reaches B, which keeps its own triggers.
        a.update_user_pool()
            .user_pool_id(&pool)
            .policies(
                UserPoolPolicyType::builder()
                    .password_policy(PasswordPolicyType::builder().minimum_length(10).build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let min_length = |p: &aws_sdk_cognitoidentityprovider::types::UserPoolType| {
            p.policies()
                .and_then(|p| p.password_policy())
                .and_then(|p| p.minimum_length())
        };
        assert!(
            eventually(async || min_length(&describe(b, &pool).await) == Some(10)).await,
            "A's policy reached B"
        );
        let at_b = describe(b, &pool).await;
        assert_eq!(auth_triggers(&at_b), (None, Some(arn("echo"))));
        assert_eq!(auth_triggers(&describe(a, &pool).await), (None, None));
        let listed = b.list_user_pools().max_results(60).send().await.unwrap();
        let mine = listed
            .user_pools()
            .iter()
            .find(|p| p.id() == Some(pool.as_str()))
            .unwrap();
        assert_eq!(
            mine.lambda_config().and_then(|l| l.post_authentication()),
            Some(arn("echo").as_str())
        );
        s.stop().await;
    }
);

both!(
    a_secondarys_settings_and_tags_written_together,
    async |srv: &TestServer| {
        use aws_sdk_cognitoidentityprovider::types::LambdaConfigType;
        let (pool, _) = setup(srv).await;
        let s = sites(srv, &pool).await;
        let arn_b = format!("arn:aws:cognito-idp:us-west-2:123456789012:userpool/{pool}");
        let function = |i: usize| crate::triggers::arn(&format!("f{i}"));
        // Half the requests change B's triggers, half add a tag to B's replica: every write
        // is a conditional one on the replica document's version.
        let results = together(12, |i| {
            let (b, pool, arn_b) = (s.b.clone(), pool.clone(), arn_b.clone());
            async move {
                let r = if i % 2 == 0 {
                    b.update_user_pool()
                        .user_pool_id(&pool)
                        .lambda_config(
                            LambdaConfigType::builder()
                                .pre_authentication(function(i))
                                .build(),
                        )
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| code(Err::<(), _>(e)))
                } else {
                    b.tag_resource()
                        .resource_arn(&arn_b)
                        .tags(format!("t{i}"), "x")
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| code(Err::<(), _>(e)))
                };
                (i, r)
            }
        })
        .await;
        // No acknowledged write is lost: each tag added is there, and the triggers are those
        // of an update that succeeded.
        for (_, r) in &results {
            if let Err(c) = r {
                assert_eq!(c, "ConcurrentModificationException");
            }
        }
        let ok: Vec<usize> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(i, _)| *i)
            .collect();
        let tags =
            s.b.list_tags_for_resource()
                .resource_arn(&arn_b)
                .send()
                .await
                .unwrap()
                .tags
                .unwrap_or_default();
        for i in ok.iter().filter(|i| *i % 2 == 1) {
            assert!(
                tags.contains_key(&format!("t{i}")),
                "t{i} was lost: {tags:?}"
            );
        }
        // Some write wins every round of the race; which kinds won is up to the scheduler.
        assert!(!ok.is_empty());
        let set = auth_triggers(&describe(&s.b, &pool).await).0;
        match set {
            Some(set) => assert!(
                ok.iter().any(|i| i % 2 == 0 && function(*i) == set),
                "{set} {ok:?}"
            ),
            None => assert!(ok.iter().all(|i| i % 2 == 1), "{ok:?}"),
        }
        s.stop().await;
    }
);
