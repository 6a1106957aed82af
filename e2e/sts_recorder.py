"""A recording hop between Tessera and moto's STS, for the identity-pool suites.

Tessera's identity pools get credentials with AssumeRoleWithWebIdentity. This forwards each
request to the real STS (moto's server, started by e2e/run.sh) unchanged and appends the
web identity token Tessera sent to a file, one per line, so the suites can check that the
token verifies against Tessera's identity JWKS.

    python sts_recorder.py UPSTREAM_URL TOKENS_FILE PORT_FILE
"""
import http.server
import sys
import urllib.parse
import urllib.request

upstream, tokens_file, port_file = sys.argv[1], sys.argv[2], sys.argv[3]


class Hop(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        form = urllib.parse.parse_qs(body.decode())
        if "WebIdentityToken" in form:
            with open(tokens_file, "a") as f:
                f.write(form["WebIdentityToken"][0] + "\n")
        req = urllib.request.Request(
            upstream + self.path,
            data=body,
            headers={"content-type": self.headers.get("content-type", "")},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, answer = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, answer = e.code, e.read()
        self.send_response(status)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hop)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
