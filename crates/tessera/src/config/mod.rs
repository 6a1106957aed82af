//! Layered configuration: built-in defaults, then a TOML file (`--config`), then
//! `TESSERA_*` environment variables, then command-line flags (clap merges the last two).
//! Secrets may also come from files (`TESSERA_ADMIN_SECRET_ACCESS_KEY_FILE`,
//! `TESSERA_SMTP_PASSWORD_FILE`, `TESSERA_SMS_WEBHOOK_SECRET_FILE`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Deserializer};
use tessera_core::secret::Secret;
use tessera_delivery::{
    DeliveryConfig, EmailDelivery, SmsDelivery, SmsWebhookConfig, SmtpConfig, SmtpTls,
};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9229";
pub const DEFAULT_DATA_DIR: &str = "./tessera-data";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";
pub const DEFAULT_SHUTDOWN_GRACE_SECONDS: u64 = 10;

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
    /// The primary PostgreSQL, when --database-url is a read-only standby of it (a secondary
    /// site): writes go there until the standby is promoted.
    #[arg(long, env = "TESSERA_DATABASE_WRITER_URL", hide_env_values = true)]
    pub database_writer_url: Option<String>,
    /// PostgreSQL schema to use (created if missing).
    #[arg(long, env = "TESSERA_POSTGRES_SCHEMA")]
    pub postgres_schema: Option<String>,
    /// TOML configuration file.
    #[arg(long, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Region for calls that carry none (default us-east-1).
    #[arg(long, env = "TESSERA_REGION")]
    pub region: Option<String>,
    /// The Region this node answers as, for multi-Region replicas (default: every Region).
    #[arg(long, env = "TESSERA_SITE_REGION")]
    pub site_region: Option<String>,
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
    /// The URL clients reach Tessera at (tokens' `iss` is `<public URL>/<pool id>`);
    /// default: `http://<listen address>` (`https://` with a TLS certificate).
    #[arg(long, env = "TESSERA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// PEM certificate chain: serve https (with --tls-key-file); reloaded when the file changes.
    #[arg(long, env = "TESSERA_TLS_CERT_FILE", requires = "tls_key_file")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "TESSERA_TLS_KEY_FILE", requires = "tls_cert_file")]
    pub tls_key_file: Option<PathBuf>,
    /// File holding the server key (64 hex digits); default: `<data dir>/server.key`,
    /// generated on first start. Nodes sharing a database must share this key.
    #[arg(long, env = "TESSERA_SERVER_KEY_FILE")]
    pub server_key_file: Option<PathBuf>,
    /// Adds POST /moto-api/reset, which wipes all state. Never use in production.
    #[arg(long, env = "TESSERA_TEST_MODE")]
    pub test_mode: bool,
    /// Serves the admin console at /console (default true; `--console false` turns it off).
    #[arg(long, env = "TESSERA_CONSOLE")]
    pub console: Option<bool>,
    /// A user pool whose users may sign in to the console with a password and MFA.
    #[arg(long, env = "TESSERA_CONSOLE_ADMIN_POOL")]
    pub console_admin_pool: Option<String>,
    /// Serve the console on this address only (e.g. a private network's), not on --listen.
    #[arg(long, env = "TESSERA_CONSOLE_LISTEN")]
    pub console_listen: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "TESSERA_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// After SIGTERM, how long /health/ready answers 503 while new connections are still
    /// accepted, so load balancers stop sending traffic first (default 0).
    #[arg(long, env = "TESSERA_SHUTDOWN_DELAY_SECONDS")]
    pub shutdown_delay_seconds: Option<u64>,
    /// Then, how long requests in flight have to finish before the process exits (default 10).
    #[arg(long, env = "TESSERA_SHUTDOWN_GRACE_SECONDS")]
    pub shutdown_grace_seconds: Option<u64>,
    /// STS for identity pools' credentials (AssumeRoleWithWebIdentity); default AWS STS of
    /// the identity pool's region (`https://sts.<region>.amazonaws.com`).
    #[arg(long, env = "TESSERA_STS_ENDPOINT")]
    pub sts_endpoint: Option<String>,
    /// Where email goes: outbox (default) or smtp.
    #[arg(long, env = "TESSERA_EMAIL_SENDER")]
    pub email_sender: Option<String>,
    /// Where text messages go: outbox (default) or webhook.
    #[arg(long, env = "TESSERA_SMS_SENDER")]
    pub sms_sender: Option<String>,
    /// SMTP server host name.
    #[arg(long, env = "TESSERA_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP server port (default: 25, 587 or 465 by TLS mode).
    #[arg(long, env = "TESSERA_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// SMTP connection security: none, starttls (default) or tls.
    #[arg(long, env = "TESSERA_SMTP_TLS")]
    pub smtp_tls: Option<String>,
    /// SMTP user name.
    #[arg(long, env = "TESSERA_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// SMTP password (prefer the _FILE variant or the environment).
    #[arg(long, env = "TESSERA_SMTP_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub smtp_password: Option<Secret<String>>,
    /// File holding the SMTP password.
    #[arg(long, env = "TESSERA_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// The From address of email, e.g. "Example <no-reply@example.com>".
    #[arg(long, env = "TESSERA_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// URL the SMS webhook sender POSTs text messages to.
    #[arg(long, env = "TESSERA_SMS_WEBHOOK_URL", hide_env_values = true)]
    pub sms_webhook_url: Option<String>,
    /// HMAC key for the X-Tessera-Signature header (prefer the _FILE variant).
    #[arg(long, env = "TESSERA_SMS_WEBHOOK_SECRET", hide_env_values = true, value_parser = secret)]
    pub sms_webhook_secret: Option<Secret<String>>,
    /// File holding the SMS webhook secret.
    #[arg(long, env = "TESSERA_SMS_WEBHOOK_SECRET_FILE")]
    pub sms_webhook_secret_file: Option<PathBuf>,
}

/// Wraps a secret flag or variable as soon as it is parsed, so `Debug` never shows it.
fn secret(s: &str) -> Result<Secret<String>, std::convert::Infallible> {
    Ok(Secret::new(s.to_string()))
}

fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(Secret::new))
}

/// The TOML file's shape (every key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub database_writer_url: Option<String>,
    pub postgres_schema: Option<String>,
    pub region: Option<String>,
    pub site_region: Option<String>,
    pub account_id: Option<String>,
    pub test_mode: Option<bool>,
    pub console: Option<bool>,
    pub console_admin_pool: Option<String>,
    pub console_listen: Option<String>,
    pub public_url: Option<String>,
    pub server_key_file: Option<PathBuf>,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    pub cors_allowed_origins: Option<Vec<String>>,
    pub log_format: Option<String>,
    pub shutdown_delay_seconds: Option<u64>,
    pub shutdown_grace_seconds: Option<u64>,
    pub sts_endpoint: Option<String>,
    #[serde(default)]
    pub admin: AdminFileConfig,
    #[serde(default)]
    pub messages: MessagesFileConfig,
    /// `[[trigger]]`: where each Lambda function ARN a pool names is delivered.
    #[serde(default, rename = "trigger")]
    pub triggers: Vec<TriggerFileConfig>,
    /// `[[kms_key]]`: the key that stands in for each KMSKeyID a pool names, to encrypt codes
    /// for CustomEmailSender and CustomSMSSender.
    #[serde(default, rename = "kms_key")]
    pub kms_keys: Vec<KmsKeyFileConfig>,
    /// `[[identity_oidc_provider]]`: what an OpenIdConnectProviderARN (or an OpenID social
    /// provider such as accounts.google.com) of an identity pool stands for, as IAM would
    /// know it: its issuer, keys and audiences.
    #[serde(default, rename = "identity_oidc_provider")]
    pub identity_oidc_providers: Vec<tessera_identity::OidcProvider>,
    /// `[[federation_endpoint]]`: endpoints that replace a social identity provider's
    /// public ones (Google, Facebook, LoginWithAmazon, SignInWithApple).
    #[serde(default, rename = "federation_endpoint")]
    pub federation_endpoints: Vec<tessera_core::federation::details::EndpointOverride>,
}

/// One `[[kms_key]]`: a KMSKeyID (as the pool's LambdaConfig names it) and a 256-bit key,
/// base64, given inline or in a file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKeyFileConfig {
    pub id: String,
    #[serde(default, deserialize_with = "de_secret")]
    pub key: Option<Secret<String>>,
    pub key_file: Option<PathBuf>,
}

/// One `[[trigger]]`: an ARN and an `http(s)://` URL (with an optional HMAC secret) or a
/// command (event on stdin, answer on stdout).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerFileConfig {
    pub arn: String,
    pub url: Option<String>,
    pub command: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_secret")]
    pub secret: Option<Secret<String>>,
    pub secret_file: Option<PathBuf>,
}

/// `[messages]`: where codes and invitations go.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesFileConfig {
    /// `outbox` or `smtp`.
    pub email: Option<String>,
    /// `outbox` or `webhook`.
    pub sms: Option<String>,
    #[serde(default)]
    pub smtp: SmtpFileConfig,
    #[serde(default)]
    pub sms_webhook: SmsWebhookFileConfig,
}

/// `[messages.smtp]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFileConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub username: Option<String>,
    #[serde(default, deserialize_with = "de_secret")]
    pub password: Option<Secret<String>>,
    pub password_file: Option<PathBuf>,
    pub from: Option<String>,
}

/// `[messages.sms_webhook]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsWebhookFileConfig {
    pub url: Option<String>,
    #[serde(default, deserialize_with = "de_secret")]
    pub secret: Option<Secret<String>>,
    pub secret_file: Option<PathBuf>,
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
    /// The primary, when `database_url` is a read-only standby of it.
    pub database_writer_url: Option<String>,
    pub postgres_schema: Option<String>,
    pub region: String,
    /// The Region this node answers as (multi-Region replicas); `None`: every Region.
    pub site_region: Option<String>,
    pub account_id: String,
    /// Configured admin credentials (`None`: use or generate the ones in the data folder).
    pub admin: Option<(String, tessera_core::secret::Secret<String>)>,
    pub cors_allowed_origins: Vec<String>,
    pub test_mode: bool,
    /// Serve the admin console at `/console`.
    pub console: bool,
    /// The pool whose users (with MFA) may sign in to the console.
    pub console_admin_pool: Option<String>,
    /// `Some`: the console is served on this address only, not on `listen`.
    pub console_listen: Option<String>,
    pub log_format: String,
    /// After a shutdown signal: how long the readiness probe fails before the listener closes.
    pub shutdown_delay: std::time::Duration,
    /// Then: how long requests in flight have to finish.
    pub shutdown_grace: std::time::Duration,
    /// `None`: `http://<bound address>` (`https://` with TLS).
    pub public_url: Option<String>,
    /// `None`: `<data dir>/server.key`.
    pub server_key_file: Option<PathBuf>,
    /// Serve https with this certificate chain and key (both or neither).
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// Where email and text messages go (checked here; the senders are built at start).
    pub messages: DeliveryConfig,
    /// Trigger targets by Lambda function ARN.
    pub triggers: std::collections::HashMap<String, tessera_delivery::TriggerTarget>,
    /// Custom sender keys (32 bytes each) by KMSKeyID.
    pub kms_keys: std::collections::HashMap<String, Secret<Vec<u8>>>,
    /// `None`: AWS STS of the identity pool's region.
    pub sts_endpoint: Option<String>,
    /// OpenID providers identity pools accept tokens of.
    pub identity_oidc_providers: Vec<tessera_identity::OidcProvider>,
    /// Social identity providers' endpoints, where they are not the public ones.
    pub federation_endpoints: Vec<tessera_core::federation::details::EndpointOverride>,
    /// The process's `AWS_*` variables and `HOME` at start: the AWS credentials and
    /// endpoints for calls to source Cognito pools (live migration).
    pub aws_env: crate::aws_credentials::AwsEnv,
}

fn read_secret_file(path: &Path) -> anyhow::Result<String> {
    let s = std::fs::read_to_string(path)
        .with_context(|| format!("reading secret file {}", path.display()))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// A secret from, in order: the flag or variable, its `_FILE` variant, the TOML value, the
/// TOML `_file` value.
fn layered_secret(
    arg: Option<Secret<String>>,
    arg_file: Option<PathBuf>,
    file: Option<Secret<String>>,
    file_file: Option<PathBuf>,
) -> anyhow::Result<Option<Secret<String>>> {
    let secret = match (arg, arg_file, file, file_file) {
        (Some(s), ..) => Some(s),
        (None, Some(p), ..) => Some(Secret::new(read_secret_file(&p)?)),
        (None, None, Some(s), _) => Some(s),
        (None, None, None, Some(p)) => Some(Secret::new(read_secret_file(&p)?)),
        (None, None, None, None) => None,
    };
    Ok(secret.filter(|s| !s.expose().is_empty()))
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The `[messages]` settings, layered and checked: choosing smtp without a host or a From
/// address, or the webhook without a URL, is an error at start rather than at the first
/// sign-up.
fn resolve_messages(
    args: &mut ServeArgs,
    file: MessagesFileConfig,
) -> anyhow::Result<DeliveryConfig> {
    let email_kind = non_empty(args.email_sender.take().or(file.email))
        .unwrap_or_else(|| "outbox".into())
        .to_ascii_lowercase();
    let sms_kind = non_empty(args.sms_sender.take().or(file.sms))
        .unwrap_or_else(|| "outbox".into())
        .to_ascii_lowercase();

    let email = match email_kind.as_str() {
        "outbox" => EmailDelivery::Outbox,
        "smtp" => {
            let f = file.smtp;
            let host = non_empty(args.smtp_host.take().or(f.host)).ok_or_else(|| {
                anyhow::anyhow!(
                    "email sender smtp needs an SMTP host (TESSERA_SMTP_HOST or [messages.smtp] host)"
                )
            })?;
            let from = non_empty(args.smtp_from.take().or(f.from)).ok_or_else(|| {
                anyhow::anyhow!(
                    "email sender smtp needs a From address (TESSERA_SMTP_FROM or [messages.smtp] from)"
                )
            })?;
            let tls = match non_empty(args.smtp_tls.take().or(f.tls)) {
                Some(t) => t.parse::<SmtpTls>().map_err(anyhow::Error::msg)?,
                None => SmtpTls::default(),
            };
            let username = non_empty(args.smtp_username.take().or(f.username));
            let password = layered_secret(
                args.smtp_password.take(),
                args.smtp_password_file.take(),
                f.password,
                f.password_file,
            )?;
            if username.is_some() != password.is_some() {
                anyhow::bail!(
                    "SMTP authentication needs both a username and a password \
                     (TESSERA_SMTP_USERNAME and TESSERA_SMTP_PASSWORD)"
                );
            }
            EmailDelivery::Smtp(SmtpConfig {
                host,
                port: args.smtp_port.take().or(f.port),
                tls,
                username,
                password,
                from,
            })
        }
        other => anyhow::bail!("email sender must be outbox or smtp (got {other:?})"),
    };

    let sms = match sms_kind.as_str() {
        "outbox" => SmsDelivery::Outbox,
        "webhook" => {
            let f = file.sms_webhook;
            let url = non_empty(args.sms_webhook_url.take().or(f.url)).ok_or_else(|| {
                anyhow::anyhow!(
                    "SMS sender webhook needs a URL (TESSERA_SMS_WEBHOOK_URL or [messages.sms_webhook] url)"
                )
            })?;
            let secret = layered_secret(
                args.sms_webhook_secret.take(),
                args.sms_webhook_secret_file.take(),
                f.secret,
                f.secret_file,
            )?;
            SmsDelivery::Webhook(SmsWebhookConfig { url, secret })
        }
        other => anyhow::bail!("SMS sender must be outbox or webhook (got {other:?})"),
    };
    Ok(DeliveryConfig { email, sms })
}

impl Settings {
    pub fn resolve(mut args: ServeArgs) -> anyhow::Result<Settings> {
        let mut file: FileConfig = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let messages = resolve_messages(&mut args, std::mem::take(&mut file.messages))?;
        let data_dir = args
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = args
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tessera.db").display()));

        let database_writer_url = non_empty(args.database_writer_url.or(file.database_writer_url));
        if database_writer_url.is_some() && !database_url.starts_with("postgres") {
            anyhow::bail!(
                "database_writer_url is for a PostgreSQL standby: database_url must be postgres:// too"
            );
        }

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
        let site_region = non_empty(args.site_region.or(file.site_region));
        if let Some(r) = &site_region
            && !tessera_core::replicas::is_region(r)
        {
            anyhow::bail!("the site region must be an AWS Region name such as us-west-2");
        }
        let log_format = args
            .log_format
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            anyhow::bail!("log format must be text or json");
        }
        let tls_cert_file = args.tls_cert_file.or(file.tls_cert_file);
        let tls_key_file = args.tls_key_file.or(file.tls_key_file);
        if tls_cert_file.is_some() != tls_key_file.is_some() {
            anyhow::bail!(
                "TLS needs both a certificate and a key file \
                 (TESSERA_TLS_CERT_FILE and TESSERA_TLS_KEY_FILE)"
            );
        }
        let mut triggers = std::collections::HashMap::new();
        for t in file.triggers {
            let target = match (t.url, t.command) {
                (Some(url), None) => tessera_delivery::TriggerTarget::Http {
                    url,
                    secret: layered_secret(None, None, t.secret, t.secret_file)?,
                },
                (None, Some(argv)) if !argv.is_empty() => {
                    tessera_delivery::TriggerTarget::Command { argv }
                }
                _ => anyhow::bail!("trigger {}: give exactly one of url and command", t.arn),
            };
            if triggers.insert(t.arn.clone(), target).is_some() {
                anyhow::bail!("trigger {} is configured twice", t.arn);
            }
        }
        let mut kms_keys = std::collections::HashMap::new();
        for k in file.kms_keys {
            let Some(b64) = layered_secret(None, None, k.key, k.key_file)? else {
                anyhow::bail!("kms_key {}: give key or key_file", k.id);
            };
            use base64::Engine;
            let key = base64::engine::general_purpose::STANDARD
                .decode(b64.expose().trim())
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| {
                    anyhow::anyhow!("kms_key {}: the key must be 32 bytes in base64", k.id)
                })?;
            if kms_keys.insert(k.id.clone(), Secret::new(key)).is_some() {
                anyhow::bail!("kms_key {} is configured twice", k.id);
            }
        }
        let sts_endpoint = non_empty(args.sts_endpoint.take().or(file.sts_endpoint))
            .map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &sts_endpoint
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            anyhow::bail!("sts_endpoint must be an http:// or https:// URL");
        }
        let federation_endpoints = file.federation_endpoints.clone();
        for e in &federation_endpoints {
            if !["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"]
                .contains(&e.provider_type.as_str())
            {
                anyhow::bail!(
                    "federation_endpoint: provider_type must be Google, Facebook, LoginWithAmazon or SignInWithApple, not {}",
                    e.provider_type
                );
            }
            for url in [
                &e.authorize_url,
                &e.token_url,
                &e.attributes_url,
                &e.oidc_issuer,
                &e.jwks_uri,
            ]
            .into_iter()
            .flatten()
            {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    anyhow::bail!(
                        "federation_endpoint {}: {url} is not an http:// or https:// URL",
                        e.provider_type
                    );
                }
            }
        }
        for p in &file.identity_oidc_providers {
            if !(p.issuer.starts_with("https://") || p.issuer.starts_with("http://")) {
                anyhow::bail!(
                    "identity_oidc_provider {}: the issuer must be a URL",
                    p.issuer
                );
            }
            // As IAM's OpenID providers have a client id list: without one, any token of the
            // issuer (for another application) would do.
            if !p.arn.is_empty() && p.audiences.is_empty() {
                anyhow::bail!(
                    "identity_oidc_provider {}: give the audiences (client ids) its tokens must be for",
                    p.issuer
                );
            }
        }
        Ok(Settings {
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir,
            database_url,
            database_writer_url,
            postgres_schema: args.postgres_schema.or(file.postgres_schema),
            region: args
                .region
                .or(file.region)
                .unwrap_or_else(|| DEFAULT_REGION.into()),
            site_region,
            account_id,
            admin,
            cors_allowed_origins: args
                .cors_allowed_origins
                .or(file.cors_allowed_origins)
                .unwrap_or_default(),
            test_mode: args.test_mode || file.test_mode.unwrap_or(false),
            console: args.console.or(file.console).unwrap_or(true),
            console_admin_pool: args.console_admin_pool.or(file.console_admin_pool),
            console_listen: non_empty(args.console_listen.or(file.console_listen)),
            log_format,
            shutdown_delay: std::time::Duration::from_secs(
                args.shutdown_delay_seconds
                    .or(file.shutdown_delay_seconds)
                    .unwrap_or(0),
            ),
            shutdown_grace: std::time::Duration::from_secs(
                args.shutdown_grace_seconds
                    .or(file.shutdown_grace_seconds)
                    .unwrap_or(DEFAULT_SHUTDOWN_GRACE_SECONDS),
            ),
            public_url: non_empty(args.public_url.or(file.public_url))
                .map(|u| u.trim_end_matches('/').to_string()),
            server_key_file: args.server_key_file.or(file.server_key_file),
            tls_cert_file,
            tls_key_file,
            messages,
            triggers,
            kms_keys,
            sts_endpoint,
            identity_oidc_providers: file.identity_oidc_providers,
            federation_endpoints,
            aws_env: crate::aws_credentials::AwsEnv::capture(),
        })
    }
}

#[cfg(test)]
mod tests;
