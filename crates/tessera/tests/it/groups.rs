//! Groups through the AWS SDK for Rust.

use aws_sdk_cognitoidentityprovider::types::{GroupType, MessageActionType};

use crate::harness::{TestServer, both, code, message};

const ROLE: &str = "arn:aws:iam::123456789012:role/admins";
const ROLE2: &str = "arn:aws:iam::123456789012:role/readers";
const MISSING_POOL: &str = "us-east-1_missing00";

async fn new_pool(srv: &TestServer) -> String {
    srv.idp
        .create_user_pool()
        .pool_name("groups")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

async fn new_user(srv: &TestServer, pool: &str, username: &str) {
    srv.idp
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
}

async fn new_group(srv: &TestServer, pool: &str, name: &str) -> GroupType {
    srv.idp
        .create_group()
        .user_pool_id(pool)
        .group_name(name)
        .send()
        .await
        .unwrap()
        .group
        .unwrap()
}

async fn add(srv: &TestServer, pool: &str, user: &str, group: &str) {
    srv.idp
        .admin_add_user_to_group()
        .user_pool_id(pool)
        .username(user)
        .group_name(group)
        .send()
        .await
        .unwrap();
}

/// Every group name of a user, through the SDK's paginator.
async fn groups_of(srv: &TestServer, pool: &str, user: &str) -> Vec<String> {
    srv.idp
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(user)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.group_name.unwrap())
        .collect()
}

/// Every member's user name, through the SDK's paginator.
async fn members_of(srv: &TestServer, pool: &str, group: &str) -> Vec<String> {
    srv.idp
        .list_users_in_group()
        .user_pool_id(pool)
        .group_name(group)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username.unwrap())
        .collect()
}

both!(create_get_update_delete, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = new_pool(srv).await;
    let g = c
        .create_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .description("the admins")
        .precedence(1)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(g.group_name.as_deref(), Some("Admins"));
    assert_eq!(g.user_pool_id.as_deref(), Some(pool.as_str()));
    assert_eq!(g.description.as_deref(), Some("the admins"));
    assert_eq!(g.precedence, Some(1));
    assert_eq!(g.role_arn.as_deref(), Some(ROLE));
    assert!(g.creation_date.is_some());
    assert!(g.last_modified_date.is_some());

    let got = c
        .get_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(got, g);

    // Only the members given change.
    let u = c
        .update_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .precedence(0)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(u.precedence, Some(0));
    assert_eq!(u.description.as_deref(), Some("the admins"));
    assert_eq!(u.role_arn.as_deref(), Some(ROLE));
    assert_eq!(u.creation_date, g.creation_date);
    let u = c
        .update_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .description("changed")
        .role_arn(ROLE2)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(u.precedence, Some(0));
    assert_eq!(u.description.as_deref(), Some("changed"));
    assert_eq!(u.role_arn.as_deref(), Some(ROLE2));
    let got = c
        .get_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(got, u);

    // A bare group has no precedence, description or role.
    let bare = new_group(srv, &pool, "bare").await;
    assert_eq!(bare.precedence, None);
    assert_eq!(bare.description, None);
    assert_eq!(bare.role_arn, None);

    c.delete_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .send()
        .await
        .unwrap();
    let r = c
        .get_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .send()
        .await;
    assert_eq!(message(r), "Group not found.");
    let r = c
        .delete_group()
        .user_pool_id(&pool)
        .group_name("Admins")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(
    names_are_case_sensitive_and_unique,
    async |srv: &TestServer| {
        let c = &srv.idp;
        let pool = new_pool(srv).await;
        new_group(srv, &pool, "admins").await;
        new_group(srv, &pool, "Admins").await;
        let r = c
            .create_group()
            .user_pool_id(&pool)
            .group_name("admins")
            .send()
            .await;
        assert_eq!(code(r), "GroupExistsException");
        let r = c
            .create_group()
            .user_pool_id(&pool)
            .group_name("admins")
            .send()
            .await;
        assert_eq!(message(r), "A group with the name admins already exists.");
        let r = c
            .get_group()
            .user_pool_id(&pool)
            .group_name("ADMINS")
            .send()
            .await;
        assert_eq!(code(r), "ResourceNotFoundException");
        // Another pool may use the same name.
        let other = new_pool(srv).await;
        new_group(srv, &other, "admins").await;
    }
);

both!(missing_pool_group_and_user, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool_msg = format!("User pool {MISSING_POOL} does not exist.");
    let r = c
        .create_group()
        .user_pool_id(MISSING_POOL)
        .group_name("g")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .create_group()
        .user_pool_id(MISSING_POOL)
        .group_name("g")
        .send()
        .await;
    assert_eq!(message(r), pool_msg);
    let r = c
        .get_group()
        .user_pool_id(MISSING_POOL)
        .group_name("g")
        .send()
        .await;
    assert_eq!(message(r), pool_msg);
    let r = c
        .update_group()
        .user_pool_id(MISSING_POOL)
        .group_name("g")
        .send()
        .await;
    assert_eq!(message(r), pool_msg);
    let r = c
        .delete_group()
        .user_pool_id(MISSING_POOL)
        .group_name("g")
        .send()
        .await;
    assert_eq!(message(r), pool_msg);
    let r = c.list_groups().user_pool_id(MISSING_POOL).send().await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .admin_add_user_to_group()
        .user_pool_id(MISSING_POOL)
        .username("u")
        .group_name("g")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .admin_remove_user_from_group()
        .user_pool_id(MISSING_POOL)
        .username("u")
        .group_name("g")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .admin_list_groups_for_user()
        .user_pool_id(MISSING_POOL)
        .username("u")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .list_users_in_group()
        .user_pool_id(MISSING_POOL)
        .group_name("g")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");

    // The pool exists; the group or the user does not.
    let pool = new_pool(srv).await;
    new_user(srv, &pool, "alice").await;
    new_group(srv, &pool, "real").await;
    let r = c
        .update_group()
        .user_pool_id(&pool)
        .group_name("ghost")
        .description("x")
        .send()
        .await;
    assert_eq!(message(r), "Group not found.");
    let r = c
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("ghost")
        .send()
        .await;
    assert_eq!(message(r), "Group not found.");
    let r = c
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("ghost")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("ghost")
        .send()
        .await;
    assert_eq!(message(r), "Group not found.");
    let r = c
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("nobody")
        .group_name("real")
        .send()
        .await;
    assert_eq!(code(r), "UserNotFoundException");
    let r = c
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("nobody")
        .group_name("real")
        .send()
        .await;
    assert_eq!(message(r), "User does not exist.");
    let r = c
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("nobody")
        .group_name("real")
        .send()
        .await;
    assert_eq!(code(r), "UserNotFoundException");
    let r = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(r), "UserNotFoundException");
});

both!(invalid_parameters, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = new_pool(srv).await;
    let r = c
        .create_group()
        .user_pool_id(&pool)
        .group_name("g")
        .precedence(-1)
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .create_group()
        .user_pool_id(&pool)
        .group_name("two words")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .create_group()
        .user_pool_id(&pool)
        .group_name("g")
        .role_arn("not an arn")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    new_group(srv, &pool, "g").await;
    let r = c
        .update_group()
        .user_pool_id(&pool)
        .group_name("g")
        .precedence(-1)
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c.list_groups().user_pool_id(&pool).limit(61).send().await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .list_groups()
        .user_pool_id(&pool)
        .next_token("garbage!")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
    let r = c
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("g")
        .next_token("garbage!")
        .send()
        .await;
    assert_eq!(code(r), "InvalidParameterException");
});

both!(list_groups_paginates_by_name, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = new_pool(srv).await;
    let mut names: Vec<String> = (0..7).map(|i| format!("g{i}")).collect();
    names.push("Zeta".into());
    for n in names.iter().rev() {
        new_group(srv, &pool, n).await;
    }
    names.sort();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_groups()
            .user_pool_id(&pool)
            .limit(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.groups().len() <= 3);
        seen.extend(page.groups().iter().map(|g| g.group_name.clone().unwrap()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, names);
    let all: Vec<String> = c
        .list_groups()
        .user_pool_id(&pool)
        .into_paginator()
        .page_size(2)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.group_name.unwrap())
        .collect();
    assert_eq!(all, names);
    // Without a limit, one page holds them all.
    let page = c.list_groups().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(page.groups().len(), 8);
    assert_eq!(page.next_token, None);
    // An empty pool lists nothing.
    let empty = new_pool(srv).await;
    let page = c.list_groups().user_pool_id(&empty).send().await.unwrap();
    assert!(page.groups().is_empty());
});

both!(memberships, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = new_pool(srv).await;
    for u in ["carol", "alice", "bob"] {
        new_user(srv, &pool, u).await;
    }
    for g in ["readers", "admins", "writers"] {
        new_group(srv, &pool, g).await;
    }
    add(srv, &pool, "alice", "readers").await;
    add(srv, &pool, "alice", "admins").await;
    add(srv, &pool, "alice", "admins").await; // twice is fine
    add(srv, &pool, "bob", "readers").await;
    add(srv, &pool, "carol", "readers").await;

    assert_eq!(groups_of(srv, &pool, "alice").await, ["admins", "readers"]);
    assert_eq!(groups_of(srv, &pool, "bob").await, ["readers"]);
    assert!(groups_of(srv, &pool, "carol").await.len() == 1);
    assert_eq!(
        members_of(srv, &pool, "readers").await,
        ["alice", "bob", "carol"]
    );
    assert!(members_of(srv, &pool, "writers").await.is_empty());

    // ListUsersInGroup returns whole users.
    let users = c
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let u = &users.users()[0];
    assert_eq!(u.username.as_deref(), Some("alice"));
    assert!(u.enabled);
    assert!(u.user_status.is_some());
    assert!(u.attributes().iter().any(|a| a.name == "sub"));
    assert!(users.next_token.is_none());

    // AdminListGroupsForUser returns whole groups.
    let gs = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("alice")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(gs.groups().len(), 1);
    assert_eq!(gs.groups()[0].group_name.as_deref(), Some("admins"));
    assert_eq!(gs.groups()[0].user_pool_id.as_deref(), Some(pool.as_str()));
    assert!(gs.next_token.is_some());
    let gs = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("alice")
        .limit(1)
        .set_next_token(gs.next_token)
        .send()
        .await
        .unwrap();
    assert_eq!(gs.groups()[0].group_name.as_deref(), Some("readers"));
    assert!(gs.next_token.is_none());

    // Removal, and removing again is fine.
    for _ in 0..2 {
        c.admin_remove_user_from_group()
            .user_pool_id(&pool)
            .username("alice")
            .group_name("readers")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(groups_of(srv, &pool, "alice").await, ["admins"]);
    assert_eq!(members_of(srv, &pool, "readers").await, ["bob", "carol"]);
});

both!(members_paginate, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = new_pool(srv).await;
    new_group(srv, &pool, "all").await;
    let mut users: Vec<String> = (0..7).map(|i| format!("user{i}")).collect();
    for u in &users {
        new_user(srv, &pool, u).await;
        add(srv, &pool, u, "all").await;
    }
    for i in 0..5 {
        let g = format!("g{i}");
        new_group(srv, &pool, &g).await;
        add(srv, &pool, "user0", &g).await;
    }
    users.sort();
    let page = c
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("all")
        .limit(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.users().len(), 3);
    assert!(page.next_token.is_some());
    let all: Vec<String> = c
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("all")
        .into_paginator()
        .page_size(2)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username.unwrap())
        .collect();
    assert_eq!(all, users);
    let groups: Vec<String> = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("user0")
        .into_paginator()
        .page_size(2)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.group_name.unwrap())
        .collect();
    assert_eq!(groups, ["all", "g0", "g1", "g2", "g3", "g4"]);
});

both!(deletes_cascade, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = new_pool(srv).await;
    for u in ["alice", "bob"] {
        new_user(srv, &pool, u).await;
    }
    for g in ["one", "two"] {
        new_group(srv, &pool, g).await;
        add(srv, &pool, "alice", g).await;
        add(srv, &pool, "bob", g).await;
    }

    // Deleting a group ends its memberships.
    c.delete_group()
        .user_pool_id(&pool)
        .group_name("one")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of(srv, &pool, "alice").await, ["two"]);
    // A new group of the same name starts empty.
    new_group(srv, &pool, "one").await;
    assert!(members_of(srv, &pool, "one").await.is_empty());

    // Deleting a user ends the user's memberships.
    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(members_of(srv, &pool, "two").await, ["alice"]);
    // A new user of the same name is in no group.
    new_user(srv, &pool, "bob").await;
    assert!(groups_of(srv, &pool, "bob").await.is_empty());
    assert_eq!(members_of(srv, &pool, "two").await, ["alice"]);

    // Deleting the pool takes its groups.
    c.delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let r = c.list_groups().user_pool_id(&pool).send().await;
    assert_eq!(code(r), "ResourceNotFoundException");
    let r = c
        .get_group()
        .user_pool_id(&pool)
        .group_name("two")
        .send()
        .await;
    assert_eq!(code(r), "ResourceNotFoundException");
});

both!(groups_need_signed_requests, async |srv: &TestServer| {
    let pool = new_pool(srv).await;
    let wrong = crate::harness::idp_client(&srv.url, "us-east-1", crate::harness::AKID, "wrong");
    let r = wrong.list_groups().user_pool_id(&pool).send().await;
    assert_eq!(code(r), "InvalidSignatureException");
});
