//! The ID and access tokens against the example payloads in Cognito's documentation
//! (`crates/core/src/tokens/doc_examples/`), claim by claim: every claim the examples show
//! is present with the same JSON type, except the ones that need features a plain API
//! sign-in does not use (`nonce` and `identities`: managed login and federation;
//! `device_key`: remembered devices; `version` and a resource-binding `aud`: OAuth access
//! tokens), and nothing else is added but the user's attributes.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use serde_json::Value;

use super::{PASSWORD, claims, header, login, setup, user, verify_with_jwks};
use crate::harness::{TestServer, both};

const ID_EXAMPLE: &str = include_str!("../../../../core/src/tokens/doc_examples/id_token.json");
const ACCESS_EXAMPLE: &str =
    include_str!("../../../../core/src/tokens/doc_examples/access_token.json");

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `ours` against the documented example; `not_ours` are example claims that need
/// other features, `attributes` the user attributes that may be added.
fn compare(example: &str, ours: &Value, not_ours: &[&str], attributes: &[&str]) {
    let example: Value = serde_json::from_str(example).unwrap();
    let example = example.as_object().unwrap();
    let ours = ours.as_object().unwrap();
    for (name, value) in example {
        if not_ours.contains(&name.as_str()) {
            assert!(!ours.contains_key(name), "{name} should not be issued here");
            continue;
        }
        let mine = ours
            .get(name)
            .unwrap_or_else(|| panic!("claim {name} is missing"));
        assert_eq!(
            kind(mine),
            kind(value),
            "claim {name} has another JSON type"
        );
    }
    for name in ours.keys() {
        assert!(
            example.contains_key(name) || attributes.contains(&name.as_str()),
            "claim {name} is not in Cognito's example"
        );
    }
}

both!(
    claims_match_cognitos_documented_tokens,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "ivy").await;
        srv.idp
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("ivy")
            .user_attributes(crate::users::attr("middle_name", "Jane"))
            .send()
            .await
            .unwrap();
        for (name, precedence) in [("test-group-a", 1), ("test-group-b", 2)] {
            srv.idp
                .create_group()
                .user_pool_id(&pool)
                .group_name(name)
                .precedence(precedence)
                .role_arn("arn:aws:iam::111122223333:role/my-test-role")
                .send()
                .await
                .unwrap();
            srv.idp
                .admin_add_user_to_group()
                .user_pool_id(&pool)
                .username("ivy")
                .group_name(name)
                .send()
                .await
                .unwrap();
        }
        let t = login(srv, &client, "ivy", PASSWORD).await.unwrap();
        let id_token = t.id_token.unwrap();
        let access_token = t.access_token.unwrap();
        let id = claims(&id_token);
        let access = claims(&access_token);
        compare(ID_EXAMPLE, &id, &["nonce", "identities"], &[]);
        compare(
            ACCESS_EXAMPLE,
            &access,
            &["device_key", "version", "aud"],
            &[],
        );

        // The values Cognito puts there.
        let iss = format!("{}/{pool}", srv.url);
        assert_eq!(id["iss"], iss);
        assert_eq!(access["iss"], iss);
        assert_eq!(id["aud"], client);
        assert_eq!(access["client_id"], client);
        assert_eq!(id["token_use"], "id");
        assert_eq!(access["token_use"], "access");
        assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
        assert_eq!(id["cognito:username"], "ivy");
        assert_eq!(access["username"], "ivy");
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["email"], "ivy@example.com");
        assert_eq!(id["sub"], access["sub"]);
        assert_eq!(id["origin_jti"], access["origin_jti"]);
        assert_eq!(id["event_id"], access["event_id"]);
        assert_ne!(id["jti"], access["jti"]);
        assert_eq!(
            id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
            3600
        );
        assert_eq!(
            id["cognito:groups"],
            serde_json::json!(["test-group-a", "test-group-b"])
        );
        assert_eq!(access["cognito:groups"], id["cognito:groups"]);
        assert_eq!(
            id["cognito:preferred_role"],
            "arn:aws:iam::111122223333:role/my-test-role"
        );
        assert_eq!(
            id["cognito:roles"],
            serde_json::json!(["arn:aws:iam::111122223333:role/my-test-role"])
        );
        assert!(access.get("cognito:roles").is_none());

        // Header and signature, checked with the published JWKS.
        let h = header(&id_token);
        assert_eq!(h["alg"], "RS256");
        assert_eq!(h["kid"], header(&access_token)["kid"]);
        assert!(verify_with_jwks(srv, &pool, &id_token).await);
        assert!(verify_with_jwks(srv, &pool, &access_token).await);
        let mut forged = access_token.clone().into_bytes();
        let dot = access_token.find('.').unwrap() + 5;
        forged[dot] = if forged[dot] == b'a' { b'b' } else { b'a' };
        let forged = String::from_utf8(forged).unwrap();
        assert!(!verify_with_jwks(srv, &pool, &forged).await);
        assert_eq!(
            crate::auth::get_user_error(&srv.idp, &forged)
                .await
                .as_deref(),
            Some("NotAuthorizedException: Invalid Access Token")
        );
        // Cookie-sized tokens (Amplify's cookie storage drops cookies over ~4 KB).
        assert!(id_token.len() < 2000 && access_token.len() < 2000);
        assert!(t.refresh_token.unwrap().len() < 1000);

        // Discovery documents.
        let conf: Value = reqwest::get(format!("{iss}/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(conf["issuer"], iss);
        assert_eq!(conf["jwks_uri"], format!("{iss}/.well-known/jwks.json"));
        let jwks: Value = reqwest::get(format!("{iss}/.well-known/jwks.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["use"], "sig");
        assert!(key.get("d").is_none() && key.get("p").is_none());
        let missing = reqwest::get(format!(
            "{}/us-east-1_nothere/.well-known/jwks.json",
            srv.url
        ))
        .await
        .unwrap();
        assert_eq!(missing.status(), 404);
        let _ = AuthFlowType::UserPasswordAuth;
    }
);

/// `tessera keys rotate`: new tokens get the new key; tokens of the old key keep working and
/// the old key stays published.
mod rotation {
    use super::*;

    crate::harness::both_clocked!(
        rotated_keys_stay_published,
        async |srv: &TestServer, clock: std::sync::Arc<tessera_core::clock::ManualClock>| {
            let (pool, client) = setup(srv).await;
            user(srv, &pool, "jo").await;
            let before = login(srv, &client, "jo", PASSWORD).await.unwrap();
            let old_kid = header(before.id_token.as_deref().unwrap())["kid"].clone();
            let rotated = tessera::rotate_keys(&srv.settings, Some(&pool))
                .await
                .unwrap();
            assert_eq!(rotated.len(), 1);
            // The rotation (made by another process, as `tessera keys rotate` is) reaches the
            // running node through the change feed within a second, without waiting for
            // the node's one-minute reload (the domain clock stands still here).
            let mut after = login(srv, &client, "jo", PASSWORD).await.unwrap();
            for _ in 0..50 {
                if header(after.id_token.as_deref().unwrap())["kid"] == rotated[0].1.as_str() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                after = login(srv, &client, "jo", PASSWORD).await.unwrap();
            }
            let new_kid = header(after.id_token.as_deref().unwrap())["kid"].clone();
            assert_eq!(new_kid, rotated[0].1.as_str());
            assert_ne!(old_kid, new_kid);
            assert!(verify_with_jwks(srv, &pool, before.id_token.as_deref().unwrap()).await);
            assert!(verify_with_jwks(srv, &pool, after.id_token.as_deref().unwrap()).await);
            // Old access tokens still work until they expire.
            assert_eq!(
                crate::auth::get_user_error(&srv.idp, before.access_token.as_deref().unwrap())
                    .await,
                None
            );
            // A day later the old key has left the JWKS.
            clock.advance_millis(25 * 3_600_000);
            let _ = clock.now_millis();
            let fresh = login(srv, &client, "jo", PASSWORD).await.unwrap();
            let jwks: Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", srv.url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let kids: Vec<&Value> = jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| &k["kid"])
                .collect();
            assert_eq!(kids, vec![&new_kid]);
            assert!(verify_with_jwks(srv, &pool, fresh.id_token.as_deref().unwrap()).await);
        }
    );
}
