//! ListUsers filters and pagination.

use aws_sdk_cognitoidentityprovider::types::MessageActionType;

use crate::harness::{TestServer, both, code};

use super::{attr, pool_and_client};

both!(list_users_filters_and_pages, async |srv: &TestServer| {
    let c = &srv.idp;
    let (pool, _) = pool_and_client(srv).await;
    for i in 0..25 {
        c.admin_create_user()
            .user_pool_id(&pool)
            .username(format!("user{i:02}"))
            .user_attributes(attr(
                "email",
                &format!(
                    "{}{i:02}@example.com",
                    if i % 2 == 0 { "even" } else { "odd" }
                ),
            ))
            .user_attributes(attr("given_name", if i < 5 { "Ann" } else { "Bo" }))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("user03")
        .password("Perm-Passw0rd")
        .permanent(true)
        .send()
        .await
        .unwrap();
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("user04")
        .send()
        .await
        .unwrap();

    let all: Vec<_> = c
        .list_users()
        .user_pool_id(&pool)
        .limit(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    let names: Vec<_> = all.iter().map(|u| u.username.clone().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 25, "no user twice across pages");

    let count = |f: &'static str| {
        let c = c.clone();
        let pool = pool.clone();
        async move {
            c.list_users()
                .user_pool_id(&pool)
                .filter(f)
                .limit(5)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("email ^= \"even\"").await, 13);
    assert_eq!(count("email = \"odd07@example.com\"").await, 1);
    assert_eq!(count("given_name = \"Ann\"").await, 5);
    assert_eq!(count("username ^= \"user1\"").await, 10);
    assert_eq!(count("cognito:user_status = \"CONFIRMED\"").await, 1);
    assert_eq!(count("status = \"Disabled\"").await, 1);
    assert_eq!(count("status = \"Enabled\"").await, 24);

    let some = c
        .list_users()
        .user_pool_id(&pool)
        .filter("email = \"odd07@example.com\"")
        .attributes_to_get("email")
        .send()
        .await
        .unwrap();
    let attrs = some.users()[0].attributes();
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0].name, "email");
    assert_eq!(
        code(
            c.list_users()
                .user_pool_id(&pool)
                .filter("custom:x = \"1\"")
                .send()
                .await
        ),
        "InvalidParameterException"
    );
    assert_eq!(
        code(
            c.list_users()
                .user_pool_id(&pool)
                .filter("email = unquoted")
                .send()
                .await
        ),
        "InvalidParameterException"
    );
    assert_eq!(
        code(
            c.list_users()
                .user_pool_id(&pool)
                .pagination_token("garbage")
                .send()
                .await
        ),
        "InvalidParameterException"
    );
});
