"""A secondary site on a read-only PostgreSQL standby, and its failover (issue 20, ADR 0026).

Each run builds a throwaway streaming pair with PostgreSQL's own tools (initdb, pg_basebackup
-R, as the `postgres` OS user; docs/design/multi-region-replicas.md 2.6): a primary and a hot
standby replicating from it. Site A (us-east-1) runs on the primary. Site B (us-west-2) reads
the standby and sends its writes to the primary (`--database-writer-url`). The tests show
what a team relying on Cognito's multi-Region replication expects: A's users sign in at B once
replication has brought them, tokens from either site work at both, a global sign-out at B is
obeyed at A, B refuses to create users, and when the primary is lost and the standby promoted,
B signs users in again without a restart and still refuses sign-up (its role stays SECONDARY).

The tests run in file order and share one pair; the failover comes last.
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest
from botocore.exceptions import ClientError

from nodes import (PASSWORD, Nodes, client, error_code, eventually, free_port, http_get, jwt_part, sign_in,
                   wait_ready)

# How long replication and the feeds may take to bring a change to the other site (the
# standby replays within milliseconds here; the nodes poll their feeds every second).
WITHIN = 5.0


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def as_postgres(args, check=True):
    """Runs PostgreSQL's tools as the `postgres` OS user (initdb refuses root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0 or not check, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout


def sql(port, query):
    return as_postgres(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-At", "-c", query]).strip()


def why_not():
    if pg_bin() is None:
        return "PostgreSQL's server tools (initdb, pg_basebackup) are not installed"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres OS user to run PostgreSQL as"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        return "building a PostgreSQL pair needs root or the postgres user"
    return None


@pytest.fixture(scope="module")
def pair():
    why = why_not()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (the standby site test builds a streaming pair under CI)")
        pytest.skip(why)
    bindir = pg_bin()
    d = tempfile.mkdtemp(prefix="tessera-pair-")
    shutil.chown(d, "postgres", "postgres")
    primary, standby = free_port(), free_port()
    started = []
    try:
        as_postgres([f"{bindir}/initdb", "-D", f"{d}/p", "--auth=trust", "-U", "postgres"])
        with open(f"{d}/p/postgresql.conf", "a") as f:
            f.write(f"port = {primary}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{d}'\n"
                    "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n")
        with open(f"{d}/p/pg_hba.conf", "a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
        as_postgres([f"{bindir}/pg_ctl", "-D", f"{d}/p", "-l", f"{d}/p.log", "-w", "start"])
        started.append(f"{d}/p")
        as_postgres([f"{bindir}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres",
                     "-D", f"{d}/s", "-X", "stream", "-R"])
        with open(f"{d}/s/postgresql.conf", "a") as f:
            f.write(f"port = {standby}\n")
        as_postgres([f"{bindir}/pg_ctl", "-D", f"{d}/s", "-l", f"{d}/s.log", "-w", "start"])
        started.append(f"{d}/s")
        assert sql(standby, "SELECT pg_is_in_recovery()") == "t"
        yield {"dir": d, "bin": bindir, "primary": primary, "standby": standby}
    finally:
        for data in reversed(started):
            as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], check=False)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def sites(pair):
    with tempfile.TemporaryDirectory() as d:
        ports = {"a": free_port(), "b": free_port()}
        # One issuer for both sites (the operator's global name), as Cognito's replicas share
        # the primary's `iss` and JWKS.
        nodes = Nodes(d, f"http://127.0.0.1:{ports['a']}")
        db = {k: f"postgres://postgres@127.0.0.1:{pair[k]}/postgres" for k in ("primary", "standby")}
        args = {
            "a": ["--database-url", db["primary"], "--site-region", "us-east-1"],
            "b": ["--database-url", db["standby"], "--database-writer-url", db["primary"], "--site-region", "us-west-2"],
        }
        urls = {k: f"http://127.0.0.1:{v}" for k, v in ports.items()}

        def start(name):
            return nodes.start(name, ports[name], *args[name])

        def restart_b():
            nodes.procs["b"].terminate()
            nodes.procs["b"].wait(timeout=10)
            p, log = start("b")
            deadline = time.monotonic() + 30
            while http_get(f"{urls['b']}/health/live", timeout=1)[0] != 200:
                assert p.poll() is None and time.monotonic() < deadline, open(log).read()[-3000:]
                time.sleep(0.1)

        try:
            for name in ("a", "b"):  # A migrates the primary first
                wait_ready(urls[name], *start(name))
            a = client(urls["a"], "us-east-1")
            b = client(urls["b"], "us-west-2")
            yield {"a": a, "b": b, "urls": urls, "pair": pair, "restart_b": restart_b}
        finally:
            nodes.stop()


def make_user(idp, pool, name):
    idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)


@pytest.fixture(scope="module")
def replicated(sites):
    a, b = sites["a"], sites["b"]
    pool = a.create_user_pool(PoolName="standby-site")["UserPool"]["Id"]
    app = a.create_user_pool_client(
        UserPoolId=pool, ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    make_user(a, pool, "ana")
    a.create_user_pool_replica(UserPoolId=pool, RegionName="us-west-2")
    # The replica record reaches B's standby by replication; B opens it to end users.
    eventually("the replica at B", lambda: error_code(
        lambda: b.update_user_pool_replica(UserPoolId=pool, RegionName="us-west-2", Status="ACTIVE")) is None,
        within=WITHIN)
    return {**sites, "pool": pool, "app": app}


def test_the_standby_site_signs_in_the_primarys_users(replicated):
    a, b, pool, app = replicated["a"], replicated["b"], replicated["pool"], replicated["app"]
    eventually("ana at B", lambda: error_code(lambda: sign_in(b, app, "ana")) is None, within=WITHIN)
    tokens = sign_in(b, app, "ana")
    # The sign-in's refresh family was written to the primary: A refreshes it at once.
    refreshed = a.initiate_auth(
        ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )["AuthenticationResult"]
    assert a.get_user(AccessToken=tokens["AccessToken"])["Username"] == "ana"
    assert b.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "ana"
    # A user made at A afterwards signs in at B.
    make_user(a, pool, "ben")
    eventually("ben at B", lambda: error_code(lambda: sign_in(b, app, "ben")) is None, within=WITHIN)


def test_b_lists_from_its_standby_and_reads_records_from_the_primary(replicated):
    a, b, pool = replicated["a"], replicated["b"], replicated["pool"]
    standby = replicated["pair"]["standby"]

    def listed_at_b():
        return {c["ClientName"] for c in b.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]}

    sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        late = a.create_user_pool_client(UserPoolId=pool, ClientName="late")["UserPoolClient"]["ClientId"]
        # A record B reads is fresh (from the primary); its listing waits for the replay.
        assert b.describe_user_pool_client(UserPoolId=pool, ClientId=late)["UserPoolClient"]["ClientName"] == "late"
        time.sleep(1.5)
        assert "late" not in listed_at_b()
    finally:
        sql(standby, "SELECT pg_wal_replay_resume()")
    eventually("the listing at B after the replay", lambda: "late" in listed_at_b(), within=WITHIN)


def test_b_is_primary_for_its_own_regions_pools_with_its_standby_behind(replicated):
    """B is also the home of us-west-2 pools: what it writes there it must read back at once,
    however far behind its standby is (replay paused here)."""
    b, standby = replicated["b"], replicated["pair"]["standby"]
    sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        pool = b.create_user_pool(PoolName="west-home")["UserPool"]["Id"]
        assert pool.startswith("us-west-2_")
        app = b.create_user_pool_client(
            UserPoolId=pool, ClientName="west-app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        # Read-modify-writes on a version read back from the primary, one after the other.
        for days in (3, 4):
            b.update_user_pool(UserPoolId=pool, AdminCreateUserConfig={"UnusedAccountValidityDays": days})
        assert b.describe_user_pool(UserPoolId=pool)["UserPool"]["AdminCreateUserConfig"][
            "UnusedAccountValidityDays"] == 4
        b.create_group(UserPoolId=pool, GroupName="crew")
        b.update_group(UserPoolId=pool, GroupName="crew", Description="the crew")
        assert b.get_group(UserPoolId=pool, GroupName="crew")["Group"]["Description"] == "the crew"
        make_user(b, pool, "wes")
        b.admin_add_user_to_group(UserPoolId=pool, Username="wes", GroupName="crew")
        # The group claim of a sign-in straight after is the primary's.
        assert jwt_part(sign_in(b, app, "wes")["IdToken"], 1)["cognito:groups"] == ["crew"]
        # A listing is the standby's, and may lag.
        groups = b.admin_list_groups_for_user(UserPoolId=pool, Username="wes")["Groups"]
        assert [g["GroupName"] for g in groups] in ([], ["crew"])
    finally:
        sql(standby, "SELECT pg_wal_replay_resume()")


def test_the_secondary_refuses_directory_writes(replicated):
    b, pool, app = replicated["b"], replicated["pool"], replicated["app"]
    assert error_code(lambda: b.sign_up(ClientId=app, Username="cy", Password=PASSWORD)) == "OperationNotEnabledException"
    assert error_code(lambda: b.admin_create_user(UserPoolId=pool, Username="cy")) == "OperationNotEnabledException"
    assert error_code(lambda: b.forgot_password(ClientId=app, Username="ana")) == "OperationNotEnabledException"


def test_a_global_sign_out_at_b_is_obeyed_at_a(replicated):
    a, b, app = replicated["a"], replicated["b"], replicated["app"]
    tokens = sign_in(b, app, "ana")
    b.global_sign_out(AccessToken=tokens["AccessToken"])
    eventually("the sign-out at A", lambda: error_code(lambda: a.get_user(AccessToken=tokens["AccessToken"]))
               == "NotAuthorizedException", within=WITHIN)
    assert error_code(lambda: a.initiate_auth(
        ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )) == "NotAuthorizedException"


def test_failover_promotes_the_standby_and_b_carries_on(replicated, pair):
    a, b, pool, app, urls = (replicated[k] for k in ("a", "b", "pool", "app", "urls"))
    before = sign_in(b, app, "ana")
    # Everything the primary acknowledged is replayed (replication is asynchronous: what is
    # not is lost with the primary, README), then the primary is lost.
    lsn = sql(pair["primary"], "SELECT pg_current_wal_lsn()")
    eventually("the standby's replay", lambda: sql(
        pair["standby"], f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t", within=WITHIN)
    as_postgres([f"{pair['bin']}/pg_ctl", "-D", f"{pair['dir']}/p", "-m", "immediate", "stop"])
    # B cannot sign anyone in: a sign-in writes (its refresh family, the attempt count) and
    # the writes go to the primary. Its readiness says so.
    with pytest.raises(ClientError):
        sign_in(b, app, "ana")
    assert http_get(f"{urls['b']}/health/ready", timeout=10)[0] == 503
    # A node of B starts during the outage (the standby has every migration).
    replicated["restart_b"]()
    assert http_get(f"{urls['b']}/health/ready", timeout=10)[0] == 503
    # The operator promotes the standby; B notices within a second or two, with no restart.
    as_postgres([f"{pair['bin']}/pg_ctl", "-D", f"{pair['dir']}/s", "-w", "promote"])
    took = eventually("B signing in after the promotion", lambda: error_code(lambda: sign_in(b, app, "ana")) is None,
                      within=15)
    print(f"B signed in again {took:.2f} s after pg_ctl promote returned")
    assert http_get(f"{urls['b']}/health/ready", timeout=10)[0] == 200
    # What the primary had written is there: the earlier refresh token still works.
    assert b.initiate_auth(
        ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": before["RefreshToken"]}
    )["AuthenticationResult"]["AccessToken"]
    # Its role stays SECONDARY: it still refuses to create users.
    assert error_code(lambda: b.sign_up(ClientId=app, Username="dee", Password=PASSWORD)) == "OperationNotEnabledException"
    roles = {r["RegionName"]: r["Role"] for r in b.list_user_pool_replicas(UserPoolId=pool)["UserPoolReplicas"]}
    assert roles == {"us-east-1": "PRIMARY", "us-west-2": "SECONDARY"}
    # A, on the lost primary, cannot answer.
    with pytest.raises(ClientError):
        a.describe_user_pool(UserPoolId=pool)
