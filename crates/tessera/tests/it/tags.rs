//! Tagging user pools.

use crate::harness::{TestServer, both, code};

both!(tag_untag_list, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("t")
        .user_pool_tags("a", "1")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let arn = pool.arn.unwrap();
    c.tag_resource()
        .resource_arn(&arn)
        .tags("b", "2")
        .tags("a", "one")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags["a"], "one");
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags.keys().collect::<Vec<_>>(), ["b"]);
    let d = c
        .describe_user_pool()
        .user_pool_id(pool.id.unwrap())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(d.user_pool_tags.unwrap().len(), 1);

    let missing = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_missing00";
    assert_eq!(
        code(
            c.list_tags_for_resource()
                .resource_arn(missing)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            c.tag_resource()
                .resource_arn(missing)
                .tags("x", "y")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    let wrong_account = arn.replace("123456789012", "999999999999");
    assert_eq!(
        code(
            c.untag_resource()
                .resource_arn(wrong_account)
                .tag_keys("b")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            c.tag_resource()
                .resource_arn(&arn)
                .tags("aws:reserved", "y")
                .send()
                .await
        ),
        "InvalidParameterException"
    );
});
