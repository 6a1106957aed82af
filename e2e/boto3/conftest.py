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
