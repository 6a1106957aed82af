"""Email delivery over SMTP: a second Tessera, configured with TESSERA_EMAIL_SENDER=smtp, sends
the sign-up code to an in-process aiosmtpd server; boto3 confirms the sign-up with that code.
Also checks the admin-only outbox endpoint with a real SigV4 signer and with Basic auth."""
import base64
import email
import email.policy
import json
import os
import re
import secrets
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3
import pytest
from aiosmtpd.controller import Controller
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

FROM = "no-reply@tessera.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def wait(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def tessera_smtp(smtp):
    """A second tessera whose email goes to the aiosmtpd server; yields (url, akid, secret, log)."""
    controller, _ = smtp
    binary = os.environ.get("TESSERA_BIN")
    if not binary:
        pytest.skip("TESSERA_BIN is not set (e2e/run.sh sets it)")
    data = tempfile.mkdtemp(prefix="tessera-smtp-")
    akid = "AKIDSMTP" + secrets.token_hex(6).upper()
    secret = secrets.token_urlsafe(30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env.update(
        TESSERA_EMAIL_SENDER="smtp",
        TESSERA_SMTP_HOST="127.0.0.1",
        TESSERA_SMTP_PORT=str(controller.port),
        TESSERA_SMTP_TLS="none",
        TESSERA_SMTP_FROM=FROM,
        TESSERA_ADMIN_ACCESS_KEY_ID=akid,
        TESSERA_ADMIN_SECRET_ACCESS_KEY=secret,
    )
    stderr = open(os.path.join(data, "stderr.log"), "wb")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    try:
        url = None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            if not sel.select(timeout=0.5):
                continue
            line = proc.stdout.readline().decode()
            if not line:
                break
            m = re.match(r"^Tessera is listening on (\S+)", line)
            if m:
                url = m.group(1)
        if url is None:
            stderr.flush()
            with open(os.path.join(data, "stderr.log")) as f:
                pytest.fail(f"tessera did not start:\n{f.read()}")
        yield url, akid, secret, os.path.join(data, "stderr.log")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stderr.close()
        shutil.rmtree(data, ignore_errors=True)


def idp_client(url, akid, secret):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=akid,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def http_get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {}, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_sign_up_code_arrives_by_smtp(smtp, tessera_smtp):
    _, inbox = smtp
    url, akid, secret, log = tessera_smtp
    idp = idp_client(url, akid, secret)
    pool = idp.create_user_pool(PoolName="smtp-e2e", AutoVerifiedAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="smtp-e2e-app")["UserPoolClient"]
    assert "ClientSecret" not in client

    resp = idp.sign_up(
        ClientId=client["ClientId"],
        Username="alice",
        Password="Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    assert resp["UserConfirmed"] is False
    assert resp["UserSub"]
    details = resp["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL"
    assert details["AttributeName"] == "email"
    assert details["Destination"] == "a***@e***"

    messages = inbox.wait(1)
    assert len(messages) == 1, messages
    mail_from, rcpt_tos, content = messages[0]
    assert mail_from == FROM
    assert rcpt_tos == ["alice@example.com"]
    msg = email.message_from_bytes(content, policy=email.policy.default)
    assert msg["To"] == "alice@example.com"
    assert FROM in msg["From"]
    assert msg["Subject"]
    assert msg.get_content_type() == "text/plain"
    body = msg.get_content()
    found = re.findall(r"(?<!\d)(\d{6})(?!\d)", body)
    assert found, body
    code = found[0]

    idp.confirm_sign_up(ClientId=client["ClientId"], Username="alice", ConfirmationCode=code)
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["email_verified"] == "true"

    # Email went to SMTP, so the development outbox has nothing for this pool. Read it with a
    # real SigV4 signer (any region) ...
    outbox = f"{url}/tessera/outbox?" + urllib.parse.urlencode({"poolId": pool["Id"]})
    signed = AWSRequest(method="GET", url=outbox)
    SigV4Auth(Credentials(akid, secret), "cognito-idp", "eu-west-1").add_auth(signed)
    prepared = signed.prepare()
    status, body = http_get(prepared.url, dict(prepared.headers))
    assert status == 200, body
    assert body == {"messages": []}
    # ... and with Basic auth, the development convenience.
    token = base64.b64encode(f"{akid}:{secret}".encode()).decode()
    status, body = http_get(outbox, {"Authorization": f"Basic {token}"})
    assert status == 200, body
    assert body == {"messages": []}
    # Without credentials, or with a wrong secret, it is refused and tells nothing.
    status, body = http_get(outbox)
    assert status == 401
    assert body["__type"] == "MissingAuthenticationTokenException"
    wrong = base64.b64encode(f"{akid}:not-{secret}".encode()).decode()
    status, body = http_get(outbox, {"Authorization": f"Basic {wrong}"})
    assert status == 403
    assert "messages" not in body

    idp.delete_user_pool(UserPoolId=pool["Id"])

    # Neither the code nor the password nor the admin secret reached the log.
    with open(log) as f:
        text = f.read()
    assert "email delivered to the SMTP server" in text
    for leaked in (code, "Passw0rd!", secret):
        assert leaked not in text
