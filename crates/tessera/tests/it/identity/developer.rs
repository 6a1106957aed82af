//! Developer-authenticated identities: tokens for the developer's users, lookups, merges,
//! unlinking, and the token accepted back under `cognito-identity.amazonaws.com`.

use super::*;
use crate::harness::{code, message};

const DEV: &str = "login.example.app";

with_sts!(
    developer_identities,
    async |srv: &TestServer, calls: Calls| {
        let c = identity_client(&srv.url);
        let ipool = c
            .create_identity_pool()
            .identity_pool_name("dev")
            .allow_unauthenticated_identities(false)
            .developer_provider_name(DEV)
            .send()
            .await
            .unwrap()
            .identity_pool_id()
            .to_string();
        c.set_identity_pool_roles()
            .identity_pool_id(&ipool)
            .roles("authenticated", "arn:aws:iam::123456789012:role/dev-users")
            .send()
            .await
            .unwrap();
        // The developer's backend (signed) asks for a token for its user 'u1'.
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u1")
            .principal_tags("team", "blue")
            .send()
            .await
            .unwrap();
        let id1 = r.identity_id().unwrap().to_string();
        let t = claims(r.token().unwrap());
        assert_eq!(t["sub"], id1);
        assert_eq!(
            t["amr"],
            serde_json::json!(["authenticated", DEV, format!("{DEV}:{ipool}:u1")])
        );
        assert_eq!(t["exp"].as_i64().unwrap() - t["iat"].as_i64().unwrap(), 900);
        assert_eq!(
            t["https://aws.amazon.com/tags"]["principal_tags"]["team"],
            serde_json::json!(["blue"])
        );
        // Same user, same identity; a duration of our own.
        let again = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u1")
            .token_duration(3600)
            .send()
            .await
            .unwrap();
        assert_eq!(again.identity_id(), Some(id1.as_str()));
        let t = claims(again.token().unwrap());
        assert_eq!(
            t["exp"].as_i64().unwrap() - t["iat"].as_i64().unwrap(),
            3600
        );
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u1")
            .token_duration(86_401)
            .send()
            .await;
        assert_eq!(code(r), "ValidationException");
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins("other.provider", "u1")
            .send()
            .await;
        assert_eq!(
            message(r),
            "This identity pool does not support the specified developer provider."
        );
        // The client exchanges the token for credentials (the enhanced flow).
        let creds = c
            .get_credentials_for_identity()
            .identity_id(&id1)
            .logins("cognito-identity.amazonaws.com", again.token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(creds.identity_id(), Some(id1.as_str()));
        assert_eq!(
            calls.lock().unwrap().last().unwrap().0,
            "arn:aws:iam::123456789012:role/dev-users"
        );
        // The developer provider's name is no Logins key for unsigned calls.
        let r = c
            .get_id()
            .identity_pool_id(&ipool)
            .logins(DEV, "u1")
            .send()
            .await;
        assert_eq!(code(r), "NotAuthorizedException");

        // A second user, linked to the first identity by IdentityId, then a third on its own.
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .identity_id(&id1)
            .logins(DEV, "u2")
            .send()
            .await
            .unwrap();
        assert_eq!(r.identity_id(), Some(id1.as_str()));
        let id3 = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u3")
            .send()
            .await
            .unwrap()
            .identity_id()
            .unwrap()
            .to_string();
        assert_ne!(id3, id1);
        // u3 belongs to id3: it cannot be given to id1 this way (MergeDeveloperIdentities can).
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .identity_id(&id1)
            .logins(DEV, "u3")
            .send()
            .await;
        assert_eq!(code(r), "DeveloperUserAlreadyRegisteredException");

        // Lookup by identity (a page at a time) and by user.
        let page = c
            .lookup_developer_identity()
            .identity_pool_id(&ipool)
            .identity_id(&id1)
            .max_results(1)
            .send()
            .await
            .unwrap();
        assert_eq!(page.developer_user_identifier_list(), ["u1"]);
        let next = c
            .lookup_developer_identity()
            .identity_pool_id(&ipool)
            .identity_id(&id1)
            .max_results(1)
            .next_token(page.next_token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(next.developer_user_identifier_list(), ["u2"]);
        assert_eq!(next.next_token(), None);
        let by_user = c
            .lookup_developer_identity()
            .identity_pool_id(&ipool)
            .developer_user_identifier("u3")
            .send()
            .await
            .unwrap();
        assert_eq!(by_user.identity_id(), Some(id3.as_str()));
        let r = c
            .lookup_developer_identity()
            .identity_pool_id(&ipool)
            .developer_user_identifier("nobody")
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");

        // Merge u3 into u1's identity: u3 then resolves to it, and its old identity is gone.
        let merged = c
            .merge_developer_identities()
            .identity_pool_id(&ipool)
            .developer_provider_name(DEV)
            .source_user_identifier("u3")
            .destination_user_identifier("u1")
            .send()
            .await
            .unwrap();
        assert_eq!(merged.identity_id(), Some(id1.as_str()));
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u3")
            .send()
            .await
            .unwrap();
        assert_eq!(r.identity_id(), Some(id1.as_str()));
        let r = c.describe_identity().identity_id(&id3).send().await;
        assert_eq!(code(r), "ResourceNotFoundException");

        // Unlink u2: it is then a new identity next time.
        c.unlink_developer_identity()
            .identity_pool_id(&ipool)
            .identity_id(&id1)
            .developer_provider_name(DEV)
            .developer_user_identifier("u2")
            .send()
            .await
            .unwrap();
        let r = c
            .unlink_developer_identity()
            .identity_pool_id(&ipool)
            .identity_id(&id1)
            .developer_provider_name(DEV)
            .developer_user_identifier("u2")
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u2")
            .send()
            .await
            .unwrap();
        assert_ne!(r.identity_id(), Some(id1.as_str()));
    }
);

crate::harness::both!(developer_calls_are_signed, async |srv: &TestServer| {
    // An unsigned client (no credentials) may call GetId but not the developer operations.
    let conf = aws_sdk_cognitoidentity::Config::builder()
        .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
        .region(aws_sdk_cognitoidentity::config::Region::new("us-east-1"))
        .endpoint_url(&srv.url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIDNOTKNOWN",
            "wrong",
            None,
            None,
            "tests",
        ))
        .build();
    let stranger = aws_sdk_cognitoidentity::Client::from_conf(conf);
    let r = stranger
        .get_open_id_token_for_developer_identity()
        .identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000")
        .logins(DEV, "u1")
        .send()
        .await;
    assert_eq!(code(r), "UnrecognizedClientException");
    let r = stranger
        .get_id()
        .identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

with_sts!(
    two_nodes_share_the_issuer,
    async |srv: &TestServer, _calls: Calls| {
        // A second node on the same database: it publishes the same keys and accepts back the
        // tokens the first one signed (the key is in the database, sealed with the shared
        // server key).
        let (node, _) = srv.second_node().await;
        let b = identity_client(&format!("http://{}", node.addr));
        let a = identity_client(&srv.url);
        let ipool = a
            .create_identity_pool()
            .identity_pool_name("two")
            .allow_unauthenticated_identities(false)
            .developer_provider_name(DEV)
            .send()
            .await
            .unwrap()
            .identity_pool_id()
            .to_string();
        a.set_identity_pool_roles()
            .identity_pool_id(&ipool)
            .roles("authenticated", "arn:aws:iam::123456789012:role/dev-users")
            .send()
            .await
            .unwrap();
        let r = a
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u1")
            .send()
            .await
            .unwrap();
        let got = b
            .get_credentials_for_identity()
            .identity_id(r.identity_id().unwrap())
            .logins("cognito-identity.amazonaws.com", r.token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(got.identity_id(), r.identity_id());
        let jwks = |url: String| async move {
            reqwest::get(format!("{url}/identity/.well-known/jwks_uri"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        };
        assert_eq!(
            jwks(srv.url.clone()).await,
            jwks(format!("http://{}", node.addr)).await
        );
        node.shutdown().await.unwrap();
    }
);

with_sts!(
    a_developer_token_is_no_longer_renewable_than_itself,
    async |srv: &TestServer, _calls: Calls| {
        let c = identity_client(&srv.url);
        let ipool = c
            .create_identity_pool()
            .identity_pool_name("dev-renew")
            .allow_unauthenticated_identities(false)
            .developer_provider_name(DEV)
            .send()
            .await
            .unwrap()
            .identity_pool_id()
            .to_string();
        let r = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ipool)
            .logins(DEV, "u1")
            .token_duration(60)
            .send()
            .await
            .unwrap();
        let first = claims(r.token().unwrap());
        // GetOpenIdToken with the developer's token: the new token ends when that one does.
        let renewed = c
            .get_open_id_token()
            .identity_id(r.identity_id().unwrap())
            .logins("cognito-identity.amazonaws.com", r.token().unwrap())
            .send()
            .await
            .unwrap();
        let second = claims(renewed.token().unwrap());
        assert!(second["exp"].as_i64().unwrap() <= first["exp"].as_i64().unwrap());
        assert_eq!(second["amr"], first["amr"]);
    }
);
