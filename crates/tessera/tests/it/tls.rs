//! HTTPS (issue 20, item 1): `tessera dev-cert` makes a CA and a localhost certificate, the
//! real binary serves them, the AWS SDK (trusting only the dev CA) creates a pool and a
//! client fetches the pool's JWKS; a second `dev-cert` into the same folder is served
//! without a restart. `tessera gate` serves https the same way.

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};

use crate::harness::{AKID, SECRET, Spawn, spawn_binary};

fn dev_cert(dir: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["dev-cert", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The certificate the server presents (DER), read through a client that trusts the CA.
async fn served_cert(addr: &str, ca_pem: &[u8]) -> Vec<u8> {
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem).unwrap())
        .tls_info(true)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let r = client
        .get(format!("https://{addr}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .unwrap()
        .to_vec()
}

/// The localhost certificate lasts under 398 days (browsers refuse longer ones), the CA ten
/// years; both start a day back (clock skew).
#[test]
fn dev_cert_validity_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    dev_cert(dir.path());
    let valid_for = |file: &str, secs: i64| {
        std::process::Command::new("openssl")
            .args(["x509", "-noout", "-checkend"])
            .arg(secs.to_string())
            .arg("-in")
            .arg(dir.path().join(file))
            .status()
            .unwrap()
            .success()
    };
    assert!(valid_for("dev-cert.pem", 396 * 86_400));
    assert!(!valid_for("dev-cert.pem", 398 * 86_400));
    assert!(valid_for("dev-ca.pem", 3_000 * 86_400));
    assert!(!valid_for("dev-ca.pem", 3_651 * 86_400));
}

#[tokio::test]
async fn https_with_a_dev_cert_and_reload_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let printed = dev_cert(dir.path());
    assert!(printed.contains("NODE_EXTRA_CA_CERTS="), "{printed}");
    assert!(printed.contains("AWS_CA_BUNDLE="), "{printed}");
    #[cfg(unix)]
    for key in ["dev-ca.key", "dev-cert.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
    let ca_pem = std::fs::read(dir.path().join("dev-ca.pem")).unwrap();
    let bin = spawn_binary(Spawn {
        args: vec![
            "--data-dir".into(),
            dir.path().into(),
            "--tls-cert-file".into(),
            dir.path().join("dev-cert.pem").into(),
            "--tls-key-file".into(),
            dir.path().join("dev-cert.key").into(),
        ],
        ..Spawn::default()
    });
    assert!(bin.url.starts_with("https://127.0.0.1:"), "{}", bin.url);
    let port = bin.url.rsplit(':').next().unwrap().to_string();
    // The certificate names localhost, 127.0.0.1 and ::1; go by name, as a developer would.
    let url = format!("https://localhost:{port}");
    let addr = format!("localhost:{port}");

    // The AWS SDK for Rust, trusting the dev CA only.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(
            aws_smithy_http_client::tls::TlsContext::builder()
                .with_trust_store(
                    aws_smithy_http_client::tls::TrustStore::empty()
                        .with_native_roots(false)
                        .with_pem_certificate(ca_pem.clone()),
                )
                .build()
                .unwrap(),
        )
        .build_https();
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&url)
        .http_client(http)
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "tls-test"))
        .build();
    let idp = aws_sdk_cognitoidentityprovider::Client::from_conf(conf);
    let pool = idp
        .create_user_pool()
        .pool_name("over-https")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();

    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
        .build()
        .unwrap();
    let jwks: serde_json::Value = client
        .get(format!("{url}/{pool}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    // The issuer defaults to https.
    let oidc: serde_json::Value = client
        .get(format!("{url}/{pool}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        oidc["issuer"].as_str().unwrap().starts_with("https://"),
        "{oidc}"
    );

    // A plain-http request on the TLS port gets no answer.
    assert!(
        reqwest::get(format!("http://{addr}/health/live"))
            .await
            .is_err()
    );

    // Renew: same CA (reused), new certificate; the server picks it up without a restart.
    let before = served_cert(&addr, &ca_pem).await;
    let printed = dev_cert(dir.path());
    assert!(printed.contains("Reused the development CA"), "{printed}");
    assert_eq!(
        std::fs::read(dir.path().join("dev-ca.pem")).unwrap(),
        ca_pem
    );
    let mut after = served_cert(&addr, &ca_pem).await;
    for _ in 0..100 {
        if after != before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = served_cert(&addr, &ca_pem).await;
    }
    assert_ne!(after, before, "the renewed certificate was not served");
    // The SDK client still works (new connections, new certificate, same CA).
    idp.list_user_pools().max_results(10).send().await.unwrap();
    drop(bin);
}

/// Kills the child process when the test ends early.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `tessera gate --tls-cert-file --tls-key-file` (issue 20, item 1: TLS for the gateway too):
/// the real binary, in front of a backend, with tokens from a Tessera; a client that trusts
/// only the dev CA gets 200 with a token and 401 without; SIGTERM stops it cleanly.
#[tokio::test]
async fn the_gate_serves_https_with_a_dev_cert() {
    use std::io::BufRead;

    use crate::auth::{PASSWORD, login, setup, user};
    use crate::harness::{Backend, TestServer};

    // Half a pair is refused, in the file as on the command line.
    let half =
        "listen = \"127.0.0.1:0\"\ntls_cert_file = \"c.pem\"\n[issuer]\nissuer = \"http://x/p\"\n";
    let err = tessera::gate::GateConfig::parse(half).unwrap_err();
    assert!(
        format!("{err:#}").contains("both a certificate and a key"),
        "{err:#}"
    );

    let dir = tempfile::tempdir().unwrap();
    dev_cert(dir.path());
    let ca_pem = std::fs::read(dir.path().join("dev-ca.pem")).unwrap();
    let srv = TestServer::start(Backend::Sqlite).await.unwrap();
    let (pool, client) = setup(&srv).await;
    user(&srv, &pool, "tia").await;
    let access = login(&srv, &client, "tia", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    let backend = crate::gate::echo_backend().await;
    let gate_toml = dir.path().join("gate.toml");
    std::fs::write(
        &gate_toml,
        format!(
            r#"
listen = "127.0.0.1:0"
[issuer]
issuer = "{url}/{pool}"
audiences = ["{client}"]
[[route]]
path = "/public/*"
backend = "{backend}"
auth = "public"
[[route]]
path = "/orders/*"
backend = "{backend}"
"#,
            url = srv.url
        ),
    )
    .unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.arg("gate")
        .arg("--config")
        .arg(&gate_toml)
        .arg("--tls-cert-file")
        .arg(dir.path().join("dev-cert.pem"))
        .arg("--tls-key-file")
        .arg(dir.path().join("dev-cert.key"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TESSERA_") {
            cmd.env_remove(key);
        }
    }
    let mut child = Reap(cmd.spawn().unwrap());
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let listening = banner
        .strip_prefix("Tessera gate is listening on ")
        .unwrap_or_else(|| panic!("{banner}"));
    assert!(listening.starts_with("https://127.0.0.1:"), "{banner}");
    let port = listening.rsplit(':').next().unwrap();
    let base = format!("https://localhost:{port}");

    let https = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
        .build()
        .unwrap();
    let r = https
        .get(format!("{base}/orders/7"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let echoed: serde_json::Value = r.json().await.unwrap();
    assert_eq!(echoed["uri"], "/orders/7");
    assert!(echoed["headers"]["x-auth-sub"].is_string(), "{echoed}");
    let r = https.get(format!("{base}/orders/7")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = https.get(format!("{base}/public/x")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Plain http on the TLS port gets no answer.
    assert!(
        reqwest::get(format!("http://localhost:{port}/public/x"))
            .await
            .is_err()
    );

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    srv.stop().await;
}
