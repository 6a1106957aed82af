"""Schema and attribute refusals as boto3 sees them (issue 19, items 1 and 5): the exact
exception and message Cognito gives for bad attribute constraints, and booleans written in
any case. Sources for every text: docs/fidelity.md, "Schema, attribute and username refusals
(issue 19)"."""
import uuid

import pytest


def refusal(idp, schema):
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(PoolName=f"refused-{uuid.uuid4().hex[:6]}", Schema=[schema])
    err = e.value.response["Error"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err["Code"], err["Message"]


# Rows 1a–1f of the table.
@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "invalid_value"}},
            "Invalid StringAttributeConstraints for schema attribute email",
        ),
        (
            {"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MaxValue": "invalid_value"}},
            "Invalid NumberAttributeConstraints for schema attribute updated_at",
        ),
        (
            {"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "2049"}},
            "user.email: String attributes cannot have a length of more than 2048",
        ),
        (
            {"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "1"}},
            "user.email: Max length cannot be less than min length.",
        ),
        (
            {"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "2", "MaxValue": "1"}},
            "user.updated_at: Max value cannot be less than min value.",
        ),
        (
            {"Name": "plan", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "9", "MaxLength": "3"}},
            "user.custom:plan: Max length cannot be less than min length.",
        ),
    ],
    ids=["string-not-a-number", "number-not-a-number", "over-2048", "length-min-above-max", "value-min-above-max", "custom"],
)
def test_constraints_are_checked(idp, schema, message):
    assert refusal(idp, schema) == ("InvalidParameterException", message)


def test_constraints_within_range_are_kept(idp):
    p = idp.create_user_pool(
        PoolName=f"kept-{uuid.uuid4().hex[:6]}",
        Schema=[{"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "3", "MaxLength": "2048"}}],
    )["UserPool"]
    email = next(a for a in p["SchemaAttributes"] if a["Name"] == "email")
    assert email["StringAttributeConstraints"] == {"MinLength": "3", "MaxLength": "2048"}
    idp.delete_user_pool(UserPoolId=p["Id"])


# Row 5: "True" is a boolean to Cognito (aws-amplify/amplify-js#8205); Tessera keeps it as "true".
def test_booleans_in_any_case(idp):
    p = idp.create_user_pool(PoolName=f"bool-{uuid.uuid4().hex[:6]}", AliasAttributes=["email"])["UserPool"]
    pid = p["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pid, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    idp.admin_create_user(
        UserPoolId=pid,
        Username="tess",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "True"}],
    )
    idp.admin_set_user_password(UserPoolId=pid, Username="tess", Password="Passw0rd!", Permanent=True)
    attrs = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pid, Username="tess")["UserAttributes"]}
    assert attrs["email_verified"] == "true"
    # Verified, the email signs in as an alias.
    out = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": "Passw0rd!"})
    assert "AccessToken" in out["AuthenticationResult"]
    idp.admin_update_user_attributes(
        UserPoolId=pid,
        Username="tess",
        UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}, {"Name": "phone_number_verified", "Value": "TRUE"}],
    )
    attrs = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pid, Username="tess")["UserAttributes"]}
    assert attrs["phone_number_verified"] == "true"
    idp.delete_user_pool(UserPoolId=pid)
