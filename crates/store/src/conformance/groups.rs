//! Groups and memberships: the same checks against every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn group(pool_id: &str, name: &str, precedence: Option<i32>) -> tessera_core::store::GroupRecord {
    tessera_core::store::GroupRecord {
        pool_id: pool_id.into(),
        name: name.into(),
        description: Some(format!("about {name}")),
        precedence,
        role_arn: None,
        created_ms: 7,
        modified_ms: 7,
        version: 1,
    }
}

fn names(groups: Vec<tessera_core::store::GroupRecord>) -> Vec<String> {
    groups.into_iter().map(|g| g.name).collect()
}

pub(super) async fn group_suite(s: Arc<dyn Store>) {
    s.reset().await.unwrap();
    let (p, q) = ("us-east-1_g", "us-east-1_h");
    s.insert_pool(&pool(p)).await.unwrap();
    s.insert_pool(&pool(q)).await.unwrap();

    // Groups: insert, case-sensitive uniqueness per pool, get, optimistic update.
    for (name, prec) in [("b", Some(2)), ("a", None), ("B", Some(1)), ("c", Some(2))] {
        s.insert_group(&group(p, name, prec)).await.unwrap();
    }
    assert!(matches!(
        s.insert_group(&group(p, "a", None)).await,
        Err(StoreError::Conflict(_))
    ));
    s.insert_group(&group(q, "a", None)).await.unwrap();
    assert!(
        s.insert_group(&group("missing_pool", "a", None))
            .await
            .is_err()
    );
    assert_eq!(
        s.get_group(p, "b").await.unwrap(),
        Some(group(p, "b", Some(2)))
    );
    assert_eq!(s.get_group(p, "A").await.unwrap(), None);
    assert_eq!(s.count_groups(p).await.unwrap(), 4);

    let mut g = group(p, "a", Some(0));
    g.role_arn = Some("arn:aws:iam::123456789012:role/a".into());
    g.description = None;
    g.modified_ms = 8;
    g.version = 2;
    assert!(s.update_group(&g, 1).await.unwrap());
    assert!(
        !s.update_group(&g, 1).await.unwrap(),
        "stale version must lose"
    );
    assert_eq!(s.get_group(p, "a").await.unwrap(), Some(g.clone()));
    assert_eq!(
        s.get_group(q, "a").await.unwrap(),
        Some(group(q, "a", None)),
        "other pools keep theirs"
    );

    // Listing by name in byte order, keyset pages.
    assert_eq!(
        names(s.list_groups(p, None, 10).await.unwrap()),
        ["B", "a", "b", "c"]
    );
    assert_eq!(names(s.list_groups(p, None, 2).await.unwrap()), ["B", "a"]);
    assert_eq!(
        names(s.list_groups(p, Some("a"), 2).await.unwrap()),
        ["b", "c"]
    );
    assert!(s.list_groups(p, Some("c"), 2).await.unwrap().is_empty());

    // Memberships: idempotent add, missing sides, pages, precedence order.
    for (sub, name) in [("s1", "zed"), ("s2", "amy"), ("s3", "Max")] {
        s.insert_user(&member(p, sub, name)).await.unwrap();
    }
    s.insert_user(&member(q, "s9", "other")).await.unwrap();
    for grp in ["a", "b", "B", "c"] {
        assert!(s.add_member(p, grp, "s1").await.unwrap());
    }
    assert!(
        s.add_member(p, "a", "s1").await.unwrap(),
        "adding twice is fine"
    );
    assert!(s.add_member(p, "a", "s2").await.unwrap());
    assert!(s.add_member(p, "a", "s3").await.unwrap());
    assert!(!s.add_member(p, "nope", "s1").await.unwrap());
    assert!(!s.add_member(p, "a", "nobody").await.unwrap());
    assert!(
        !s.add_member(p, "a", "s9").await.unwrap(),
        "users of other pools"
    );

    assert_eq!(
        names(s.page_groups_for_user(p, "s1", None, 10).await.unwrap()),
        ["B", "a", "b", "c"]
    );
    assert_eq!(
        names(s.page_groups_for_user(p, "s1", None, 3).await.unwrap()),
        ["B", "a", "b"]
    );
    assert_eq!(
        names(s.page_groups_for_user(p, "s1", Some("b"), 3).await.unwrap()),
        ["c"]
    );
    let full = s.page_groups_for_user(p, "s2", None, 10).await.unwrap();
    assert_eq!(full, vec![g.clone()], "pages carry the whole group");
    // Precedence first (a = 0, B = 1, b = c = 2 by name), groups without one last.
    assert_eq!(
        names(s.list_groups_for_user(p, "s1").await.unwrap()),
        ["a", "B", "b", "c"]
    );
    assert!(
        s.list_groups_for_user(p, "nobody")
            .await
            .unwrap()
            .is_empty()
    );
    s.update_group(&group(p, "a", None), 2).await.unwrap();
    assert_eq!(
        names(s.list_groups_for_user(p, "s1").await.unwrap()),
        ["B", "b", "c", "a"]
    );

    // The pool's memberships in (group, sub) pages (export); other pools' stay out.
    let all = s.page_memberships(p, None, 100).await.unwrap();
    let pairs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    let want: Vec<(String, String)> = [
        ("B", "s1"),
        ("a", "s1"),
        ("a", "s2"),
        ("a", "s3"),
        ("b", "s1"),
        ("c", "s1"),
    ]
    .iter()
    .map(|(g, u)| (g.to_string(), u.to_string()))
    .collect();
    assert_eq!(pairs(&all), want);
    let first = s.page_memberships(p, None, 2).await.unwrap();
    assert_eq!(pairs(&first), want[..2]);
    let next = s.page_memberships(p, Some(("a", "s1")), 2).await.unwrap();
    assert_eq!(pairs(&next), want[2..4]);
    let last = s.page_memberships(p, Some(("a", "s3")), 10).await.unwrap();
    assert_eq!(pairs(&last), want[4..]);

    let users = |v: Vec<tessera_core::store::UserRecord>| -> Vec<String> {
        v.into_iter().map(|u| u.username).collect()
    };
    assert_eq!(
        users(s.list_users_in_group(p, "a", None, 10).await.unwrap()),
        ["Max", "amy", "zed"]
    );
    assert_eq!(
        users(s.list_users_in_group(p, "a", None, 2).await.unwrap()),
        ["Max", "amy"]
    );
    assert_eq!(
        users(s.list_users_in_group(p, "a", Some("amy"), 2).await.unwrap()),
        ["zed"]
    );
    assert_eq!(
        s.list_users_in_group(p, "b", None, 10).await.unwrap(),
        vec![member(p, "s1", "zed")],
        "members come back whole"
    );

    // Removal.
    assert!(s.remove_member(p, "b", "s1").await.unwrap());
    assert!(!s.remove_member(p, "b", "s1").await.unwrap());
    assert_eq!(
        names(s.page_groups_for_user(p, "s1", None, 10).await.unwrap()),
        ["B", "a", "c"]
    );

    // Cascades: group delete ends its memberships; user delete ends the user's.
    assert!(s.delete_group(p, "c").await.unwrap());
    assert!(!s.delete_group(p, "c").await.unwrap());
    assert_eq!(s.get_group(p, "c").await.unwrap(), None);
    assert_eq!(
        names(s.page_groups_for_user(p, "s1", None, 10).await.unwrap()),
        ["B", "a"]
    );
    s.insert_group(&group(p, "c", None)).await.unwrap();
    assert!(
        s.list_users_in_group(p, "c", None, 10)
            .await
            .unwrap()
            .is_empty(),
        "a new group of an old name starts empty"
    );
    assert!(s.delete_user(p, "s2").await.unwrap());
    assert_eq!(
        users(s.list_users_in_group(p, "a", None, 10).await.unwrap()),
        ["Max", "zed"]
    );

    // Pool delete takes groups and memberships; other pools keep theirs.
    assert!(s.add_member(q, "a", "s9").await.unwrap());
    assert!(s.delete_pool(p).await.unwrap());
    assert_eq!(s.get_group(p, "a").await.unwrap(), None);
    assert_eq!(s.count_groups(p).await.unwrap(), 0);
    assert!(
        s.list_users_in_group(p, "a", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.list_groups_for_user(p, "s1").await.unwrap().is_empty());
    assert_eq!(names(s.list_groups_for_user(q, "s9").await.unwrap()), ["a"]);

    s.reset().await.unwrap();
    assert_eq!(s.get_group(q, "a").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_groups_conform() {
    on_sqlite(group_suite).await;
}

#[tokio::test]
async fn postgres_groups_conform() {
    on_postgres("confg", group_suite).await;
}
