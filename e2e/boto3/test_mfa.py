"""Software-token MFA with boto3 against the real binary: association with an access token,
verification, SetUserMFAPreference, sign-in answering SOFTWARE_TOKEN_MFA, and
AdminDeleteSoftwareToken (which the Rust SDK lacks, so it is tested here) putting the user back
to the password alone, or back to MFA_SETUP when the pool requires MFA.

TOTP codes are computed here (RFC 6238: HMAC-SHA1, 30-second steps, six digits). A time step
once used, by VerifySoftwareToken included, is refused afterwards; the server allows one step
of drift, so a sign-in right after verifying answers with the next step's code."""
import base64
import hashlib
import hmac
import struct
import time
import uuid

import pytest

PASSWORD = "Passw0rd!-mfa"


def totp(secret, at=None):
    """The six-digit code of the 30-second step that holds `at` (Unix seconds; default now)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    h = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = h[19] & 0x0F
    return f"{(struct.unpack('>I', h[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def next_code(secret):
    """The next step's code: accepted (one step of drift) after the current step was used."""
    return totp(secret, time.time() + 30)


def wrong_code(secret):
    """A code that no step near now produces."""
    near = {totp(secret, time.time() + d) for d in (-30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222") if c not in near)


@pytest.fixture
def mfa_pool(idp):
    """Makes a pool with software-token MFA in the given mode, an app client and a user;
    returns (pool id, client id, username). Pools are deleted afterwards."""
    made = []

    def make(mode):
        pool = idp.create_user_pool(PoolName=f"mfa-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
        made.append(pool)
        idp.set_user_pool_mfa_config(
            UserPoolId=pool, MfaConfiguration=mode, SoftwareTokenMfaConfiguration={"Enabled": True}
        )
        client = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="mia", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username="mia", Password=PASSWORD, Permanent=True)
        return pool, client, "mia"

    yield make
    for pool in made:
        try:
            idp.delete_user_pool(UserPoolId=pool)
        except idp.exceptions.ResourceNotFoundException:
            pass


@pytest.fixture
def public(make_client):
    """An unsigned client, as an app calls the public operations."""
    return make_client(unsigned=True)


def sign_in(public, client, username):
    return public.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )


def answer_totp(public, client, username, session, code):
    return public.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


def test_totp_setup_sign_in_and_admin_delete_software_token(idp, public, mfa_pool):
    pool, client, name = mfa_pool("OPTIONAL")
    # OPTIONAL and no factor yet: the password alone signs in.
    access = sign_in(public, client, name)["AuthenticationResult"]["AccessToken"]

    # Turning on a token that was never verified is refused.
    with pytest.raises(public.exceptions.InvalidParameterException):
        public.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})

    secret = public.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) >= 16 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    # A wrong code is refused with Cognito's exception, which apps check for.
    with pytest.raises(public.exceptions.EnableSoftwareTokenMFAException):
        public.verify_software_token(AccessToken=access, UserCode=wrong_code(secret))
    verified_at = time.time()
    out = public.verify_software_token(AccessToken=access, UserCode=totp(secret, verified_at), FriendlyDeviceName="phone")
    assert out["Status"] == "SUCCESS"
    public.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    me = public.get_user(AccessToken=access)
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    # Sign-in now stops at SOFTWARE_TOKEN_MFA.
    step = sign_in(public, client, name)
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in step
    with pytest.raises(public.exceptions.CodeMismatchException):
        answer_totp(public, client, name, step["Session"], wrong_code(secret))
    # The step VerifySoftwareToken used is spent: Cognito answers ExpiredCodeException,
    # "Your software token has already been used once." (AWS's own amplify-swift
    # MFASignInTests wait 30 s to avoid it).
    with pytest.raises(public.exceptions.ExpiredCodeException):
        answer_totp(public, client, name, step["Session"], totp(secret, verified_at))
    done = answer_totp(public, client, name, step["Session"], next_code(secret))
    tokens = done["AuthenticationResult"]
    assert public.get_user(AccessToken=tokens["AccessToken"])["Username"] == name

    # The administrator deletes the token: the factor is gone, and the password alone signs in.
    assert idp.admin_delete_software_token(UserPoolId=pool, Username=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    user = idp.admin_get_user(UserPoolId=pool, Username=name)
    assert "SOFTWARE_TOKEN_MFA" not in user.get("UserMFASettingList", [])
    assert user.get("PreferredMfaSetting") is None
    out = sign_in(public, client, name)
    assert "ChallengeName" not in out, f"no MFA after AdminDeleteSoftwareToken, got {out.get('ChallengeName')}"
    access = out["AuthenticationResult"]["AccessToken"]
    # The deleted token cannot simply be switched back on.
    with pytest.raises(public.exceptions.InvalidParameterException):
        public.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})

    # Unknown users and pools.
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_delete_software_token(UserPoolId=pool, Username="nobody")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.admin_delete_software_token(UserPoolId="us-east-1_doesnotexist", Username=name)


def test_admin_delete_software_token_when_mfa_is_required(idp, public, mfa_pool):
    pool, client, name = mfa_pool("ON")

    # MFA required, only TOTP offered, none set up: MFA_SETUP, answered with a session.
    step = sign_in(public, client, name)
    assert step["ChallengeName"] == "MFA_SETUP"
    assert step["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'
    assoc = public.associate_software_token(Session=step["Session"])
    secret = assoc["SecretCode"]
    verified = public.verify_software_token(Session=assoc["Session"], UserCode=totp(secret))
    assert verified["Status"] == "SUCCESS"
    done = public.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": name},
    )
    assert done["AuthenticationResult"]["AccessToken"]
    assert idp.admin_get_user(UserPoolId=pool, Username=name)["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    step = sign_in(public, client, name)
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    answer_totp(public, client, name, step["Session"], next_code(secret))

    # With the token deleted, a required MFA means setting one up again.
    idp.admin_delete_software_token(UserPoolId=pool, Username=name)
    step = sign_in(public, client, name)
    assert step["ChallengeName"] == "MFA_SETUP"
    # The old secret is no longer the user's: a new association gives a new one.
    fresh = public.associate_software_token(Session=step["Session"])["SecretCode"]
    assert fresh != secret
