//! Layered configuration: built-in defaults, then a TOML file (`--config`), then
//! `TESSERA_*` environment variables, then command-line flags (clap merges the last two).
//! Secrets may also come from files (`TESSERA_ADMIN_SECRET_ACCESS_KEY_FILE`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9229";
pub const DEFAULT_DATA_DIR: &str = "./tessera-data";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

/// `tessera serve` flags; each also reads a `TESSERA_*` variable.
#[derive(Debug, Default, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "TESSERA_LISTEN")]
    pub listen: Option<String>,
    /// Folder for the embedded database, generated credentials and the outbox.
    #[arg(long, env = "TESSERA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://FILE` or `postgres://...`; default: SQLite in the data folder.
    #[arg(long, env = "TESSERA_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// PostgreSQL schema to use (created if missing).
    #[arg(long, env = "TESSERA_POSTGRES_SCHEMA")]
    pub postgres_schema: Option<String>,
    /// TOML configuration file.
    #[arg(long, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Region for calls that carry none (default us-east-1).
    #[arg(long, env = "TESSERA_REGION")]
    pub region: Option<String>,
    /// Account id used in ARNs (default 000000000000).
    #[arg(long, env = "TESSERA_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Admin access key id for SigV4-signed calls.
    #[arg(long, env = "TESSERA_ADMIN_ACCESS_KEY_ID")]
    pub admin_access_key_id: Option<String>,
    /// Admin secret access key (prefer the _FILE variant or the environment).
    #[arg(long, env = "TESSERA_ADMIN_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub admin_secret_access_key: Option<String>,
    /// File holding the admin secret access key.
    #[arg(long, env = "TESSERA_ADMIN_SECRET_ACCESS_KEY_FILE")]
    pub admin_secret_access_key_file: Option<PathBuf>,
    /// Comma-separated origins allowed by CORS (default: any origin).
    #[arg(long, env = "TESSERA_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Option<Vec<String>>,
    /// Adds POST /moto-api/reset, which wipes all state. Never use in production.
    #[arg(long, env = "TESSERA_TEST_MODE")]
    pub test_mode: bool,
    /// Log format: text or json.
    #[arg(long, env = "TESSERA_LOG_FORMAT")]
    pub log_format: Option<String>,
}

/// The TOML file's shape (every key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub postgres_schema: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub test_mode: Option<bool>,
    pub cors_allowed_origins: Option<Vec<String>>,
    pub log_format: Option<String>,
    #[serde(default)]
    pub admin: AdminFileConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminFileConfig {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub secret_access_key_file: Option<PathBuf>,
}

/// Fully resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub postgres_schema: Option<String>,
    pub region: String,
    pub account_id: String,
    /// Configured admin credentials (`None`: use or generate the ones in the data folder).
    pub admin: Option<(String, tessera_core::secret::Secret<String>)>,
    pub cors_allowed_origins: Vec<String>,
    pub test_mode: bool,
    pub log_format: String,
}

fn read_secret_file(path: &Path) -> anyhow::Result<String> {
    let s = std::fs::read_to_string(path)
        .with_context(|| format!("reading secret file {}", path.display()))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

impl Settings {
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Settings> {
        let file: FileConfig = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = args
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = args
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tessera.db").display()));

        let key_id = args.admin_access_key_id.or(file.admin.access_key_id);
        let secret = match (
            args.admin_secret_access_key,
            args.admin_secret_access_key_file,
        ) {
            (Some(s), _) => Some(s),
            (None, Some(p)) => Some(read_secret_file(&p)?),
            (None, None) => match (
                file.admin.secret_access_key,
                file.admin.secret_access_key_file,
            ) {
                (Some(s), _) => Some(s),
                (None, Some(p)) => Some(read_secret_file(&p)?),
                (None, None) => None,
            },
        };
        let admin = match (key_id, secret) {
            (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => {
                Some((k, tessera_core::secret::Secret::new(s)))
            }
            (None, None) => None,
            _ => anyhow::bail!(
                "admin credentials need both an access key id and a secret access key \
                 (TESSERA_ADMIN_ACCESS_KEY_ID and TESSERA_ADMIN_SECRET_ACCESS_KEY)"
            ),
        };
        let account_id = args
            .account_id
            .or(file.account_id)
            .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.into());
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            anyhow::bail!("the account id must be 12 digits");
        }
        let log_format = args
            .log_format
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            anyhow::bail!("log format must be text or json");
        }
        Ok(Settings {
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir,
            database_url,
            postgres_schema: args.postgres_schema.or(file.postgres_schema),
            region: args
                .region
                .or(file.region)
                .unwrap_or_else(|| DEFAULT_REGION.into()),
            account_id,
            admin,
            cors_allowed_origins: args
                .cors_allowed_origins
                .or(file.cors_allowed_origins)
                .unwrap_or_default(),
            test_mode: args.test_mode || file.test_mode.unwrap_or(false),
            log_format,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults() {
        let s = Settings::resolve(ServeArgs::default()).unwrap();
        assert_eq!(s.listen, DEFAULT_LISTEN);
        assert_eq!(s.database_url, "sqlite://./tessera-data/tessera.db");
        assert!(s.admin.is_none());
        assert!(!s.test_mode);
    }

    #[test]
    fn file_then_flags() {
        let dir = std::env::temp_dir().join(format!("tessera-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:1\"\nregion = \"eu-west-1\"\n[admin]\naccess_key_id = \"AK\"\nsecret_access_key = \"SK\"\n",
        )
        .unwrap();
        let s = Settings::resolve(ServeArgs {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:5".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:5");
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.admin.as_ref().map(|a| a.0.as_str()), Some("AK"));
        std::fs::write(&path, "bogus = 1\n").unwrap();
        assert!(
            Settings::resolve(ServeArgs {
                config: Some(path),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn half_credentials_are_refused() {
        let r = Settings::resolve(ServeArgs {
            admin_access_key_id: Some("AK".into()),
            ..Default::default()
        });
        assert!(r.is_err());
    }
}
