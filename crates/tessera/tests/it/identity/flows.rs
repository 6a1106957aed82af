//! GetId, GetOpenIdToken and GetCredentialsForIdentity: guests, user pool sign-ins,
//! ServerSideTokenCheck, the classic flow, identity descriptions, unlinking, deletion, a
//! burst of GetId calls for one user, and the STS's failures.

use std::collections::HashMap;

use super::*;
use crate::harness::{code, message, together};

const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/authenticated";
const UNAUTH_ROLE: &str = "arn:aws:iam::123456789012:role/guests";

/// An identity pool over a signed-in user pool user; (pool, client, id token, identity pool).
async fn setup(srv: &TestServer, guests: bool, check: bool) -> (String, String, String, String) {
    let (pool, client, id_token) = signed_in(srv, "ana").await;
    let c = identity_client(&srv.url);
    let ipool = c
        .create_identity_pool()
        .identity_pool_name("flows")
        .allow_unauthenticated_identities(guests)
        .cognito_identity_providers(provider(&pool, &client, check))
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    c.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .roles("authenticated", AUTH_ROLE)
        .roles("unauthenticated", UNAUTH_ROLE)
        .send()
        .await
        .unwrap();
    (pool, client, id_token, ipool)
}

with_sts!(
    guest_then_signed_in,
    async |srv: &TestServer, calls: Calls| {
        let (pool, _client, id_token, ipool) = setup(srv, true, false).await;
        let c = identity_client(&srv.url);

        // A guest: an identity and the unauthenticated role's credentials, unchanged from STS.
        let guest = new_guest(&c, &ipool).await;
        assert!(guest.starts_with("us-east-1:"));
        let creds = c
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await
            .unwrap();
        assert_eq!(creds.identity_id(), Some(guest.as_str()));
        let k = creds.credentials().unwrap();
        assert_eq!(k.access_key_id(), Some("ASIATESTKEY"));
        assert_eq!(k.secret_key(), Some("secret/key"));
        assert_eq!(k.session_token(), Some("session-token"));
        assert_eq!(
            k.expiration().unwrap().secs(),
            1_893_456_000,
            "2030-01-01T00:00:00Z"
        );
        let (role, session, token) = calls.lock().unwrap().last().cloned().unwrap();
        assert_eq!(role, UNAUTH_ROLE);
        assert_eq!(session, "CognitoIdentityCredentials");
        let t = claims(&token);
        assert_eq!(t["sub"], guest);
        assert_eq!(t["aud"], ipool);
        assert_eq!(t["amr"], serde_json::json!(["unauthenticated"]));
        assert_eq!(t["iss"], format!("{}/identity", srv.url));

        // Signed in (the key Amplify sends: the issuer without its scheme): one identity for
        // the user, the same on every call, authenticated role.
        let logins = HashMap::from([(amplify_key(srv, &pool), id_token.clone())]);
        let a = c
            .get_id()
            .identity_pool_id(&ipool)
            .set_logins(Some(logins.clone()))
            .send()
            .await
            .unwrap()
            .identity_id()
            .unwrap()
            .to_string();
        assert_ne!(a, guest);
        // The configured provider name (the AWS form) names the same pool.
        let aws_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
        let b = c
            .get_id()
            .identity_pool_id(&ipool)
            .logins(&aws_key, &id_token)
            .send()
            .await
            .unwrap();
        assert_eq!(b.identity_id(), Some(a.as_str()));
        let creds = c
            .get_credentials_for_identity()
            .identity_id(&a)
            .set_logins(Some(logins.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(creds.identity_id(), Some(a.as_str()));
        let (role, _, token) = calls.lock().unwrap().last().cloned().unwrap();
        assert_eq!(role, AUTH_ROLE);
        let t = claims(&token);
        let sub = claims(&id_token)["sub"].as_str().unwrap().to_string();
        assert_eq!(
            t["amr"],
            serde_json::json!([
                "authenticated",
                aws_key,
                format!("{aws_key}:CognitoSignIn:{sub}")
            ])
        );
        // Default principal tags of a user pool provider: username = sub, client = aud.
        assert_eq!(
            t["https://aws.amazon.com/tags"]["principal_tags"]["username"],
            serde_json::json!([sub])
        );

        // The authenticated identity without its login; with another user's login.
        let r = c
            .get_credentials_for_identity()
            .identity_id(&a)
            .send()
            .await;
        assert_eq!(
            message(r),
            format!("Access to Identity '{a}' is forbidden.")
        );
        crate::auth::user(srv, &pool, "bob").await;
        let (_, client) = (
            pool.clone(),
            claims(&id_token)["aud"].as_str().unwrap().to_string(),
        );
        let bob = crate::auth::login(srv, &client, "bob", crate::auth::PASSWORD)
            .await
            .unwrap()
            .id_token
            .unwrap();
        let bob_id = id_for(&c, &ipool, &aws_key, &bob).await;
        assert_ne!(bob_id, a);
        // Ana's identity with only Bob's login: it proves nothing linked to Ana's.
        let r = c
            .get_credentials_for_identity()
            .identity_id(&a)
            .logins(&aws_key, &bob)
            .send()
            .await;
        assert_eq!(
            message(r),
            "Logins don't match. Please include at least one valid login for this identity or identity pool."
        );
        // A guest presenting Bob's login, linked to Bob's identity: the two are merged into
        // Bob's, which is returned (Cognito's authentication-flow guide).
        let other_guest = new_guest(&c, &ipool).await;
        let merged = c
            .get_credentials_for_identity()
            .identity_id(&other_guest)
            .logins(&aws_key, &bob)
            .send()
            .await
            .unwrap();
        assert_eq!(merged.identity_id(), Some(bob_id.as_str()));
        let r = c.describe_identity().identity_id(&other_guest).send().await;
        assert_eq!(code(r), "ResourceNotFoundException");

        // DescribeIdentity, ListIdentities, DeleteIdentities.
        let d = c
            .describe_identity()
            .identity_id(&bob_id)
            .send()
            .await
            .unwrap();
        assert_eq!(d.logins(), std::slice::from_ref(&aws_key));
        assert!(d.creation_date().is_some());
        let listed = c
            .list_identities()
            .identity_pool_id(&ipool)
            .max_results(60)
            .send()
            .await
            .unwrap();
        let ids: Vec<_> = listed
            .identities()
            .iter()
            .map(|i| i.identity_id().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
        assert!(ids.contains(&guest) && ids.contains(&bob_id) && ids.contains(&a));
        // Credentials once (the node now holds the identity), then the deletion must show
        // at once on this node.
        c.get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await
            .unwrap();
        let del = c
            .delete_identities()
            .identity_ids_to_delete(&guest)
            .identity_ids_to_delete("us-east-1:00000000-0000-0000-0000-000000000000")
            .send()
            .await
            .unwrap();
        assert!(del.unprocessed_identity_ids().is_empty());
        let r = c
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await;
        assert_eq!(message(r), format!("Identity '{guest}' not found."));

        // UnlinkIdentity: the last login goes; the identity is then a guest no one can prove.
        c.unlink_identity()
            .identity_id(&bob_id)
            .logins(&aws_key, &bob)
            .logins_to_remove(&aws_key)
            .send()
            .await
            .unwrap();
        let d = c
            .describe_identity()
            .identity_id(&bob_id)
            .send()
            .await
            .unwrap();
        assert!(d.logins().is_empty());
        // Bob signing in again gets a new identity.
        let again = c
            .get_id()
            .identity_pool_id(&ipool)
            .logins(&aws_key, &bob)
            .send()
            .await
            .unwrap();
        assert_ne!(again.identity_id(), Some(bob_id.as_str()));
    }
);

with_sts!(refusals, async |srv: &TestServer, _calls: Calls| {
    let (pool, client, id_token, ipool) = setup(srv, false, false).await;
    let c = identity_client(&srv.url);
    let aws_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    // No guests here.
    let r = c.get_id().identity_pool_id(&ipool).send().await;
    assert_eq!(
        message(r),
        "Unauthenticated access is not supported for this identity pool."
    );
    // A provider the pool does not list.
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins("graph.facebook.com", "token")
        .send()
        .await;
    assert_eq!(
        message(r),
        "Token is not from a supported provider of this identity pool."
    );
    // A token of another app client of the same user pool.
    let other_client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("other")
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let other = crate::auth::login(srv, &other_client, "ana", crate::auth::PASSWORD)
        .await
        .unwrap()
        .id_token
        .unwrap();
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(&aws_key, &other)
        .send()
        .await;
    assert_eq!(code(r), "NotAuthorizedException");
    // A forged token; an access token instead of an ID token.
    // One character in the middle of the signature changed.
    let cut = id_token.rfind('.').unwrap() + 20;
    let swapped = if &id_token[cut..cut + 1] == "A" {
        "B"
    } else {
        "A"
    };
    let forged = format!("{}{swapped}{}", &id_token[..cut], &id_token[cut + 1..]);
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(&aws_key, &forged)
        .send()
        .await;
    // amazon-archives/amazon-cognito-identity-js#91.
    assert_eq!(
        message(r),
        "Invalid login token. Couldn't verify signed token."
    );
    let access = crate::auth::login(srv, &client, "ana", crate::auth::PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    let r = c
        .get_id()
        .identity_pool_id(&ipool)
        .logins(&aws_key, &access)
        .send()
        .await;
    // amazon-archives/amazon-cognito-identity-js#7: an access token has no aud.
    assert_eq!(
        message(r),
        "Invalid login token. Missing a required claim: aud"
    );
    // An unknown identity.
    let r = c
        .get_credentials_for_identity()
        .identity_id("us-east-1:00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    assert_eq!(
        message(r),
        "Identity 'us-east-1:00000000-0000-0000-0000-000000000000' not found."
    );
    // The basic flow where AllowClassicFlow is false.
    let id = id_for(&c, &ipool, &aws_key, &id_token).await;
    c.update_identity_pool()
        .identity_pool_id(&ipool)
        .identity_pool_name("flows")
        .allow_unauthenticated_identities(false)
        .allow_classic_flow(false)
        .cognito_identity_providers(provider(&pool, &client, false))
        .send()
        .await
        .unwrap();
    let r = c
        .get_open_id_token()
        .identity_id(&id)
        .logins(&aws_key, &id_token)
        .send()
        .await;
    assert_eq!(
        message(r),
        "Basic (classic) flow is not enabled, please use enhanced flow."
    );
});

with_sts!(
    server_side_token_check,
    async |srv: &TestServer, _calls: Calls| {
        let (pool, client, id_token, ipool) = setup(srv, false, true).await;
        let c = identity_client(&srv.url);
        let aws_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
        let id = id_for(&c, &ipool, &aws_key, &id_token).await;
        // Signed out everywhere: the ID token still verifies, but the check refuses it.
        srv.idp
            .admin_user_global_sign_out()
            .user_pool_id(&pool)
            .username("ana")
            .send()
            .await
            .unwrap();
        let r = c
            .get_credentials_for_identity()
            .identity_id(&id)
            .logins(&aws_key, &id_token)
            .send()
            .await;
        assert_eq!(code(r), "NotAuthorizedException");
        // Without the check the same token is accepted.
        c.update_identity_pool()
            .identity_pool_id(&ipool)
            .identity_pool_name("flows")
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(provider(&pool, &client, false))
            .send()
            .await
            .unwrap();
        c.get_credentials_for_identity()
            .identity_id(&id)
            .logins(&aws_key, &id_token)
            .send()
            .await
            .unwrap();
    }
);

with_sts!(
    open_id_token_verifies_against_the_issuer,
    async |srv: &TestServer, _calls: Calls| {
        let (pool, _client, id_token, ipool) = setup(srv, true, false).await;
        let c = identity_client(&srv.url);
        let aws_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
        let r = c
            .get_open_id_token()
            .identity_id(
                c.get_id()
                    .identity_pool_id(&ipool)
                    .logins(&aws_key, &id_token)
                    .send()
                    .await
                    .unwrap()
                    .identity_id()
                    .unwrap(),
            )
            .logins(&aws_key, &id_token)
            .send()
            .await
            .unwrap();
        let token = r.token().unwrap();
        // The discovery document names the JWKS; Cognito's own location serves it too.
        let http = reqwest::Client::new();
        let discovery: serde_json::Value = http
            .get(format!(
                "{}/identity/.well-known/openid-configuration",
                srv.url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(discovery["issuer"], format!("{}/identity", srv.url));
        let jwks_uri = discovery["jwks_uri"].as_str().unwrap().to_string();
        assert_eq!(
            jwks_uri,
            format!("{}/identity/.well-known/jwks_uri", srv.url)
        );
        let verifier = tessera_verify::Verifier::new(
            tessera_verify::Config::new(format!("{}/identity", srv.url))
                .jwks(tessera_verify::JwksSource::Url(jwks_uri))
                .audience(&ipool),
        );
        let v = verifier.verify(token).await.unwrap();
        assert_eq!(v.sub(), r.identity_id());
        let t = claims(token);
        assert_eq!(t["exp"].as_i64().unwrap() - t["iat"].as_i64().unwrap(), 600);
        assert_eq!(
            t["https://cognito-identity.amazonaws.com/identity-pool-arn"],
            format!("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{ipool}")
        );
        // A user pool user's (or a guest's) own OpenID token is no login: only developer
        // identities' tokens are accepted back under cognito-identity.amazonaws.com, or a
        // guest could present its own token for the authenticated role.
        let refused = "Invalid login token. Only the tokens of GetOpenIdTokenForDeveloperIdentity are accepted under cognito-identity.amazonaws.com.";
        let r = c
            .get_credentials_for_identity()
            .identity_id(r.identity_id().unwrap())
            .logins("cognito-identity.amazonaws.com", token)
            .send()
            .await;
        assert_eq!(message(r), refused);
        let guest = new_guest(&c, &ipool).await;
        let guest_token = c
            .get_open_id_token()
            .identity_id(&guest)
            .send()
            .await
            .unwrap()
            .token
            .unwrap();
        let r = c
            .get_credentials_for_identity()
            .identity_id(&guest)
            .logins("cognito-identity.amazonaws.com", &guest_token)
            .send()
            .await;
        assert_eq!(message(r), refused);
    }
);

with_sts!(
    one_identity_per_user_under_concurrency,
    async |srv: &TestServer, _calls: Calls| {
        let (pool, _client, id_token, ipool) = setup(srv, false, false).await;
        let aws_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
        let ids = together(8, |_| {
            let c = identity_client(&srv.url);
            let (ipool, aws_key, id_token) = (ipool.clone(), aws_key.clone(), id_token.clone());
            async move {
                c.get_id()
                    .identity_pool_id(&ipool)
                    .logins(&aws_key, &id_token)
                    .send()
                    .await
                    .unwrap()
                    .identity_id()
                    .unwrap()
                    .to_string()
            }
        })
        .await;
        assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
        let listed = identity_client(&srv.url)
            .list_identities()
            .identity_pool_id(&ipool)
            .max_results(10)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.identities().len(), 1);
    }
);

with_sts!(sts_failures, async |srv: &TestServer, _calls: Calls| {
    let (_pool, _client, _id_token, ipool) = setup(srv, true, false).await;
    let c = identity_client(&srv.url);
    let guest = new_guest(&c, &ipool).await;
    // The STS refuses the role: the pool's configuration is at fault.
    c.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .roles("unauthenticated", "arn:aws:iam::123456789012:role/refused")
        .send()
        .await
        .unwrap();
    let r = c
        .get_credentials_for_identity()
        .identity_id(&guest)
        .send()
        .await;
    assert_eq!(
        message(r),
        "Invalid identity pool configuration. Check assigned IAM roles for this pool."
    );
    // No role at all.
    c.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .set_roles(Some(HashMap::new()))
        .send()
        .await
        .unwrap();
    let r = c
        .get_credentials_for_identity()
        .identity_id(&guest)
        .send()
        .await;
    assert_eq!(code(r), "InvalidIdentityPoolConfigurationException");
});

/// No STS reachable: a clear error, never invented keys.
#[tokio::test]
async fn no_sts_means_no_credentials() {
    // A port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let srv = TestServer::start_custom(
        Backend::Sqlite,
        Arc::new(tessera_core::clock::SystemClock),
        |s| s.sts_endpoint = Some(url),
    )
    .await
    .unwrap();
    let c = identity_client(&srv.url);
    let ipool = c
        .create_identity_pool()
        .identity_pool_name("no-sts")
        .allow_unauthenticated_identities(true)
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    c.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .roles("unauthenticated", UNAUTH_ROLE)
        .send()
        .await
        .unwrap();
    let guest = c.get_id().identity_pool_id(&ipool).send().await.unwrap();
    let r = c
        .get_credentials_for_identity()
        .identity_id(guest.identity_id().unwrap())
        .send()
        .await;
    assert_eq!(code(r), "ExternalServiceException");
    srv.stop().await;
}
