//! Two sites on one database: what the secondary serves and refuses, tokens across sites,
//! per-Region lockout, and the hosted pages at a secondary.

use super::*;

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
