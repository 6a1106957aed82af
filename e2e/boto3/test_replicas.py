"""Multi-Region replicas driven by boto3 (botocore 1.44.5 models the four operations; the AWS
SDK for Rust the integration tests pin does not). The server under test has no site Region,
so the Region a call is made in is the one boto3 signs for (ADR 0024)."""
import botocore.exceptions
import pytest


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_replica_life_cycle(idp, make_client):
    pid = idp.create_user_pool(PoolName="boto-replicas")["UserPool"]["Id"]
    west = make_client(region="us-west-2")

    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.create_user_pool_replica(UserPoolId=pid, RegionName="us-west-2")
    assert error_code(e) == "OperationNotEnabledException"

    made = idp.create_user_pool_replica(
        UserPoolId=pid, RegionName="us-west-2", UserPoolTags={"site": "west"}
    )["UserPoolReplica"]
    assert made["Status"] == "CREATING"
    assert made["Role"] == "SECONDARY"
    assert made["UserPoolArn"].startswith("arn:aws:cognito-idp:us-west-2:")

    with pytest.raises(idp.exceptions.LimitExceededException):
        idp.create_user_pool_replica(UserPoolId=pid, RegionName="eu-west-1")

    listed = idp.list_user_pool_replicas(UserPoolId=pid)["UserPoolReplicas"]
    assert [(r["RegionName"], r["Role"], r["Status"]) for r in listed] == [
        ("us-east-1", "PRIMARY", "ACTIVE"),
        ("us-west-2", "SECONDARY", "INACTIVE"),
    ]
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    assert [p.get("ReplicaRegions") for p in pools if p["Id"] == pid] == [["us-west-2"]]
    tags = idp.list_tags_for_resource(ResourceArn=made["UserPoolArn"])["Tags"]
    assert tags == {"site": "west"}

    # Opened from the secondary's Region; an open replica cannot be deleted.
    west.update_user_pool_replica(UserPoolId=pid, RegionName="us-west-2", Status="ACTIVE")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.delete_user_pool_replica(UserPoolId=pid, RegionName="us-west-2")
    idp.update_user_pool_replica(UserPoolId=pid, RegionName="us-west-2", Status="INACTIVE")
    gone = idp.delete_user_pool_replica(UserPoolId=pid, RegionName="us-west-2")
    assert gone["UserPoolReplica"]["Status"] == "DELETING"
    assert len(idp.list_user_pool_replicas(UserPoolId=pid)["UserPoolReplicas"]) == 1
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.update_user_pool_replica(UserPoolId=pid, RegionName="us-west-2", Status="ACTIVE")
    idp.delete_user_pool(UserPoolId=pid)
