//! Role choice: Rules mappings (each match type, first match wins, ambiguity resolved by
//! AuthenticatedRole or Deny) and Token mappings (`cognito:preferred_role`, CustomRoleArn).

use aws_sdk_cognitoidentity::types::{
    AmbiguousRoleResolutionType, MappingRule, MappingRuleMatchType, RoleMapping, RoleMappingType,
    RulesConfigurationType,
};

use super::*;
use crate::harness::code;

const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/authenticated";

fn rule(claim: &str, t: MappingRuleMatchType, value: &str, role: &str) -> MappingRule {
    MappingRule::builder()
        .claim(claim)
        .match_type(t)
        .value(value)
        .role_arn(format!("arn:aws:iam::123456789012:role/{role}"))
        .build()
        .unwrap()
}

async fn pool_for(srv: &TestServer, pool: &str, client: &str) -> String {
    identity_client(&srv.url)
        .create_identity_pool()
        .identity_pool_name("roles")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(provider(pool, client, false))
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string()
}

/// The role the stand-in STS was last asked for, after credentials for `token`'s user.
async fn role_for(
    srv: &TestServer,
    calls: &Calls,
    ipool: &str,
    pool: &str,
    token: &str,
    custom: Option<&str>,
) -> Result<String, String> {
    let c = identity_client(&srv.url);
    let key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let id = id_for(&c, ipool, &key, token).await;
    let r = c
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(&key, token)
        .set_custom_role_arn(custom.map(str::to_string))
        .send()
        .await;
    match r {
        Ok(_) => Ok(calls.lock().unwrap().last().unwrap().0.clone()),
        Err(e) => Err(code(Err::<(), _>(e))),
    }
}

with_sts!(rules_in_order, async |srv: &TestServer, calls: Calls| {
    let (pool, client, token) = signed_in(srv, "ana").await;
    let ipool = pool_for(srv, &pool, &client).await;
    let c = identity_client(&srv.url);
    let key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}:{client}");
    let set = async |rules: Vec<MappingRule>, amb: AmbiguousRoleResolutionType| {
        c.set_identity_pool_roles()
            .identity_pool_id(&ipool)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                &key,
                RoleMapping::builder()
                    .r#type(RoleMappingType::Rules)
                    .ambiguous_role_resolution(amb)
                    .rules_configuration(
                        RulesConfigurationType::builder()
                            .set_rules(Some(rules))
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    };
    use AmbiguousRoleResolutionType::{AuthenticatedRole, Deny};
    use MappingRuleMatchType::*;
    let role = |name: &str| format!("arn:aws:iam::123456789012:role/{name}");
    // Each match type against the email claim (ana@example.com).
    for (t, value, matches) in [
        (Equals, "ana@example.com", true),
        (Equals, "ana", false),
        (Contains, "@example.", true),
        (Contains, "bob", false),
        (StartsWith, "ana@", true),
        (StartsWith, "example", false),
        (NotEqual, "bob@example.com", true),
        (NotEqual, "ana@example.com", false),
    ] {
        set(vec![rule("email", t.clone(), value, "matched")], Deny).await;
        let got = role_for(srv, &calls, &ipool, &pool, &token, None).await;
        if matches {
            assert_eq!(got, Ok(role("matched")), "{t:?} {value}");
        } else {
            assert_eq!(got, Err("NotAuthorizedException".into()), "{t:?} {value}");
        }
    }
    // First matching rule wins; CustomRoleArn picks another matching one.
    set(
        vec![
            rule("email", Equals, "nobody", "first"),
            rule("email", StartsWith, "ana", "second"),
            rule("email", Contains, "example", "third"),
        ],
        Deny,
    )
    .await;
    assert_eq!(
        role_for(srv, &calls, &ipool, &pool, &token, None).await,
        Ok(role("second"))
    );
    assert_eq!(
        role_for(srv, &calls, &ipool, &pool, &token, Some(&role("third"))).await,
        Ok(role("third"))
    );
    // No match: AuthenticatedRole falls back to the default role; a missing claim with
    // NotEqual is not evaluated.
    set(
        vec![rule("custom:missing", NotEqual, "x", "never")],
        AuthenticatedRole,
    )
    .await;
    assert_eq!(
        role_for(srv, &calls, &ipool, &pool, &token, None).await,
        Ok(AUTH_ROLE.to_string())
    );
});

with_sts!(
    token_mapping_follows_groups,
    async |srv: &TestServer, calls: Calls| {
        let (pool, client, _) = signed_in(srv, "ana").await;
        let role = |name: &str| format!("arn:aws:iam::123456789012:role/{name}");
        for (group, precedence) in [("admins", 1), ("readers", 5)] {
            srv.idp
                .create_group()
                .user_pool_id(&pool)
                .group_name(group)
                .role_arn(role(group))
                .precedence(precedence)
                .send()
                .await
                .unwrap();
            srv.idp
                .admin_add_user_to_group()
                .user_pool_id(&pool)
                .username("ana")
                .group_name(group)
                .send()
                .await
                .unwrap();
        }
        let token = crate::auth::login(srv, &client, "ana", crate::auth::PASSWORD)
            .await
            .unwrap()
            .id_token
            .unwrap();
        let ipool = pool_for(srv, &pool, &client).await;
        let c = identity_client(&srv.url);
        c.set_identity_pool_roles()
            .identity_pool_id(&ipool)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                format!("cognito-idp.us-east-1.amazonaws.com/{pool}:{client}"),
                RoleMapping::builder()
                    .r#type(RoleMappingType::Token)
                    .ambiguous_role_resolution(AmbiguousRoleResolutionType::Deny)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        // cognito:preferred_role is the group of lowest precedence.
        assert_eq!(
            role_for(srv, &calls, &ipool, &pool, &token, None).await,
            Ok(role("admins"))
        );
        // CustomRoleArn: one of cognito:roles, or denied.
        assert_eq!(
            role_for(srv, &calls, &ipool, &pool, &token, Some(&role("readers"))).await,
            Ok(role("readers"))
        );
        assert_eq!(
            role_for(srv, &calls, &ipool, &pool, &token, Some(&role("other"))).await,
            Err("NotAuthorizedException".into())
        );
    }
);
