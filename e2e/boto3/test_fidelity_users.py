"""Issue 19's password-reset refusals with boto3 against the real binary: the exception and
the whole message Cognito answers. Sources: docs/fidelity.md, "User and password refusals
(issue 19)", rows 8, 9 and 14."""
import os
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

PASSWORD = "Passw0rd!"


def new_pool(idp, **kw):
    p = idp.create_user_pool(PoolName=f"fidelity-{uuid.uuid4().hex[:6]}", AutoVerifiedAttributes=["email"], **kw)["UserPool"]
    c = idp.create_user_pool_client(UserPoolId=p["Id"], ClientName="app")["UserPoolClient"]
    return p["Id"], c["ClientId"]


def refusal(excinfo):
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def create_user(idp, pool, name, permanent):
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    idp.admin_create_user(
        UserPoolId=pool,
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    if permanent:
        idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    return email


def test_admin_only_recovery_refuses_forgot_password(idp, outbox):
    # Row 8.
    pool, client = new_pool(idp, AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]})
    email = create_user(idp, pool, "dora", permanent=True)
    for name in ["dora", "nobody"]:
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            idp.forgot_password(ClientId=client, Username=name)
        assert refusal(e) == ("NotAuthorizedException", "Contact administrator to reset password.")
    assert not [m for m in outbox(poolId=pool) if m["destination"] == email]
    idp.delete_user_pool(UserPoolId=pool)


def test_a_temporary_password_cannot_be_reset(idp, outbox):
    # Row 9: an admin-created user who has not signed in yet (FORCE_CHANGE_PASSWORD).
    pool, client = new_pool(idp)
    email = create_user(idp, pool, "eve", permanent=False)
    assert idp.admin_get_user(UserPoolId=pool, Username="eve")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    expected = ("NotAuthorizedException", "User password cannot be reset in the current state.")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.forgot_password(ClientId=client, Username="eve")
    assert refusal(e) == expected
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.admin_reset_user_password(UserPoolId=pool, Username="eve")
    assert refusal(e) == expected
    assert not [m for m in outbox(poolId=pool) if m["destination"] == email]

    # Once the user has a password of their own, both work.
    idp.admin_set_user_password(UserPoolId=pool, Username="eve", Password=PASSWORD, Permanent=True)
    assert idp.forgot_password(ClientId=client, Username="eve")["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    idp.admin_reset_user_password(UserPoolId=pool, Username="eve")
    assert idp.admin_get_user(UserPoolId=pool, Username="eve")["UserStatus"] == "RESET_REQUIRED"
    idp.delete_user_pool(UserPoolId=pool)


def test_identity_pool_validation_is_a_validation_exception():
    # Row 14: cognito-identity's model has no ValidationException, so botocore raises a plain
    # ClientError carrying the code, as it does against the real service.
    identity = boto3.client(
        "cognito-identity",
        endpoint_url=os.environ["TESSERA_URL"],
        region_name="us-east-1",
        aws_access_key_id=os.environ["TESSERA_AKID"],
        aws_secret_access_key=os.environ["TESSERA_SECRET"],
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as e:
        identity.get_id(IdentityPoolId="6eaf0258-e8c5-467f-90de-6e212326e6d3")
    assert refusal(e) == (
        "ValidationException",
        "1 validation error detected: Value '6eaf0258-e8c5-467f-90de-6e212326e6d3' at 'identityPoolId' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+",
    )
