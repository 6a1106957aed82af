"""What the suites that start `tessera serve` processes of their own share (test_multinode,
test_replicas, test_standby_site): admin credentials, the processes themselves (one server key
and one public URL for all, as the README's "Several nodes" asks), boto3 clients that make one
request per call, and polling."""
import base64
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

PASSWORD = "Passw0rd!-multinode"
AKID = "AKIAMULTINODETEST001"
SECRET = secrets.token_hex(20)
# How long another node may take to see a change: ADR 0007/0008 promise milliseconds with
# PostgreSQL NOTIFY and a second at worst (polling); we allow two.
WITHIN = 2.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, headers=None, timeout=5):
    req = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


def wait_ready(url, proc, log):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url} exited with {proc.returncode}:\n{open(log).read()[-3000:]}")
        if http_get(f"{url}/health/ready", timeout=1)[0] == 200:
            return
        time.sleep(0.1)
    raise AssertionError(f"{url} was not ready within 30 s:\n{open(log).read()[-3000:]}")


def client(url, region="us-east-1"):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        # No retries by the SDK: each call is one request, so what a node (or nginx) does is
        # what we see.
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20),
    )


def jwt_part(token, i):
    part = token.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def error_code(fn):
    """The error code `fn()` raises, or None when it succeeds."""
    try:
        fn()
        return None
    except ClientError as e:
        return e.response["Error"]["Code"]


def eventually(what, check, within=WITHIN):
    """Polls `check` until true, for at most `within` seconds; returns the time it took."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            raise AssertionError(f"{what}: not seen within {within} s")
        time.sleep(0.05)


def tessera_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env["TESSERA_ADMIN_ACCESS_KEY_ID"] = AKID
    env["TESSERA_ADMIN_SECRET_ACCESS_KEY"] = SECRET
    return env


def sign_in(idp, app, user):
    return idp.initiate_auth(
        ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD}
    )["AuthenticationResult"]


class Nodes:
    """`tessera serve` processes (TESSERA_BIN), each with a data folder and a log in `d`, all
    with one server key and the public URL `public`. `procs` holds them by name (a suite may
    add others, such as nginx); `stop` ends every one still running."""

    def __init__(self, d, public):
        self.d, self.public, self.procs = d, public, {}
        self.binary = os.environ["TESSERA_BIN"]
        self.key_file = f"{d}/server.key"
        with open(os.open(self.key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(secrets.token_hex(32))

    def start(self, name, port, *args):
        """Starts node `name` on `port` with the extra `args`; its process and log file."""
        log = f"{self.d}/{name}.log"
        self.procs[name] = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", f"{self.d}/{name}",
             "--public-url", self.public, "--server-key-file", self.key_file, *args],
            env=tessera_env(), stdout=open(log, "a"), stderr=subprocess.STDOUT,
        )
        return self.procs[name], log

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
