"""Shared fixtures: boto3 clients pointed at the Tessera under test."""
import os
import uuid

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config


def _client(akid=None, secret=None, unsigned=False, region="us-east-1"):
    cfg = Config(signature_version=UNSIGNED, retries={"max_attempts": 1}) if unsigned else Config(retries={"max_attempts": 1})
    return boto3.client(
        "cognito-idp",
        endpoint_url=os.environ["TESSERA_URL"],
        region_name=region,
        aws_access_key_id=akid or os.environ["TESSERA_AKID"],
        aws_secret_access_key=secret or os.environ["TESSERA_SECRET"],
        config=cfg,
    )


@pytest.fixture
def idp():
    return _client()


@pytest.fixture
def make_client():
    return _client


@pytest.fixture
def pool(idp):
    p = idp.create_user_pool(PoolName=f"e2e-{uuid.uuid4().hex[:8]}")["UserPool"]
    yield p
    try:
        idp.delete_user_pool(UserPoolId=p["Id"])
    except idp.exceptions.ResourceNotFoundException:
        pass


@pytest.fixture
def outbox():
    """Reads the development outbox through its admin endpoint (HTTP Basic with the admin key)."""
    import base64
    import json
    import urllib.parse
    import urllib.request

    token = base64.b64encode(f"{os.environ['TESSERA_AKID']}:{os.environ['TESSERA_SECRET']}".encode()).decode()

    def read(**filters):
        url = f"{os.environ['TESSERA_URL']}/tessera/outbox?" + urllib.parse.urlencode(filters)
        req = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)["messages"]

    def last_code(destination):
        found = [m for m in read() if m["destination"] == destination]
        assert found, f"no message to {destination} in the outbox"
        return found[-1]["code"]

    read.last_code = last_code
    return read
