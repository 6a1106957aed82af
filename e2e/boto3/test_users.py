"""Users with boto3 against the real binary: sign-up with the code read from the outbox,
password reset, admin creation with an invitation, and ListUsers over 1,000 users."""
import uuid

import pytest


def new_pool(idp, **kw):
    p = idp.create_user_pool(PoolName=f"users-{uuid.uuid4().hex[:6]}", AutoVerifiedAttributes=["email"], **kw)["UserPool"]
    c = idp.create_user_pool_client(UserPoolId=p["Id"], ClientName="app")["UserPoolClient"]
    return p["Id"], c["ClientId"]


def test_sign_up_confirm_and_reset_password(idp, outbox):
    pool, client = new_pool(idp)
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    out = idp.sign_up(ClientId=client, Username="alice", Password="Passw0rd!", UserAttributes=[{"Name": "email", "Value": email}])
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = outbox.last_code(email)
    with pytest.raises(idp.exceptions.CodeMismatchException):
        idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode="000000" if code != "000000" else "111111")
    idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode=code)
    user = idp.admin_get_user(UserPoolId=pool, Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]

    idp.forgot_password(ClientId=client, Username="alice")
    reset = outbox.last_code(email)
    with pytest.raises(idp.exceptions.InvalidPasswordException):
        idp.confirm_forgot_password(ClientId=client, Username="alice", ConfirmationCode=reset, Password="short")
    idp.confirm_forgot_password(ClientId=client, Username="alice", ConfirmationCode=reset, Password="N3w-Passw0rd!")
    # A used reset code: Cognito answers ExpiredCodeException, "Invalid code provided,
    # please request a code again." (aws-amplify/amplify-js#6863).
    with pytest.raises(idp.exceptions.ExpiredCodeException):
        idp.confirm_forgot_password(ClientId=client, Username="alice", ConfirmationCode=reset, Password="N3w-Passw0rd!2")
    with pytest.raises(idp.exceptions.UsernameExistsException):
        idp.sign_up(ClientId=client, Username="alice", Password="Passw0rd!")
    idp.delete_user_pool(UserPoolId=pool)


def test_admin_create_user_sends_an_invitation(idp, outbox):
    pool, _ = new_pool(
        idp,
        AdminCreateUserConfig={
            "InviteMessageTemplate": {
                "EmailSubject": "Welcome",
                "EmailMessage": "Hello {username}, your temporary password is {####}",
            }
        },
    )
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user = idp.admin_create_user(UserPoolId=pool, Username="bob", UserAttributes=[{"Name": "email", "Value": email}])["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    msg = [m for m in outbox(poolId=pool) if m["destination"] == email][-1]
    assert msg["subject"] == "Welcome"
    assert msg["body"] == f"Hello bob, your temporary password is {msg['code']}"
    with pytest.raises(idp.exceptions.UsernameExistsException):
        idp.admin_create_user(UserPoolId=pool, Username="bob")
    idp.delete_user_pool(UserPoolId=pool)


def test_list_users_filters_and_pages_over_1000_users(idp):
    pool, _ = new_pool(idp)
    for i in range(1000):
        idp.admin_create_user(
            UserPoolId=pool,
            Username=f"user{i:04d}",
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"user{i:04d}@{'even' if i % 2 == 0 else 'odd'}.example.com"},
                {"Name": "given_name", "Value": f"g{i % 10}"},
            ],
        )
    pages = list(idp.get_paginator("list_users").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 60}))
    names = [u["Username"] for page in pages for u in page["Users"]]
    assert len(names) == 1000 and len(set(names)) == 1000
    assert len(pages) == 17

    def count(f):
        return sum(len(p["Users"]) for p in idp.get_paginator("list_users").paginate(UserPoolId=pool, Filter=f))

    assert count('given_name = "g3"') == 100
    assert count('username ^= "user01"') == 100
    assert count('email = "user0042@even.example.com"') == 1
    assert count('cognito:user_status = "FORCE_CHANGE_PASSWORD"') == 1000
    assert count('status = "Disabled"') == 0
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.list_users(UserPoolId=pool, Filter='custom:plan = "x"')
    idp.delete_user_pool(UserPoolId=pool)
