"""`tessera gate` as nginx's auth_request target (Debian's nginx), in front of a backend.

nginx asks the gate's forward-auth endpoint about every request (the original method and URI
in headers), lets through what it answers 200 to, and passes the verified `sub` on; 401 and
403 reach the client as they are.
"""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

NGINX = os.environ.get("TESSERA_NGINX", "/usr/sbin/nginx")
PASSWORD = "Passw0rd!-gate"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    for _ in range(100):
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def get(url, token=None, headers=None):
    req = urllib.request.Request(url, headers=dict(headers or {}))
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None


def test_nginx_auth_request_with_the_gate(idp, pool):
    if not os.path.exists(NGINX):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NGINX} is missing (e2e/run.sh installs Debian's nginx-light)")
        pytest.skip(f"{NGINX} is missing")
    pool_id = pool["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="gate", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="nina", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="nina", Password=PASSWORD, Permanent=True)
    tokens = idp.initiate_auth(
        ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "nina", "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    sub = idp.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]
    sub = next(a["Value"] for a in sub if a["Name"] == "sub")

    backend = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    b = backend.server_address[1]
    g, n = free_port(), free_port()
    procs = []
    with tempfile.TemporaryDirectory() as d:
        try:
            with open(f"{d}/gate.toml", "w") as f:
                f.write(f"""
listen = "127.0.0.1:{g}"
forward_auth_path = "/_auth"
[issuer]
issuer = "{os.environ['TESSERA_URL']}/{pool_id}"
audiences = ["{client}"]
[[route]]
path = "/public/*"
backend = "http://127.0.0.1:{b}"
auth = "public"
[[route]]
path = "/api/*"
backend = "http://127.0.0.1:{b}"
""")
            gate = subprocess.Popen([os.environ["TESSERA_BIN"], "gate", "--config", f"{d}/gate.toml"],
                                    stdout=subprocess.DEVNULL, stderr=open(f"{d}/gate.log", "w"))
            procs.append(gate)
            wait_port(g, gate, "tessera gate")
            with open(f"{d}/nginx.conf", "w") as f:
                f.write(f"""
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{n};
    location = /_auth {{
      internal;
      proxy_pass http://127.0.0.1:{g}/_auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }}
    location / {{
      auth_request /_auth;
      auth_request_set $auth_sub $upstream_http_x_auth_sub;
      proxy_set_header X-Auth-Sub $auth_sub;
      proxy_pass http://127.0.0.1:{b};
    }}
  }}
}}
""")
            nginx = subprocess.Popen([NGINX, "-p", d, "-c", f"{d}/nginx.conf"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(nginx)
            wait_port(n, nginx, "nginx")
            base = f"http://127.0.0.1:{n}"

            assert get(f"{base}/api/orders")[0] == 401
            assert get(f"{base}/api/orders", token="not-a-token")[0] == 401
            status, seen = get(f"{base}/api/orders?x=1", token=tokens["AccessToken"], headers={"X-Auth-Sub": "spoofed"})
            assert status == 200
            assert seen["path"] == "/api/orders?x=1"
            assert seen["headers"]["x-auth-sub"] == sub
            # No route: API Gateway's 403, passed on by nginx.
            assert get(f"{base}/elsewhere", token=tokens["AccessToken"])[0] == 403
            status, seen = get(f"{base}/public/page", headers={"X-Auth-Sub": "spoofed"})
            assert status == 200
            assert seen["headers"].get("x-auth-sub", "") == ""
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)
            backend.shutdown()
