//! Benchmark (issue 17): the identity pools' hot calls — GetId for a known signed-in user,
//! GetOpenIdToken and GetCredentialsForIdentity — against a release `tessera serve` child
//! process, next to the raw RS256 signature rate measured in this process just before each
//! phase.
//!
//!     cargo build --release --bin tessera --example bench_identity
//!     target/release/examples/bench_identity [--concurrency 16] [--seconds 5] [--users 200]
//!
//! (or BENCH_CONCURRENCY / BENCH_SECONDS / BENCH_USERS; TESSERA_BIN names the server binary,
//! by default `tessera` next to this example's folder). The machinery is bench_auth's
//! (`common`): the server on a fresh SQLite data folder, pinned to CPU 1 (one tokio worker),
//! this generator on CPU 0, ready-made HTTP/1.1 requests on keep-alive connections whose
//! answers are checked for a key field, the server's CPU per request from /proc/<pid>/stat.
//!
//! Setup (AWS SDK for Rust): a user pool, an app client and N users, each signed in once
//! (USER_PASSWORD_AUTH) for an ID token; an identity pool naming the user pool client as its
//! provider, with an authenticated role; then one GetId per user (which creates the identity
//! and links the login). The server's `sts_endpoint` is a stand-in STS in this process (on the
//! generator's CPU): `AssumeRoleWithWebIdentity` answered with fixed credentials, the XML of
//! the integration tests' stand-in.
//!
//! Closed-loop phases (C tasks back to back for D seconds after a one-second warm-up), every
//! request with the user's ID token in `Logins` (the Amplify flow):
//! - GetId for a known user: one RS256 verification and the store's reads;
//! - GetOpenIdToken for the user's identity: the same plus one RS256 signature;
//! - GetCredentialsForIdentity: the same plus the STS round trip.
//!
//! RS256 signatures/s is measured on the server's CPU (idle) just before each phase. Prints
//! a markdown table with the targets and one JSON line (`json: {...}`).
//! BENCH_ONLY=<get_id|open_id_token|credentials> runs that phase alone, for profiling the
//! server (`perf record -p <pid>`); BENCH_HOLD=<seconds> then keeps the load that long.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "../common/mod.rs"]
mod common;

use common::cognito::{PASSWORD, admin, create_client, create_users, password_sign_in};
use common::server::Server;
use common::*;

const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/bench-authenticated";

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

#[derive(Clone, Copy, PartialEq)]
enum Load {
    GetId,
    OpenIdToken,
    Credentials,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::GetId => "GetId (known user)",
            Load::OpenIdToken => "GetOpenIdToken",
            Load::Credentials => "GetCredentialsForIdentity",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Load::GetId => "get_id",
            Load::OpenIdToken => "open_id_token",
            Load::Credentials => "credentials",
        }
    }
    /// What a successful answer contains.
    fn answer_key(self) -> &'static str {
        match self {
            Load::GetId => "\"IdentityId\"",
            Load::OpenIdToken => "\"Token\"",
            Load::Credentials => "\"SessionToken\"",
        }
    }
}

struct Job {
    addr: String,
    load: Load,
    /// One ready-made request per user.
    reqs: Vec<Vec<u8>>,
}

impl Target for Job {
    fn key(&self) -> String {
        self.load.key().to_string()
    }

    fn one(
        &self,
        conn: &mut Option<RawConn>,
        i: usize,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send {
        raw_call(
            &self.addr,
            conn,
            &self.reqs[i % self.reqs.len()],
            self.load.answer_key(),
        )
    }
}

/// Sends a ready-made request on the task's connection and checks that a 200 answer
/// contains `key` (not parsed; bench_auth's `raw_call`).
async fn raw_call(
    addr: &str,
    conn: &mut Option<RawConn>,
    req: &[u8],
    key: &str,
) -> Result<(), String> {
    if conn.is_none() {
        *conn = Some(RawConn::connect(addr).await?);
    }
    let c = conn.as_mut().ok_or("no connection")?;
    let (status, body) = match c.send(req).await {
        Ok(r) => r,
        Err(e) => {
            *conn = None;
            return Err(e);
        }
    };
    if status == 200 && body.windows(key.len()).any(|w| w == key.as_bytes()) {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    Err(format!(
        "{status} {}: {}",
        v["__type"].as_str().unwrap_or("?"),
        v["message"].as_str().unwrap_or("")
    ))
}

/// The stand-in STS: every POST is answered with the same credentials (the integration
/// tests' XML), without reading the form; returns its URL.
async fn stand_in_sts() -> String {
    const ANSWER: &str = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>\
        <Credentials><AccessKeyId>ASIATESTKEY</AccessKeyId><SecretAccessKey>secret/key</SecretAccessKey>\
        <SessionToken>session-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>\
        </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    use axum::serve::ListenerExt;
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(|| async { ([("content-type", "text/xml")], ANSWER) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// An unsigned call of the identity service (setup only).
async fn identity_call(
    http: &reqwest::Client,
    url: &str,
    op: &str,
    body: &Value,
) -> Result<Value, String> {
    let r = http
        .post(url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("AWSCognitoIdentityService.{op}"))
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let ok = r.status().is_success();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if ok { Ok(v) } else { Err(format!("{op}: {v}")) }
}

// One worker thread: pinned to one CPU, a second worker would only preempt the first.
#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let c = arg("--concurrency", "BENCH_CONCURRENCY", 16.0) as usize;
    let d = Duration::from_secs_f64(arg("--seconds", "BENCH_SECONDS", 5.0));
    let n_users = arg("--users", "BENCH_USERS", 200.0) as usize;
    let only = std::env::var("BENCH_ONLY").ok();
    let began = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores");
    println!(
        "load: C={c}, D={:.0} s (+1 s warm-up), {n_users} users",
        d.as_secs_f64()
    );

    if pinned() {
        pin_self(SERVER_CPU);
    }
    let rs_start = tokio::task::block_in_place(rs256_per_sec);
    println!("crypto: RS256 {rs_start:.0} signatures/s on the server's CPU (idle)");
    if pinned() {
        pin_self(GENERATOR_CPU);
        println!(
            "pinned: server on CPU {SERVER_CPU} (one tokio worker), load generator and stand-in STS on CPU {GENERATOR_CPU}"
        );
    }

    // Setup.
    let sts = stand_in_sts().await;
    let srv = Server::start(&[("TESSERA_STS_ENDPOINT", &sts)]).await;
    println!("server: {} (pid {}), STS {sts}", srv.url, srv.pid);
    let idp = admin(&srv.url);
    let pool = idp
        .create_user_pool()
        .pool_name("bench")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = create_client(&idp, &pool, "bench", false).await;
    create_users(&idp, &pool, n_users).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .unwrap();
    let login_key = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let ci = {
        let conf = aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentity::config::Region::new("us-east-1"))
            .endpoint_url(&srv.url)
            .credentials_provider(aws_credential_types::Credentials::new(
                common::cognito::AKID,
                common::cognito::SECRET,
                None,
                None,
                "bench",
            ))
            .build();
        aws_sdk_cognitoidentity::Client::from_conf(conf)
    };
    let ipool = ci
        .create_identity_pool()
        .identity_pool_name("bench")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder()
                .provider_name(&login_key)
                .client_id(&client)
                .server_side_token_check(false)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_string();
    ci.set_identity_pool_roles()
        .identity_pool_id(&ipool)
        .roles("authenticated", AUTH_ROLE)
        .send()
        .await
        .unwrap();
    // One ID token and one identity per user, `c` at a time.
    let mut set = tokio::task::JoinSet::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(c));
    for i in 0..n_users {
        let (http, url, client, ipool, login_key, sem) = (
            http.clone(),
            srv.url.clone(),
            client.clone(),
            ipool.clone(),
            login_key.clone(),
            sem.clone(),
        );
        set.spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            let user = format!("user{i:04}");
            let v = password_sign_in(&http, &url, &client, &user, PASSWORD)
                .await
                .unwrap();
            let id_token = v["AuthenticationResult"]["IdToken"]
                .as_str()
                .unwrap()
                .to_string();
            let logins = json!({ login_key: id_token });
            let got = identity_call(
                &http,
                &url,
                "GetId",
                &json!({ "IdentityPoolId": ipool, "Logins": logins }),
            )
            .await
            .unwrap();
            let identity = got["IdentityId"].as_str().unwrap().to_string();
            (i, identity, logins)
        });
    }
    let mut users = Vec::new();
    while let Some(r) = set.join_next().await {
        users.push(r.unwrap());
    }
    users.sort_by_key(|(i, _, _)| *i);
    // The checks the phases skip, once: a second GetId names the same identity, the
    // credentials are the STS's.
    let (_, first_id, first_logins) = &users[0];
    let again = identity_call(
        &http,
        &srv.url,
        "GetId",
        &json!({ "IdentityPoolId": ipool, "Logins": first_logins }),
    )
    .await
    .unwrap();
    assert_eq!(again["IdentityId"].as_str(), Some(first_id.as_str()));
    let creds = identity_call(
        &http,
        &srv.url,
        "GetCredentialsForIdentity",
        &json!({ "IdentityId": first_id, "Logins": first_logins }),
    )
    .await
    .unwrap();
    assert_eq!(creds["Credentials"]["AccessKeyId"], "ASIATESTKEY");

    let addr = srv.url.trim_start_matches("http://").to_string();
    let req = |op: &str, body: Value| {
        raw_request_to(
            &addr,
            "POST",
            "/",
            Some(&format!("AWSCognitoIdentityService.{op}")),
            &body.to_string(),
        )
    };
    let job = |load: Load| {
        let reqs = users
            .iter()
            .map(|(_, id, logins)| match load {
                Load::GetId => req(
                    "GetId",
                    json!({ "IdentityPoolId": ipool, "Logins": logins }),
                ),
                Load::OpenIdToken => req(
                    "GetOpenIdToken",
                    json!({ "IdentityId": id, "Logins": logins }),
                ),
                Load::Credentials => req(
                    "GetCredentialsForIdentity",
                    json!({ "IdentityId": id, "Logins": logins }),
                ),
            })
            .collect();
        Arc::new(Job {
            addr: addr.clone(),
            load,
            reqs,
        })
    };
    println!(
        "setup: 1 user pool, 1 identity pool, {n_users} users signed in with an identity each, in {:.1} s; server VmHWM {:.0} MB",
        began.elapsed().as_secs_f64(),
        srv.status_mb("VmHWM")
    );

    // Closed-loop phases, each after RS256 measured on the server's (idle) CPU.
    let loads = [Load::GetId, Load::OpenIdToken, Load::Credentials];
    let mut peak = std::collections::BTreeMap::new();
    let mut rs256 = std::collections::BTreeMap::new();
    for load in loads {
        if only.as_deref().is_some_and(|o| o != load.key()) {
            continue;
        }
        if pinned() {
            pin_self(SERVER_CPU);
        }
        let now = tokio::task::block_in_place(rs256_per_sec);
        if pinned() {
            pin_self(GENERATOR_CPU);
        }
        println!("raw, just before: RS256 {now:.0}/s");
        let dd = if only.is_some() {
            Duration::from_secs_f64(arg("--hold", "BENCH_HOLD", d.as_secs_f64()))
        } else {
            d
        };
        let p = closed(&job(load), srv.pid, c, dd).await;
        println!(
            "closed {:<28} {:>6} req {:>8.0}/s  cpu {:>7.1} µs/req ({:.3} RS256)  {:>8.0}/s/core  p50 {:.2} ms  \
             p99 {:.2} ms  server {:.2} cores, bench {:.2} cores  errors {}{}",
            load.name(),
            p.requests,
            p.per_sec,
            p.cpu_us,
            p.cpu_us * now / 1e6,
            p.per_core(),
            p.p50_ms,
            p.p99_ms,
            p.server_cores,
            p.bench_cores,
            p.errors,
            p.first_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        peak.insert(load.key(), p);
        rs256.insert(load.key(), now);
    }
    let hwm = srv.status_mb("VmHWM");
    srv.stop().await;
    if only.is_some() {
        return;
    }

    let (gi, ot, cr) = (
        &peak["get_id"],
        &peak["open_id_token"],
        &peak["credentials"],
    );
    let (rs_ot, rs_cr) = (rs256["open_id_token"], rs256["credentials"]);
    // Server CPU per request in RS256 signatures (measured just before the phase).
    let sig = |p: &Phase, rs: f64| p.cpu_us * rs / 1e6;
    println!();
    println!("| measure | result | target | |");
    println!("|---|---|---|---|");
    println!(
        "| GetId per core, known user | {:.0}/s ({:.1} µs CPU each) | ≥ 10,000/s | {} |",
        gi.per_core(),
        gi.cpu_us,
        pass(gi.per_core() >= 10_000.0)
    );
    println!(
        "| GetOpenIdToken per core | {:.0}/s ({:.1} µs each) = {:.2} × RS256 ({rs_ot:.0}/s) | ≥ 0.75 × RS256 = {:.0}/s | {} |",
        ot.per_core(),
        ot.cpu_us,
        ot.per_core() / rs_ot,
        0.75 * rs_ot,
        pass(ot.per_core() >= 0.75 * rs_ot)
    );
    println!(
        "| GetCredentialsForIdentity per core | {:.0}/s ({:.1} µs each) = {:.2} RS256 signatures (RS256 {rs_cr:.0}/s); GetOpenIdToken {:.2} | one STS round trip, ≤ 1 signature | |",
        cr.per_core(),
        cr.cpu_us,
        sig(cr, rs_cr),
        sig(ot, rs_ot),
    );
    println!(
        "| GetCredentialsForIdentity − GetOpenIdToken, server CPU | {:.1} µs = {:.2} RS256 signatures | | |",
        cr.cpu_us - ot.cpu_us,
        sig(cr, rs_cr) - sig(ot, rs_ot)
    );
    println!();
    println!(
        "| phase (closed loop, C={c}) | requests/s | server CPU/request | in RS256 signatures | per core | p50 | p99 | server cores | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for load in loads {
        let p = &peak[load.key()];
        println!(
            "| {} | {:.0} | {:.1} µs | {:.3} | {:.0}/s | {:.2} ms | {:.2} ms | {:.2} | {} |",
            load.name(),
            p.per_sec,
            p.cpu_us,
            sig(p, rs256[load.key()]),
            p.per_core(),
            p.p50_ms,
            p.p99_ms,
            p.server_cores,
            p.errors
        );
    }
    println!();
    println!("total {:.0} s", began.elapsed().as_secs_f64());
    let phase = |p: &Phase, rs: f64| {
        json!({
            "per_sec": p.per_sec, "cpu_us": p.cpu_us, "per_core": p.per_core(),
            "rs256_per_sec": rs, "in_rs256": sig(p, rs),
            "p50_ms": p.p50_ms, "p99_ms": p.p99_ms, "server_cores": p.server_cores,
            "bench_cores": p.bench_cores, "errors": p.errors,
        })
    };
    let summary = json!({
        "rs256_start": rs_start,
        "hwm_mb": hwm,
        "closed": loads.iter().map(|l| (l.key().to_string(), phase(&peak[l.key()], rs256[l.key()]))).collect::<serde_json::Map<_, _>>(),
    });
    println!("json: {summary}");
}
