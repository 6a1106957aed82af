"""Identity pools through boto3's cognito-identity client, with moto's server as the STS.

e2e/run.sh starts moto behind e2e/sts_recorder.py and points Tessera's --sts-endpoint at it;
the credentials Tessera returns must work against moto (GetCallerIdentity names the role
Cognito's rules chose), and the web identity token Tessera sent must verify against
Tessera's identity JWKS with PyJWT.
"""
import os
import uuid

import boto3
import jwt
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

URL = os.environ["TESSERA_URL"]
ACCOUNT = "123456789012"
AUTH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/e2e-authenticated"
GUEST_ROLE = f"arn:aws:iam::{ACCOUNT}:role/e2e-guest"


def identity(unsigned=False):
    cfg = Config(retries={"max_attempts": 1}, **({"signature_version": UNSIGNED} if unsigned else {}))
    return boto3.client(
        "cognito-identity",
        endpoint_url=URL,
        region_name="us-east-1",
        aws_access_key_id=os.environ["TESSERA_AKID"],
        aws_secret_access_key=os.environ["TESSERA_SECRET"],
        config=cfg,
    )


def caller(creds):
    """GetCallerIdentity against moto with credentials GetCredentialsForIdentity returned."""
    sts = boto3.client(
        "sts",
        endpoint_url=os.environ["TESSERA_E2E_MOTO_URL"],
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretKey"],
        aws_session_token=creds["SessionToken"],
    )
    return sts.get_caller_identity()["Arn"]


def last_sent_token():
    with open(os.environ["TESSERA_E2E_STS_TOKENS"]) as f:
        return f.read().splitlines()[-1]


def verify(token, pool_id):
    """Verifies a token Tessera sent to the STS against the issuer's published keys."""
    issuer = f"{URL}/identity"
    keys = jwt.PyJWKClient(f"{issuer}/.well-known/jwks_uri")
    key = keys.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=pool_id, issuer=issuer)


@pytest.fixture
def signed_in(idp):
    pool = idp.create_user_pool(PoolName=f"ip-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="ana", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="ana", Password="Passw0rd!", Permanent=True)
    tokens = idp.initiate_auth(
        ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": "Passw0rd!"}
    )["AuthenticationResult"]
    yield pool, client, tokens
    idp.delete_user_pool(UserPoolId=pool)


def new_identity_pool(c, pool, client, **kw):
    ip = c.create_identity_pool(
        IdentityPoolName=f"e2e{uuid.uuid4().hex[:8]}",
        AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[
            {"ProviderName": f"cognito-idp.us-east-1.amazonaws.com/{pool}", "ClientId": client, "ServerSideTokenCheck": True}
        ],
        **kw,
    )["IdentityPoolId"]
    c.set_identity_pool_roles(IdentityPoolId=ip, Roles={"authenticated": AUTH_ROLE, "unauthenticated": GUEST_ROLE})
    return ip


def test_guest_and_signed_in_credentials_work_at_the_sts(signed_in):
    pool, client, tokens = signed_in
    admin, public = identity(), identity(unsigned=True)
    ip = new_identity_pool(admin, pool, client)

    guest = public.get_id(IdentityPoolId=ip)["IdentityId"]
    assert guest.startswith("us-east-1:")
    creds = public.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    assert caller(creds).endswith(":assumed-role/e2e-guest/CognitoIdentityCredentials")
    claims = verify(last_sent_token(), ip)
    assert claims["sub"] == guest and claims["amr"] == ["unauthenticated"]

    key = f"cognito-idp.us-east-1.amazonaws.com/{pool}"
    logins = {key: tokens["IdToken"]}
    me = public.get_id(IdentityPoolId=ip, Logins=logins)["IdentityId"]
    assert me != guest
    assert public.get_id(IdentityPoolId=ip, Logins=logins)["IdentityId"] == me
    got = public.get_credentials_for_identity(IdentityId=me, Logins=logins)
    assert got["IdentityId"] == me
    assert caller(got["Credentials"]).endswith(":assumed-role/e2e-authenticated/CognitoIdentityCredentials")
    claims = verify(last_sent_token(), ip)
    assert claims["sub"] == me
    assert claims["amr"][0] == "authenticated" and claims["amr"][1] == key

    # The basic flow: GetOpenIdToken, verified the same way.
    token = public.get_open_id_token(IdentityId=me, Logins=logins)["Token"]
    assert verify(token, ip)["sub"] == me

    desc = admin.describe_identity(IdentityId=me)
    assert desc["Logins"] == [key]
    listed = admin.list_identities(IdentityPoolId=ip, MaxResults=60)["Identities"]
    assert {i["IdentityId"] for i in listed} == {guest, me}

    # Signed out everywhere: ServerSideTokenCheck refuses the still-unexpired ID token.
    boto3.client(
        "cognito-idp", endpoint_url=URL, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x", config=Config(signature_version=UNSIGNED),
    ).global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(ClientError) as e:
        public.get_credentials_for_identity(IdentityId=me, Logins=logins)
    assert e.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_refusals_carry_cognitos_names_and_texts(signed_in):
    pool, client, tokens = signed_in
    admin, public = identity(), identity(unsigned=True)
    ip = new_identity_pool(admin, pool, client, AllowClassicFlow=False)
    admin.update_identity_pool(
        IdentityPoolId=ip, IdentityPoolName="strict", AllowUnauthenticatedIdentities=False, AllowClassicFlow=False,
        CognitoIdentityProviders=[{"ProviderName": f"cognito-idp.us-east-1.amazonaws.com/{pool}", "ClientId": client}],
    )

    def error(call, **kw):
        with pytest.raises(ClientError) as e:
            call(**kw)
        return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]

    assert error(public.get_id, IdentityPoolId=ip) == (
        "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
    )
    assert error(public.get_id, IdentityPoolId=ip, Logins={"graph.facebook.com": "x"}) == (
        "NotAuthorizedException", "Token is not from a supported provider of this identity pool."
    )
    missing = "us-east-1:00000000-0000-0000-0000-000000000000"
    assert error(admin.describe_identity_pool, IdentityPoolId=missing) == (
        "ResourceNotFoundException", f"IdentityPool '{missing}' not found."
    )
    assert error(public.get_credentials_for_identity, IdentityId=missing) == (
        "ResourceNotFoundException", f"Identity '{missing}' not found."
    )
    logins = {f"cognito-idp.us-east-1.amazonaws.com/{pool}": tokens["IdToken"]}
    me = public.get_id(IdentityPoolId=ip, Logins=logins)["IdentityId"]
    assert error(public.get_open_id_token, IdentityId=me, Logins=logins) == (
        "InvalidParameterException", "Basic (classic) flow is not enabled, please use enhanced flow."
    )
    assert error(public.get_credentials_for_identity, IdentityId=me) == (
        "NotAuthorizedException", f"Access to Identity '{me}' is forbidden."
    )
    # Developer operations need the developer's signature.
    code, _ = error(public.lookup_developer_identity, IdentityPoolId=ip, DeveloperUserIdentifier="u")
    assert code in ("MissingAuthenticationTokenException", "UnrecognizedClientException", "IncompleteSignatureException")
    admin.delete_identity_pool(IdentityPoolId=ip)
    assert error(public.get_id, IdentityPoolId=ip, Logins=logins)[0] == "ResourceNotFoundException"


def test_developer_identities_with_boto3():
    admin, public = identity(), identity(unsigned=True)
    ip = admin.create_identity_pool(
        IdentityPoolName="dev", AllowUnauthenticatedIdentities=False, DeveloperProviderName="login.e2e.app"
    )["IdentityPoolId"]
    admin.set_identity_pool_roles(IdentityPoolId=ip, Roles={"authenticated": AUTH_ROLE})
    r = admin.get_open_id_token_for_developer_identity(
        IdentityPoolId=ip, Logins={"login.e2e.app": "user-7"}, TokenDuration=120
    )
    claims = verify(r["Token"], ip)
    assert claims["sub"] == r["IdentityId"] and claims["exp"] - claims["iat"] == 120
    got = public.get_credentials_for_identity(
        IdentityId=r["IdentityId"], Logins={"cognito-identity.amazonaws.com": r["Token"]}
    )
    assert caller(got["Credentials"]).endswith(":assumed-role/e2e-authenticated/CognitoIdentityCredentials")
    found = admin.lookup_developer_identity(IdentityPoolId=ip, DeveloperUserIdentifier="user-7")
    assert found["IdentityId"] == r["IdentityId"] and found["DeveloperUserIdentifierList"] == ["user-7"]
    tags = admin.list_tags_for_resource(
        ResourceArn=f"arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{ip}"
    )
    assert tags["Tags"] == {}
    admin.delete_identities(IdentityIdsToDelete=[r["IdentityId"]])
    with pytest.raises(ClientError):
        admin.describe_identity(IdentityId=r["IdentityId"])
