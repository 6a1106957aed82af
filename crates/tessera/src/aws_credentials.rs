//! AWS credentials for Tessera's own calls to AWS (live migration's source pool), found
//! the way the AWS SDKs and CLI find them, in order: the `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` variables; then the profile (`AWS_PROFILE`,
//! or `default`) in the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, or
//! `~/.aws/credentials`) and the config file (`AWS_CONFIG_FILE`, or `~/.aws/config`, whose
//! sections are `[profile x]`), with static keys or a `credential_process` (its JSON
//! "Version 1" answer, reused until five minutes before it expires).
//!
//! Not here (ADR 0022): web identity, container and instance-metadata credentials, and SSO
//! profiles — `aws configure export-credentials` or a `credential_process` covers those.
//! The variables are a snapshot taken at start ([`AwsEnv`]), so tests give their own.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, anyhow, bail};
use tessera_core::secret::Secret;

/// The `AWS_*` variables and `HOME` of the process, captured once. `Debug` shows the names
/// only (the values hold secrets).
#[derive(Clone, Default)]
pub struct AwsEnv(pub BTreeMap<String, String>);

impl std::fmt::Debug for AwsEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl AwsEnv {
    /// The environment's AWS variables (and `HOME`).
    pub fn capture() -> AwsEnv {
        AwsEnv(
            std::env::vars()
                .filter(|(k, _)| k.starts_with("AWS_") || k == "HOME")
                .collect(),
        )
    }
}

/// A key pair (with the session token of temporary credentials).
#[derive(Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret<String>,
    pub session_token: Option<Secret<String>>,
    /// Unix seconds, for temporary credentials.
    pub expires: Option<i64>,
}

/// Finds credentials for a profile (or the default chain) and remembers temporary ones.
pub struct CredentialChain {
    env: AwsEnv,
    cached: Mutex<HashMap<Option<String>, AwsCredentials>>,
}

/// Refresh temporary credentials this long before they expire.
const REFRESH_BEFORE_SECS: i64 = 300;

impl CredentialChain {
    pub fn new(env: AwsEnv) -> Self {
        CredentialChain {
            env,
            cached: Mutex::new(HashMap::new()),
        }
    }

    pub fn env(&self, name: &str) -> Option<&str> {
        self.env
            .0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Credentials for `profile` (`None`: the environment's keys, then `AWS_PROFILE` or
    /// `default`). `now` is the time in Unix seconds.
    pub async fn resolve(&self, profile: Option<&str>, now: i64) -> anyhow::Result<AwsCredentials> {
        let key = profile.map(str::to_owned);
        if let Some(c) = self.lock().get(&key)
            && c.expires.is_none_or(|e| e - REFRESH_BEFORE_SECS > now)
        {
            return Ok(c.clone());
        }
        let found = self.find(profile).await?;
        self.lock().insert(key, found.clone());
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Option<String>, AwsCredentials>> {
        self.cached.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn find(&self, profile: Option<&str>) -> anyhow::Result<AwsCredentials> {
        if profile.is_none()
            && let (Some(id), Some(secret)) = (
                self.env("AWS_ACCESS_KEY_ID"),
                self.env("AWS_SECRET_ACCESS_KEY"),
            )
        {
            return Ok(AwsCredentials {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::new(secret.to_owned()),
                session_token: self
                    .env("AWS_SESSION_TOKEN")
                    .map(|t| Secret::new(t.to_owned())),
                expires: None,
            });
        }
        let name = profile
            .or(self.env("AWS_PROFILE"))
            .unwrap_or("default")
            .to_owned();
        let mut merged: BTreeMap<String, String> = BTreeMap::new();
        if let Some(text) = read(self.file("AWS_CONFIG_FILE", "config")) {
            let section = if name == "default" {
                "default".to_owned()
            } else {
                format!("profile {name}")
            };
            merged.extend(ini_section(&text, &section));
        }
        // The credentials file wins over the config file, as in the SDKs.
        if let Some(text) = read(self.file("AWS_SHARED_CREDENTIALS_FILE", "credentials")) {
            merged.extend(ini_section(&text, &name));
        }
        if let (Some(id), Some(secret)) = (
            merged.get("aws_access_key_id"),
            merged.get("aws_secret_access_key"),
        ) {
            return Ok(AwsCredentials {
                access_key_id: id.clone(),
                secret_access_key: Secret::new(secret.clone()),
                session_token: merged
                    .get("aws_session_token")
                    .map(|t| Secret::new(t.clone())),
                expires: None,
            });
        }
        if let Some(command) = merged.get("credential_process") {
            return credential_process(command).await;
        }
        bail!("no AWS credentials: none in the environment, and profile {name:?} has none")
    }

    fn file(&self, var: &str, name: &str) -> Option<PathBuf> {
        match self.env(var) {
            Some(p) => Some(PathBuf::from(p)),
            None => self
                .env("HOME")
                .map(|h| PathBuf::from(h).join(".aws").join(name)),
        }
    }
}

fn read(path: Option<PathBuf>) -> Option<String> {
    path.and_then(|p| std::fs::read_to_string(p).ok())
}

/// The `key = value` lines of `[section]` (keys lowercased; comments and blank lines left out).
fn ini_section(text: &str, section: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.split_whitespace().collect::<Vec<_>>().join(" ") == section;
            continue;
        }
        if inside && let Some((k, v)) = line.split_once('=') {
            out.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

/// Runs a `credential_process` command and reads its JSON answer.
async fn credential_process(command: &str) -> anyhow::Result<AwsCredentials> {
    let run = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), run)
        .await
        .map_err(|_| anyhow!("credential_process did not answer within 30 s"))?
        .context("running credential_process")?;
    if !out.status.success() {
        bail!("credential_process exited with {}", out.status);
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("credential_process's answer is not JSON")?;
    if v["Version"] != 1 {
        bail!("credential_process's answer is not Version 1");
    }
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    let (Some(id), Some(secret)) = (text("AccessKeyId"), text("SecretAccessKey")) else {
        return Err(anyhow!(
            "credential_process gave no AccessKeyId and SecretAccessKey"
        ));
    };
    let expires = match text("Expiration") {
        Some(t) => Some(
            rfc3339_secs(&t)
                .ok_or_else(|| anyhow!("credential_process's Expiration is not a date"))?,
        ),
        None => None,
    };
    Ok(AwsCredentials {
        access_key_id: id,
        secret_access_key: Secret::new(secret),
        session_token: text("SessionToken").map(Secret::new),
        expires,
    })
}

/// An RFC 3339 date as Unix seconds.
fn rfc3339_secs(t: &str) -> Option<i64> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> AwsEnv {
        AwsEnv(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        )
    }

    #[tokio::test]
    async fn the_environment_comes_before_the_profile_files() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = FILE\naws_secret_access_key = s\n",
        )
        .unwrap();
        let file = creds.to_str().unwrap();
        let chain = CredentialChain::new(env(&[
            ("AWS_ACCESS_KEY_ID", "ENV"),
            ("AWS_SECRET_ACCESS_KEY", "e"),
            ("AWS_SHARED_CREDENTIALS_FILE", file),
        ]));
        assert_eq!(chain.resolve(None, 0).await.unwrap().access_key_id, "ENV");
        // A named profile is that profile's, whatever the environment holds.
        let chain = CredentialChain::new(env(&[("AWS_SHARED_CREDENTIALS_FILE", file)]));
        let c = chain.resolve(None, 0).await.unwrap();
        assert_eq!(
            (
                c.access_key_id.as_str(),
                c.secret_access_key.expose().as_str()
            ),
            ("FILE", "s")
        );
    }

    #[tokio::test]
    async fn config_profiles_credential_process_and_missing_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "[profile static]\naws_access_key_id=CFG\naws_secret_access_key=c\naws_session_token=t\n\n\
             [profile proc]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"PROC\", \
             \"SecretAccessKey\": \"p\", \"SessionToken\": \"tok\", \"Expiration\": \"2030-01-01T00:00:00Z\"}'\n",
        )
        .unwrap();
        let chain = CredentialChain::new(env(&[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("HOME", dir.path().to_str().unwrap()),
        ]));
        let c = chain.resolve(Some("static"), 0).await.unwrap();
        assert_eq!(c.access_key_id, "CFG");
        assert_eq!(c.session_token.unwrap().expose(), "t");
        let c = chain.resolve(Some("proc"), 0).await.unwrap();
        assert_eq!(c.access_key_id, "PROC");
        assert_eq!(c.expires, Some(1_893_456_000));
        assert_eq!(
            rfc3339_secs("2030-01-01T01:00:00.5+01:00"),
            Some(1_893_456_000)
        );
        assert_eq!(rfc3339_secs("2030-02-30T00:00:00Z"), None);
        let err = chain.resolve(None, 0).await.err().unwrap().to_string();
        assert!(err.contains("no AWS credentials"), "{err}");
    }
}
