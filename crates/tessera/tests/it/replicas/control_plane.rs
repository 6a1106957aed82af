//! The four replica operations and ListUserPools' ReplicaRegions, from the primary's and the
//! secondary's Region.

use super::*;

both!(the_replica_control_plane, async |srv: &TestServer| {
    let (pool, _) = setup(srv).await;
    let east = Api::new(&srv.url, "us-east-1");
    let west = Api::new(&srv.url, "us-west-2");
    // Only in the primary's Region (the caller's signed Region, on a node without a site).
    assert_eq!(
        failed(west.create(&pool, "us-west-2").await),
        "OperationNotEnabledException"
    );
    for bad in ["us-east-1", "mars-1", "US-WEST-2"] {
        assert_eq!(
            failed(east.create(&pool, bad).await),
            "InvalidParameterException",
            "{bad}"
        );
    }
    // Of parallel creations exactly one gets the pool's one secondary.
    let regions = ["us-west-2", "eu-west-1", "ap-south-1", "eu-central-1"];
    let outcomes = together(regions.len(), |i| {
        let (east, pool) = (east.clone(), pool.clone());
        async move {
            east.call(
                "CreateUserPoolReplica",
                json!({"UserPoolId": pool, "RegionName": regions[i],
                       "UserPoolTags": {"site": regions[i]}}),
            )
            .await
        }
    })
    .await;
    let (won, lost): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(Result::is_ok);
    assert_eq!(won.len(), 1, "{lost:?}");
    for l in lost {
        assert_eq!(failed(l), "LimitExceededException");
    }
    let made = won.into_iter().next().unwrap().unwrap()["UserPoolReplica"].clone();
    assert_eq!(made["Status"], "CREATING");
    assert_eq!(made["Role"], "SECONDARY");
    let region = made["RegionName"].as_str().unwrap().to_string();
    let arn = format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{pool}");
    assert_eq!(made["UserPoolArn"], arn.as_str());
    assert_eq!(
        east.list(&pool).await,
        vec![
            (
                "us-east-1".into(),
                "PRIMARY".into(),
                "ACTIVE".into(),
                format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool}")
            ),
            (
                region.clone(),
                "SECONDARY".into(),
                "INACTIVE".into(),
                arn.clone()
            ),
        ]
    );
    // ListUserPools names it; the replica keeps its own tags, under its own ARN.
    let listed = east
        .call("ListUserPools", json!({"MaxResults": 60}))
        .await
        .unwrap();
    let mine = listed["UserPools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Id"] == pool.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["ReplicaRegions"], json!([region]));
    let tags = srv
        .idp
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().and_then(|t| t.get("site")), Some(&region));

    // Delete: only INACTIVE, only from the primary's Region; then it is gone.
    let other = Api::new(&srv.url, &region);
    assert_eq!(
        failed(other.delete(&pool, &region).await),
        "OperationNotEnabledException"
    );
    other.update(&pool, &region, "ACTIVE").await.unwrap();
    assert_eq!(
        failed(east.delete(&pool, &region).await),
        "InvalidParameterException"
    );
    assert_eq!(
        failed(east.update(&pool, &region, "DELETING").await),
        "InvalidParameterException"
    );
    east.update(&pool, &region, "INACTIVE").await.unwrap();
    let gone = east.delete(&pool, &region).await.unwrap();
    assert_eq!(gone["UserPoolReplica"]["Status"], "DELETING");
    assert_eq!(east.list(&pool).await.len(), 1);
    assert_eq!(
        failed(east.update(&pool, &region, "ACTIVE").await),
        "ResourceNotFoundException"
    );

    // The Lite plan has no multi-Region replication.
    let lite = srv
        .idp
        .create_user_pool()
        .pool_name("lite")
        .user_pool_tier(UserPoolTierType::Lite)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        failed(east.create(&lite, "us-west-2").await),
        "FeatureUnavailableInTierException"
    );
});
