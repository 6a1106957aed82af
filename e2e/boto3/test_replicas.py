"""Multi-Region replicas driven by boto3 (botocore 1.44.5 models the four operations; the AWS
SDK for Rust the integration tests pin does not). The server under test has no site Region,
so the Region a call is made in is the one boto3 signs for (ADR 0024)."""
import os
import tempfile

import botocore.exceptions
import pytest

from nodes import Nodes, client, free_port, wait_ready


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


@pytest.fixture(scope="module")
def sites():
    """Two `tessera serve` sites on one SQLite database (the same server key and public URL):
    A answers as us-east-1, B as us-west-2 (ADR 0024)."""
    if not os.environ.get("TESSERA_BIN"):
        if os.environ.get("CI") == "true":
            pytest.fail("TESSERA_BIN is not set (e2e/run.sh sets it)")
        pytest.skip("TESSERA_BIN is not set")
    with tempfile.TemporaryDirectory() as d:
        ports = {"us-east-1": free_port(), "us-west-2": free_port()}
        nodes = Nodes(d, f"http://127.0.0.1:{ports['us-east-1']}")
        urls = {region: f"http://127.0.0.1:{port}" for region, port in ports.items()}
        try:
            # One after the other: the first creates the database and migrates it.
            for region, port in ports.items():
                wait_ready(urls[region], *nodes.start(
                    region, port, "--database-url", f"sqlite://{d}/tessera.db", "--site-region", region))
            yield {region: client(url, region) for region, url in urls.items()}
        finally:
            nodes.stop()


def test_a_secondary_keeps_its_own_settings(sites):
    a, b = sites["us-east-1"], sites["us-west-2"]
    pid = a.create_user_pool(PoolName="boto-regional")["UserPool"]["Id"]
    app = a.create_user_pool_client(
        UserPoolId=pid, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    a.admin_create_user(UserPoolId=pid, Username="ana", MessageAction="SUPPRESS")
    a.admin_set_user_password(UserPoolId=pid, Username="ana", Password="Passw0rd!-regional", Permanent=True)
    a.create_user_pool_replica(UserPoolId=pid, RegionName="us-west-2")
    b.update_user_pool_replica(UserPoolId=pid, RegionName="us-west-2", Status="ACTIVE")

    # The AWS CLI's way to change one setting: describe, then update with what was described.
    described = b.describe_user_pool(UserPoolId=pid)["UserPool"]
    updatable = b.meta.service_model.operation_model("UpdateUserPool").input_shape.members
    update = {k: v for k, v in described.items() if k in updatable}
    west_email = {
        "EmailSendingAccount": "DEVELOPER",
        "SourceArn": "arn:aws:ses:us-west-2:123456789012:identity/west@example.com",
        "From": "west@example.com",
    }
    # A trigger no target is configured for: a sign-in that runs it fails.
    west_trigger = "arn:aws:lambda:us-west-2:123456789012:function:west-only"
    update.update(UserPoolId=pid, EmailConfiguration=west_email, LambdaConfig={"PreAuthentication": west_trigger})
    b.update_user_pool(**update)

    at_b = b.describe_user_pool(UserPoolId=pid)["UserPool"]
    at_a = a.describe_user_pool(UserPoolId=pid)["UserPool"]
    assert at_b["EmailConfiguration"] == west_email
    assert at_b["LambdaConfig"] == {"PreAuthentication": west_trigger}
    assert at_a["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert not at_a.get("LambdaConfig")

    # B runs its trigger; A does not have it.
    auth = dict(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "ana", "PASSWORD": "Passw0rd!-regional"})
    assert "AccessToken" in a.initiate_auth(**auth)["AuthenticationResult"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        b.initiate_auth(**auth)
    assert error_code(e) == "UnexpectedLambdaException"

    # A global setting must match the primary's; the refusal stores nothing.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        b.update_user_pool(UserPoolId=pid, MfaConfiguration="OPTIONAL", LambdaConfig={})
    assert error_code(e) == "InvalidParameterException"
    assert "MfaConfiguration" in e.value.response["Error"]["Message"]
    assert b.describe_user_pool(UserPoolId=pid)["UserPool"]["LambdaConfig"] == {"PreAuthentication": west_trigger}
    assert a.describe_user_pool(UserPoolId=pid)["UserPool"]["MfaConfiguration"] == "OFF"

    # Without its trigger B signs in again.
    b.update_user_pool(UserPoolId=pid, EmailConfiguration=west_email)
    assert "AccessToken" in b.initiate_auth(**auth)["AuthenticationResult"]
