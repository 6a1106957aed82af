"""User pools, app clients and tags driven by boto3 against the real binary."""
import botocore.exceptions
import pytest


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_unsigned_admin_call_is_refused(make_client):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        make_client(unsigned=True).list_user_pools(MaxResults=10)
    assert error_code(e) == "MissingAuthenticationTokenException"


def test_wrong_secret_is_refused(make_client):
    import os
    with pytest.raises(botocore.exceptions.ClientError) as e:
        make_client(akid=os.environ["TESSERA_AKID"], secret="wrong" * 8).list_user_pools(MaxResults=10)
    assert error_code(e) == "InvalidSignatureException"


def test_unknown_key_is_refused(make_client):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        make_client(akid="AKIAUNKNOWNUNKNOWN00", secret="x" * 40).list_user_pools(MaxResults=10)
    assert error_code(e) == "UnrecognizedClientException"


def test_signed_call_works(idp, pool):
    ids = [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]]
    assert pool["Id"] in ids


def test_pool_life_cycle(idp):
    created = idp.create_user_pool(
        PoolName="boto-life",
        Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": False}},
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
        AutoVerifiedAttributes=["email"],
        UserPoolTags={"env": "test"},
        DeletionProtection="ACTIVE",
    )["UserPool"]
    pid = created["Id"]
    assert pid.startswith("us-east-1_")
    d = idp.describe_user_pool(UserPoolId=pid)["UserPool"]
    assert d["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert any(a["Name"] == "custom:tenant" for a in d["SchemaAttributes"])
    assert d["UserPoolTags"] == {"env": "test"}
    assert d["CreationDate"].year >= 2024  # a real timestamp botocore can parse

    with pytest.raises(botocore.exceptions.ClientError) as e:
        idp.delete_user_pool(UserPoolId=pid)
    assert error_code(e) == "InvalidParameterException"

    idp.update_user_pool(UserPoolId=pid, DeletionProtection="INACTIVE")
    idp.add_custom_attributes(UserPoolId=pid, CustomAttributes=[{"Name": "plan", "AttributeDataType": "String"}])
    d = idp.describe_user_pool(UserPoolId=pid)["UserPool"]
    assert any(a["Name"] == "custom:plan" for a in d["SchemaAttributes"])
    idp.delete_user_pool(UserPoolId=pid)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool(UserPoolId=pid)


def test_region_follows_the_client(make_client):
    eu = make_client(region="eu-west-2")
    p = eu.create_user_pool(PoolName="regional")["UserPool"]
    assert p["Id"].startswith("eu-west-2_")
    assert p["Arn"].startswith("arn:aws:cognito-idp:eu-west-2:")
    eu.delete_user_pool(UserPoolId=p["Id"])


def test_clients_and_paginator(idp, pool):
    made = []
    for i in range(5):
        c = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=f"app{i}", GenerateSecret=(i == 0))["UserPoolClient"]
        made.append(c["ClientId"])
    secret_client = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=made[0])["UserPoolClient"]
    assert len(secret_client["ClientSecret"]) == 51
    pages = idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool["Id"], PaginationConfig={"PageSize": 2})
    listed = [c["ClientId"] for page in pages for c in page["UserPoolClients"]]
    assert sorted(listed) == sorted(made)

    updated = idp.update_user_pool_client(
        UserPoolId=pool["Id"], ClientId=made[1], ClientName="renamed", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]
    assert updated["ClientName"] == "renamed"
    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=made[1])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=made[1])

    with pytest.raises(idp.exceptions.InvalidOAuthFlowException):
        idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="m2m", AllowedOAuthFlows=["client_credentials"])


def test_tags(idp, pool):
    arn = pool["Arn"]
    idp.tag_resource(ResourceArn=arn, Tags={"a": "1", "b": "2"})
    idp.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}


def test_validation_errors_are_cognito_shaped(idp):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        idp.create_user_pool(PoolName="x" * 129)
    assert error_code(e) == "InvalidParameterException"
    assert "Member must have length less than or equal to 128" in e.value.response["Error"]["Message"]
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool(UserPoolId="us-east-1_doesnotexist")
