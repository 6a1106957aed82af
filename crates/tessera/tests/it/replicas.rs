//! Multi-Region replicas (CreateUserPoolReplica and its siblings) and two sites on one
//! database: node A answers as us-east-1 (the pools' home), node B as us-west-2 (the
//! secondary). Cognito's multi-Region replication guide is the spec; the refusal texts are
//! Tessera's own (docs/fidelity.md, "Multi-Region replicas").
//!
//! The AWS SDK for Rust this suite pins predates the four replica operations, so they go
//! through [`Api`], a SigV4-signed AWS JSON call (the signer is checked against the SDK's in
//! `tessera_wire::sigv4`); boto3 drives them too (e2e/boto3/test_replicas.py). Everything
//! else here is the SDK.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, UserPoolTierType};
use serde_json::{Value, json};

use crate::auth::{PASSWORD, setup, user};
use crate::harness::{AKID, SECRET, TestServer, both, code, idp_client, together};

/// Signed AWS JSON 1.1 calls to one node, as one Region.
#[derive(Clone)]
struct Api {
    url: String,
    region: String,
}

impl Api {
    fn new(url: &str, region: &str) -> Api {
        Api {
            url: url.to_string(),
            region: region.to_string(),
        }
    }

    /// The answer, or the exception's (code, message).
    async fn call(&self, op: &str, body: Value) -> Result<Value, (String, String)> {
        let body = body.to_string();
        let host = self.url.trim_start_matches("http://").to_string();
        let mut headers = vec![
            ("host".to_string(), host),
            (
                "content-type".to_string(),
                "application/x-amz-json-1.1".to_string(),
            ),
            (
                "x-amz-target".to_string(),
                format!("AWSCognitoIdentityProviderService.{op}"),
            ),
        ];
        let key = tessera_wire::sigv4::sign::SigningKey {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: None,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        tessera_wire::sigv4::sign::sign(
            "POST",
            "/",
            "",
            &mut headers,
            body.as_bytes(),
            "cognito-idp",
            &self.region,
            &key,
            now,
        )
        .unwrap();
        let mut req = reqwest::Client::new().post(format!("{}/", self.url));
        for (n, v) in headers.iter().filter(|(n, _)| n != "host") {
            req = req.header(n, v);
        }
        let r = req.body(body).send().await.unwrap();
        let ok = r.status().is_success();
        let v: Value = r.json().await.unwrap();
        if ok {
            Ok(v)
        } else {
            Err((
                v["__type"].as_str().unwrap_or_default().to_string(),
                v["message"].as_str().unwrap_or_default().to_string(),
            ))
        }
    }

    async fn create(&self, pool: &str, region: &str) -> Result<Value, (String, String)> {
        self.call(
            "CreateUserPoolReplica",
            json!({"UserPoolId": pool, "RegionName": region}),
        )
        .await
    }

    async fn update(
        &self,
        pool: &str,
        region: &str,
        status: &str,
    ) -> Result<Value, (String, String)> {
        self.call(
            "UpdateUserPoolReplica",
            json!({"UserPoolId": pool, "RegionName": region, "Status": status}),
        )
        .await
    }

    async fn delete(&self, pool: &str, region: &str) -> Result<Value, (String, String)> {
        self.call(
            "DeleteUserPoolReplica",
            json!({"UserPoolId": pool, "RegionName": region}),
        )
        .await
    }

    /// (region, role, status, ARN) of each replica.
    async fn list(&self, pool: &str) -> Vec<(String, String, String, String)> {
        let v = self
            .call("ListUserPoolReplicas", json!({"UserPoolId": pool}))
            .await
            .unwrap();
        v["UserPoolReplicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let f = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (f("RegionName"), f("Role"), f("Status"), f("UserPoolArn"))
            })
            .collect()
    }
}

/// The exception code of a failed [`Api`] call.
fn failed(r: Result<Value, (String, String)>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err((c, _)) => c,
    }
}

async fn sign_in(idp: &Client, client: &str, name: &str, password: &str) -> Result<String, String> {
    sign_in_or_refusal(idp, client, name, password)
        .await
        .map_err(|(code, _)| code)
}

/// The access token of a USER_PASSWORD_AUTH sign-in, or the refusal's (code, message).
async fn sign_in_or_refusal(
    idp: &Client,
    client: &str,
    name: &str,
    password: &str,
) -> Result<String, (String, String)> {
    use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
    idp.initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|r| {
            r.authentication_result
                .and_then(|a| a.access_token)
                .unwrap_or_default()
        })
        .map_err(|e| {
            let code = e.code().unwrap_or_default().to_string();
            (code, e.message().unwrap_or_default().to_string())
        })
}

/// Polls `f` until it returns true (for up to 5 seconds).
async fn eventually<F: AsyncFnMut() -> bool>(mut f: F) -> bool {
    for _ in 0..100 {
        if f().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

both!(the_replica_control_plane, async |srv: &TestServer| {
    let (pool, _) = setup(srv).await;
    let east = Api::new(&srv.url, "us-east-1");
    let west = Api::new(&srv.url, "us-west-2");
    // Only in the primary's Region (the caller's signed Region, on a node without a site).
    assert_eq!(
        failed(west.create(&pool, "us-west-2").await),
        "OperationNotEnabledException"
    );
    for bad in ["us-east-1", "mars-1", "US-WEST-2"] {
        assert_eq!(
            failed(east.create(&pool, bad).await),
            "InvalidParameterException",
            "{bad}"
        );
    }
    // Of parallel creations exactly one gets the pool's one secondary.
    let regions = ["us-west-2", "eu-west-1", "ap-south-1", "eu-central-1"];
    let outcomes = together(regions.len(), |i| {
        let (east, pool) = (east.clone(), pool.clone());
        async move {
            east.call(
                "CreateUserPoolReplica",
                json!({"UserPoolId": pool, "RegionName": regions[i],
                       "UserPoolTags": {"site": regions[i]}}),
            )
            .await
        }
    })
    .await;
    let (won, lost): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(Result::is_ok);
    assert_eq!(won.len(), 1, "{lost:?}");
    for l in lost {
        assert_eq!(failed(l), "LimitExceededException");
    }
    let made = won.into_iter().next().unwrap().unwrap()["UserPoolReplica"].clone();
    assert_eq!(made["Status"], "CREATING");
    assert_eq!(made["Role"], "SECONDARY");
    let region = made["RegionName"].as_str().unwrap().to_string();
    let arn = format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{pool}");
    assert_eq!(made["UserPoolArn"], arn.as_str());
    assert_eq!(
        east.list(&pool).await,
        vec![
            (
                "us-east-1".into(),
                "PRIMARY".into(),
                "ACTIVE".into(),
                format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool}")
            ),
            (
                region.clone(),
                "SECONDARY".into(),
                "INACTIVE".into(),
                arn.clone()
            ),
        ]
    );
    // ListUserPools names it; the replica keeps its own tags, under its own ARN.
    let listed = east
        .call("ListUserPools", json!({"MaxResults": 60}))
        .await
        .unwrap();
    let mine = listed["UserPools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Id"] == pool.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["ReplicaRegions"], json!([region]));
    let tags = srv
        .idp
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().and_then(|t| t.get("site")), Some(&region));

    // Delete: only INACTIVE, only from the primary's Region; then it is gone.
    let other = Api::new(&srv.url, &region);
    assert_eq!(
        failed(other.delete(&pool, &region).await),
        "OperationNotEnabledException"
    );
    other.update(&pool, &region, "ACTIVE").await.unwrap();
    assert_eq!(
        failed(east.delete(&pool, &region).await),
        "InvalidParameterException"
    );
    assert_eq!(
        failed(east.update(&pool, &region, "DELETING").await),
        "InvalidParameterException"
    );
    east.update(&pool, &region, "INACTIVE").await.unwrap();
    let gone = east.delete(&pool, &region).await.unwrap();
    assert_eq!(gone["UserPoolReplica"]["Status"], "DELETING");
    assert_eq!(east.list(&pool).await.len(), 1);
    assert_eq!(
        failed(east.update(&pool, &region, "ACTIVE").await),
        "ResourceNotFoundException"
    );

    // The Lite plan has no multi-Region replication.
    let lite = srv
        .idp
        .create_user_pool()
        .pool_name("lite")
        .user_pool_tier(UserPoolTierType::Lite)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        failed(east.create(&lite, "us-west-2").await),
        "FeatureUnavailableInTierException"
    );
});

both!(
    two_sites_a_primary_and_its_secondary,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ana").await;
        user(srv, &pool, "ben").await;
        let (node_a, url_a) = srv
            .node_with(|s| s.site_region = Some("us-east-1".into()))
            .await;
        let (node_b, url_b) = srv
            .node_with(|s| s.site_region = Some("us-west-2".into()))
            .await;
        let a = idp_client(&url_a, "us-east-1", AKID, SECRET);
        let b = idp_client(&url_b, "us-west-2", AKID, SECRET);

        // Before there is a replica the pool does not exist in us-west-2.
        let r = b.describe_user_pool().user_pool_id(&pool).send().await;
        assert_eq!(code(r), "ResourceNotFoundException");
        assert_eq!(
            sign_in(&b, &client, "ana", PASSWORD).await.unwrap_err(),
            "ResourceNotFoundException"
        );
        // Created at the primary (B, a secondary Region, may not).
        let (api_a, api_b) = (Api::new(&url_a, "us-east-1"), Api::new(&url_b, "us-west-2"));
        assert_eq!(
            failed(api_b.create(&pool, "us-west-2").await),
            "ResourceNotFoundException"
        );
        api_a.create(&pool, "us-west-2").await.unwrap();
        // B learns of it through the change feed.
        assert!(
            eventually(async || b
                .describe_user_pool()
                .user_pool_id(&pool)
                .send()
                .await
                .is_ok())
            .await
        );

        // INACTIVE: admin reads work at B, end users are refused.
        let described = b
            .describe_user_pool()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        assert_eq!(described.id(), Some(pool.as_str()));
        assert_eq!(
            described.arn(),
            Some(format!("arn:aws:cognito-idp:us-west-2:123456789012:userpool/{pool}").as_str())
        );
        b.admin_get_user()
            .user_pool_id(&pool)
            .username("ana")
            .send()
            .await
            .unwrap();
        assert_eq!(
            sign_in(&b, &client, "ana", PASSWORD).await.unwrap_err(),
            "OperationNotEnabledException"
        );
        let r = sign_in_or_refusal(&b, &client, "ana", PASSWORD).await;
        let (_, m) = r.unwrap_err();
        assert!(m.contains("INACTIVE"), "{m}");

        // ACTIVE (set from the secondary's own Region): B signs A's users in.
        api_b.update(&pool, "us-west-2", "ACTIVE").await.unwrap();
        let at_b = b
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "ana")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap()
            .authentication_result
            .unwrap();
        let access_b = at_b.access_token.unwrap();
        let refresh_b = at_b.refresh_token.unwrap();
        // Tokens from either site work at the other.
        a.get_user().access_token(&access_b).send().await.unwrap();
        let access_a = sign_in(&a, &client, "ana", PASSWORD).await.unwrap();
        b.get_user().access_token(&access_a).send().await.unwrap();
        let refresh = |idp: Client, token: String| {
            let client = client.clone();
            async move {
                idp.initiate_auth()
                    .client_id(&client)
                    .auth_flow(AuthFlowType::RefreshTokenAuth)
                    .auth_parameters("REFRESH_TOKEN", token)
                    .send()
                    .await
                    .map_err(|e| code(Err::<(), _>(e)))
                    .map(drop)
            }
        };
        refresh(a.clone(), refresh_b.clone()).await.unwrap();

        // What a secondary never does.
        let refused = "OperationNotEnabledException";
        let r = b
            .sign_up()
            .client_id(&client)
            .username("cleo")
            .password(PASSWORD)
            .send()
            .await;
        assert_eq!(code(r), refused);
        let r = b
            .admin_create_user()
            .user_pool_id(&pool)
            .username("cleo")
            .send()
            .await;
        assert_eq!(code(r), refused);
        let r = b
            .forgot_password()
            .client_id(&client)
            .username("ana")
            .send()
            .await;
        assert_eq!(code(r), refused);
        let r = b
            .update_user_attributes()
            .access_token(&access_b)
            .user_attributes(crate::users::attr("name", "Ana"))
            .send()
            .await;
        assert_eq!(code(r), refused);
        let r = b
            .change_password()
            .access_token(&access_b)
            .previous_password(PASSWORD)
            .proposed_password("Another-Passw0rd!")
            .send()
            .await;
        assert_eq!(code(r), refused);
        let r = b
            .create_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await;
        assert_eq!(code(r), refused);
        assert_eq!(failed(api_b.delete(&pool, "us-west-2").await), refused);
        // Members the operation does not define do not steer the gate: not a client that does
        // not exist, nor a pool that is primary at B.
        let home_of_b = srv
            .client_in("us-west-2")
            .create_user_pool()
            .pool_name("west")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let steered = api_b
            .call(
                "ChangePassword",
                json!({"AccessToken": access_b, "PreviousPassword": PASSWORD,
                   "ProposedPassword": "Another-Passw0rd!", "ClientId": "nope"}),
            )
            .await;
        assert_eq!(failed(steered), refused);
        let steered = api_b
            .call(
                "SignUp",
                json!({"ClientId": client, "Username": "cleo", "Password": PASSWORD,
                   "UserPoolId": home_of_b}),
            )
            .await;
        assert_eq!(failed(steered), refused);
        // Tags: at B only B's ARN of the pool, which is the replica's own.
        let arn =
            |region: &str| format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{pool}");
        let r = b
            .tag_resource()
            .resource_arn(arn("us-east-1"))
            .tags("at", "b")
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");
        b.tag_resource()
            .resource_arn(arn("us-west-2"))
            .tags("at", "b")
            .send()
            .await
            .unwrap();
        let primary_tags = a
            .list_tags_for_resource()
            .resource_arn(arn("us-east-1"))
            .send()
            .await
            .unwrap();
        assert!(primary_tags.tags().is_none_or(|t| !t.contains_key("at")));
        // A first sign-in that would set a new password belongs to the primary.
        a.admin_create_user()
            .user_pool_id(&pool)
            .username("dan")
            .temporary_password("Temporary-Passw0rd!")
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        assert_eq!(
            sign_in(&b, &client, "dan", "Temporary-Passw0rd!")
                .await
                .unwrap_err(),
            refused
        );
        let at_a = a
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "dan")
            .auth_parameters("PASSWORD", "Temporary-Passw0rd!")
            .send()
            .await
            .unwrap();
        assert_eq!(
            at_a.challenge_name().map(|c| c.as_str()),
            Some("NEW_PASSWORD_REQUIRED")
        );
        // The primary still does all of it.
        a.create_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await
            .unwrap();

        // Lockout counts are per Region: failures at B lock ben out at B only. Seven of them,
        // waiting out the first two lockouts (1 s, 2 s), lock him out for 4 s: long enough
        // for the checks below on a slow machine.
        for n in 0..7 {
            assert_eq!(
                sign_in(&b, &client, "ben", "Wrong-Passw0rd!")
                    .await
                    .unwrap_err(),
                "NotAuthorizedException"
            );
            if (4..6).contains(&n) {
                tokio::time::sleep(std::time::Duration::from_millis(1100 << (n - 4))).await;
            }
        }
        sign_in(&a, &client, "ben", PASSWORD).await.unwrap();
        let r = sign_in_or_refusal(&b, &client, "ben", PASSWORD).await;
        assert_eq!(r.unwrap_err().1, "Password attempts exceeded");

        // A global sign-out at B ends the sign-in everywhere.
        b.global_sign_out()
            .access_token(&access_b)
            .send()
            .await
            .unwrap();
        assert!(
            eventually(async || refresh(a.clone(), refresh_b.clone()).await.is_err()).await,
            "the sign-out reached A"
        );
        assert_eq!(
            refresh(a.clone(), refresh_b).await.unwrap_err(),
            "NotAuthorizedException"
        );

        // Pools of other Regions do not exist at B; ListUserPools there shows the replica.
        let elsewhere = srv
            .client_in("eu-west-1")
            .create_user_pool()
            .pool_name("elsewhere")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let r = b.describe_user_pool().user_pool_id(&elsewhere).send().await;
        assert_eq!(code(r), "ResourceNotFoundException");
        let listed: Vec<String> = b
            .list_user_pools()
            .max_results(60)
            .send()
            .await
            .unwrap()
            .user_pools()
            .iter()
            .filter_map(|p| p.id().map(str::to_owned))
            .collect();
        assert_eq!(listed, vec![pool.clone(), home_of_b.clone()]);

        // Closed again, then deleted at the primary: B no longer has the pool.
        api_a.update(&pool, "us-west-2", "INACTIVE").await.unwrap();
        api_a.delete(&pool, "us-west-2").await.unwrap();
        let gone = async || {
            let r = b
                .admin_get_user()
                .user_pool_id(&pool)
                .username("ana")
                .send()
                .await;
            r.is_err() && code(r) == "ResourceNotFoundException"
        };
        assert!(eventually(gone).await);
        node_a.shutdown().await.unwrap();
        node_b.shutdown().await.unwrap();
    }
);

both!(hosted_pages_at_a_secondary, async |srv: &TestServer| {
    use crate::oauth::{Browser, CALLBACK, fixture, url};
    let f = fixture(srv).await;
    let (node_b, url_b) = srv
        .node_with(|s| s.site_region = Some("us-west-2".into()))
        .await;
    let api_b = Api::new(&url_b, "us-west-2");
    Api::new(&srv.url, "us-east-1")
        .create(&f.pool, "us-west-2")
        .await
        .unwrap();
    let params = [
        ("client_id", f.code_client.as_str()),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
    ];
    let at_b = format!("{url_b}/domain/{}", f.domain);
    let mut browser = Browser::new();
    // Closed (INACTIVE): no end user is served, once B has read the change.
    let mut status = 0;
    for _ in 0..100 {
        status = browser.get(&url(&at_b, "/login", &params)).await.status;
        if status == 403 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 403);
    // Open: B signs in, but sign-up and password reset stay at the primary.
    api_b.update(&f.pool, "us-west-2", "ACTIVE").await.unwrap();
    assert_eq!(
        browser.get(&url(&at_b, "/login", &params)).await.status,
        200
    );
    assert_eq!(
        browser.get(&url(&at_b, "/signup", &params)).await.status,
        403
    );
    assert_eq!(
        browser
            .get(&url(&at_b, "/forgotPassword", &params))
            .await
            .status,
        403
    );
    assert_eq!(
        browser.get(&url(&f.base, "/signup", &params)).await.status,
        200
    );
    let posted = browser
        .post(
            &url(&at_b, "/signup", &params),
            &[
                ("username", "eve"),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(posted.status, 403);
    let r = srv
        .idp
        .admin_get_user()
        .user_pool_id(&f.pool)
        .username("eve")
        .send()
        .await;
    assert_eq!(code(r), "UserNotFoundException");
    node_b.shutdown().await.unwrap();
});

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
