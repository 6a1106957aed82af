"""pycognito (SRP sign-in in Python, from PyPI) against the real binary.

pycognito takes the endpoint through ``boto3_client_kwargs={"endpoint_url": ...}``; it then
also derives the pool's issuer and JWKS from it (``<endpoint>/<poolId>`` and
``<endpoint>/<poolId>/.well-known/jwks.json``) and verifies every token it receives (RS256,
``iss``, ``aud`` for ID tokens, ``token_use``). Its PASSWORD_VERIFIER answer carries no
Session, and with a client secret it sends SECRET_HASH in both SRP steps and on refresh.
"""
import os
import uuid

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pycognito import Cognito

FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _url():
    return os.environ["TESSERA_URL"].rstrip("/")


def _client(idp, pool_id, **kw):
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName=f"py-{uuid.uuid4().hex[:6]}", ExplicitAuthFlows=FLOWS, **kw)[
        "UserPoolClient"
    ]


def _user(idp, pool_id):
    username = f"py-{uuid.uuid4().hex[:8]}"
    password = f"Pw-{uuid.uuid4().hex[:10]}-9aZ!"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    return username, password


def _cognito(pool_id, client_id, username, client_secret=None):
    return Cognito(
        pool_id,
        client_id,
        username=username,
        client_secret=client_secret,
        botocore_config=Config(retries={"max_attempts": 1}),
        boto3_client_kwargs={"endpoint_url": _url()},
    )


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def test_srp_sign_in_refresh_and_sign_out(idp, pool):
    client = _client(idp, pool["Id"])
    username, password = _user(idp, pool["Id"])
    u = _cognito(pool["Id"], client["ClientId"], username)
    assert u.user_pool_url == f"{_url()}/{pool['Id']}"

    u.authenticate(password)  # SRP; verifies both tokens against the pool's JWKS
    assert u.id_token and u.access_token and u.refresh_token
    assert u.token_type == "Bearer"
    assert u.id_claims["cognito:username"] == username
    assert u.id_claims["aud"] == client["ClientId"]
    assert u.id_claims["email"] == f"{username}@example.com"
    assert u.id_claims["email_verified"] is True
    assert u.access_claims["username"] == username
    assert u.access_claims["client_id"] == client["ClientId"]
    assert u.access_claims["scope"] == "aws.cognito.signin.user.admin"
    u.verify_tokens()

    assert u.check_token(renew=False) is False  # not expired
    user = u.get_user()
    assert user.username == username
    assert user.email == f"{username}@example.com"

    first = u.access_token
    u.renew_access_token()  # REFRESH_TOKEN_AUTH; the new tokens are verified too
    assert u.access_token != first
    assert u.access_claims["origin_jti"] == u.id_claims["origin_jti"]

    old = u.access_token
    u.logout()  # GlobalSignOut
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=old)
    assert _code(e) == "NotAuthorizedException"


def test_wrong_password_is_refused(idp, pool):
    client = _client(idp, pool["Id"])
    username, password = _user(idp, pool["Id"])
    with pytest.raises(ClientError) as e:
        _cognito(pool["Id"], client["ClientId"], username).authenticate(password + "x")
    assert _code(e) == "NotAuthorizedException"


def test_srp_sign_in_with_a_client_secret(idp, pool):
    client = _client(idp, pool["Id"], GenerateSecret=True)
    secret = client["ClientSecret"]
    username, password = _user(idp, pool["Id"])

    u = _cognito(pool["Id"], client["ClientId"], username, client_secret=secret)
    u.authenticate(password)  # SECRET_HASH in InitiateAuth and in the PASSWORD_VERIFIER answer
    assert u.id_token and u.access_token and u.refresh_token
    assert u.id_claims["aud"] == client["ClientId"]

    first = u.access_token
    u.renew_access_token()  # REFRESH_TOKEN_AUTH with SECRET_HASH
    assert u.access_token != first

    with pytest.raises(ClientError) as e:
        _cognito(pool["Id"], client["ClientId"], username, client_secret=secret[:-1] + ("A" if secret[-1] != "A" else "B")).authenticate(password)
    assert _code(e) == "NotAuthorizedException"
    with pytest.raises(ClientError) as e:
        _cognito(pool["Id"], client["ClientId"], username).authenticate(password)  # no SECRET_HASH at all
    assert _code(e) == "NotAuthorizedException"
