//! Identity pools themselves: create, describe, update, list, delete, tags, roles,
//! principal-tag maps, and their refusals.

use std::collections::HashMap;

use aws_sdk_cognitoidentity::types::{
    AmbiguousRoleResolutionType, MappingRule, MappingRuleMatchType, RoleMapping, RoleMappingType,
    RulesConfigurationType,
};

use super::*;
use crate::harness::{code, message};

const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/authenticated";
const UNAUTH_ROLE: &str = "arn:aws:iam::123456789012:role/guests";

crate::harness::both!(crud_list_and_tags, async |srv: &TestServer| {
    let c = identity_client(&srv.url);
    let created = c
        .create_identity_pool()
        .identity_pool_name("app pool")
        .allow_unauthenticated_identities(true)
        .developer_provider_name("login.example.app")
        .supported_login_providers("accounts.google.com", "google-app-id")
        .identity_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id().to_string();
    // `<region>:<uuid>`, as Cognito forms ids.
    let (region, uuid) = id.split_once(':').unwrap();
    assert_eq!(region, "us-east-1");
    assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{id}");
    assert!(created.allow_unauthenticated_identities());
    // An unset AllowClassicFlow stays unset (and behaves as allowed, aws/aws-cli#7652).
    assert_eq!(created.allow_classic_flow(), None);

    let d = c
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(d.identity_pool_name(), "app pool");
    assert_eq!(d.developer_provider_name(), Some("login.example.app"));
    assert_eq!(
        d.identity_pool_tags()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("identity")
    );

    // Update replaces the pool; the developer provider name cannot change once set.
    let r = c
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(false)
        .developer_provider_name("other.provider")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let u = c
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(false)
        .allow_classic_flow(true)
        .send()
        .await
        .unwrap();
    assert_eq!(u.identity_pool_name(), "renamed");
    assert_eq!(u.developer_provider_name(), Some("login.example.app"));
    assert!(!u.allow_unauthenticated_identities());
    assert_eq!(u.allow_classic_flow(), Some(true));

    // Tags by ARN.
    let arn = format!("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{id}");
    c.tag_resource()
        .resource_arn(&arn)
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().unwrap(),
        &HashMap::from([("env".to_string(), "test".to_string())])
    );
    let r = c
        .list_tags_for_resource()
        .resource_arn("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/us-east-1:00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");

    // Paging: five pools, two a page.
    for i in 0..4 {
        c.create_identity_pool()
            .identity_pool_name(format!("p{i}"))
            .allow_unauthenticated_identities(false)
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_identity_pools()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.identity_pools().len() <= 2);
        seen.extend(
            page.identity_pools()
                .iter()
                .map(|p| p.identity_pool_id().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.contains(&id));

    // Delete, then every call on it is ResourceNotFoundException with Cognito's text.
    c.delete_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    let r = c
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await;
    assert_eq!(message(r), format!("IdentityPool '{id}' not found."));
    let r = c.delete_identity_pool().identity_pool_id(&id).send().await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c.get_id().identity_pool_id(&id).send().await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

crate::harness::both!(roles_and_their_refusals, async |srv: &TestServer| {
    let c = identity_client(&srv.url);
    let (pool, client) = crate::auth::setup(srv).await;
    let id = c
        .create_identity_pool()
        .identity_pool_name("roles")
        .allow_unauthenticated_identities(true)
        .cognito_identity_providers(provider(&pool, &client, false))
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    let key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}:{client}");
    let rules = RoleMapping::builder()
        .r#type(RoleMappingType::Rules)
        .ambiguous_role_resolution(AmbiguousRoleResolutionType::AuthenticatedRole)
        .rules_configuration(
            RulesConfigurationType::builder()
                .rules(
                    MappingRule::builder()
                        .claim("custom:tier")
                        .match_type(MappingRuleMatchType::Equals)
                        .value("gold")
                        .role_arn("arn:aws:iam::123456789012:role/gold")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    c.set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .roles("unauthenticated", UNAUTH_ROLE)
        .role_mappings(&key, rules.clone())
        .send()
        .await
        .unwrap();
    let got = c
        .get_identity_pool_roles()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.identity_pool_id(), Some(id.as_str()));
    assert_eq!(
        got.roles()
            .unwrap()
            .get("authenticated")
            .map(String::as_str),
        Some(AUTH_ROLE)
    );
    assert_eq!(got.role_mappings().unwrap().get(&key), Some(&rules));

    // A role that is no role ARN: the value and the answer of aws/aws-sdk-js#908.
    let r = c
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", "my-stack-SomeRole-KBKHTR8P6UC2")
        .send()
        .await;
    assert_eq!(
        message(r),
        "Access to Role 'my-stack-SomeRole-KBKHTR8P6UC2' is forbidden."
    );
    // A mapping for a provider the pool does not list.
    let r = c
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .role_mappings(
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_other:abc",
            rules.clone(),
        )
        .send()
        .await;
    assert_eq!(
        message(r),
        "(cognito-idp.us-east-1.amazonaws.com/us-east-1_other:abc) is not a valid RoleMapping ProviderName or is not a configured provider."
    );
    // Rules without rules; Token without AmbiguousRoleResolution.
    let r = c
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .role_mappings(
            &key,
            RoleMapping::builder()
                .r#type(RoleMappingType::Rules)
                .ambiguous_role_resolution(AmbiguousRoleResolutionType::Deny)
                .build()
                .unwrap(),
        )
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .role_mappings(
            &key,
            RoleMapping::builder()
                .r#type(RoleMappingType::Token)
                .build()
                .unwrap(),
        )
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    // A role kind that is neither.
    let r = c
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("admin", AUTH_ROLE)
        .send()
        .await;
    assert_eq!(code(r), "ValidationException");
    // Nothing of the refused calls was stored.
    let got = c
        .get_identity_pool_roles()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.role_mappings().unwrap().get(&key), Some(&rules));

    // Principal tags: defaults for a user pool provider, then a map of our own.
    let provider_name = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let m = c
        .get_principal_tag_attribute_map()
        .identity_pool_id(&id)
        .identity_provider_name(&provider_name)
        .send()
        .await
        .unwrap();
    assert_eq!(m.use_defaults(), Some(true));
    assert_eq!(
        m.principal_tags()
            .unwrap()
            .get("username")
            .map(String::as_str),
        Some("sub")
    );
    c.set_principal_tag_attribute_map()
        .identity_pool_id(&id)
        .identity_provider_name(&provider_name)
        .use_defaults(false)
        .principal_tags("mail", "email")
        .send()
        .await
        .unwrap();
    let m = c
        .get_principal_tag_attribute_map()
        .identity_pool_id(&id)
        .identity_provider_name(&provider_name)
        .send()
        .await
        .unwrap();
    assert_eq!(m.use_defaults(), Some(false));
    assert_eq!(
        m.principal_tags().unwrap(),
        &HashMap::from([("mail".to_string(), "email".to_string())])
    );
    let r = c
        .get_principal_tag_attribute_map()
        .identity_pool_id(&id)
        .identity_provider_name("graph.facebook.com")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
});

// Identity pools are Regional and have no replicas: a node answering as one Region
// (`--site-region`) serves only that Region's identity pools and identities, and creates new
// ones there whatever Region the caller signed for. A node without a site serves them all.
crate::harness::both!(
    identity_pools_are_regional_at_sites,
    async |srv: &TestServer| {
        let (east_node, east_url) = srv
            .node_with(|s| s.site_region = Some("us-east-1".into()))
            .await;
        let (west_node, west_url) = srv
            .node_with(|s| s.site_region = Some("us-west-2".into()))
            .await;
        let (east, west, all) = (
            identity_client(&east_url),
            identity_client(&west_url),
            identity_client(&srv.url),
        );
        let create = async |c: &Client, name: &str| {
            c.create_identity_pool()
                .identity_pool_name(name)
                .allow_unauthenticated_identities(true)
                .send()
                .await
                .unwrap()
                .identity_pool_id()
                .to_string()
        };
        let listed = async |c: &Client| {
            let r = c
                .list_identity_pools()
                .max_results(60)
                .send()
                .await
                .unwrap();
            let mut ids: Vec<String> = r
                .identity_pools()
                .iter()
                .filter_map(|p| p.identity_pool_id().map(str::to_string))
                .collect();
            ids.sort();
            ids
        };
        let e = create(&east, "east").await;
        // The caller signs for us-east-1 (identity_client), the site is us-west-2.
        let w = create(&west, "west").await;
        assert!(
            e.starts_with("us-east-1:") && w.starts_with("us-west-2:"),
            "{e} {w}"
        );
        assert_eq!(listed(&east).await, vec![e.clone()]);
        assert_eq!(listed(&west).await, vec![w.clone()]);
        assert_eq!(listed(&all).await, vec![e.clone(), w.clone()]);
        // One at a time, the west's pages skip the east's pools (which sort first) and end
        // with its own last one.
        let w2 = create(&west, "west 2").await;
        let mut paged = Vec::new();
        let mut token = None;
        loop {
            let r = west
                .list_identity_pools()
                .max_results(1)
                .set_next_token(token)
                .send()
                .await
                .unwrap();
            paged.extend(
                r.identity_pools()
                    .iter()
                    .filter_map(|p| p.identity_pool_id().map(str::to_string)),
            );
            token = r.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut expected = vec![w.clone(), w2];
        expected.sort();
        assert_eq!(paged, expected);

        let r = west
            .describe_identity_pool()
            .identity_pool_id(&e)
            .send()
            .await;
        assert_eq!(message(r), format!("IdentityPool '{e}' not found."));
        let r = west
            .describe_identity_pool()
            .identity_pool_id(&e)
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");
        let r = west.get_id().identity_pool_id(&e).send().await;
        assert_eq!(code(r), "ResourceNotFoundException");
        let r = west
            .delete_identity_pool()
            .identity_pool_id(&e)
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");

        // An identity of the east pool does not exist in the west either.
        let guest = new_guest(&east, &e).await;
        let r = west.describe_identity().identity_id(&guest).send().await;
        assert_eq!(code(r), "ResourceNotFoundException");
        let r = west
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");
        west.delete_identities()
            .identity_ids_to_delete(&guest)
            .send()
            .await
            .unwrap();
        // Nothing was removed by the refusals: the east still has its pool and identity.
        east.describe_identity_pool()
            .identity_pool_id(&e)
            .send()
            .await
            .unwrap();
        east.describe_identity()
            .identity_id(&guest)
            .send()
            .await
            .unwrap();
        east_node.shutdown().await.unwrap();
        west_node.shutdown().await.unwrap();
    }
);
