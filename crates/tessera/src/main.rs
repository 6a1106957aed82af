//! `tessera`: a self-hosted identity provider that speaks Amazon Cognito's wire protocol.

use anyhow::Context;
use clap::{Parser, Subcommand};
use tessera::{ServeArgs, Settings};

mod config_check;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "A self-hosted identity provider speaking Amazon Cognito's protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (SQLite in ./tessera-data unless told otherwise).
    Serve(ServeArgs),
    /// Run the authorizing gateway in front of your APIs (see `gate.toml` in the README).
    Gate {
        /// The gateway's configuration file.
        #[arg(long, env = "TESSERA_GATE_CONFIG")]
        config: std::path::PathBuf,
        /// PEM certificate chain: serve https (with --tls-key-file); reloaded when the file
        /// changes. Overrides the file's `tls_cert_file`.
        #[arg(long, env = "TESSERA_GATE_TLS_CERT_FILE", requires = "tls_key_file")]
        tls_cert_file: Option<std::path::PathBuf>,
        /// PEM private key of the certificate. Overrides the file's `tls_key_file`.
        #[arg(long, env = "TESSERA_GATE_TLS_KEY_FILE", requires = "tls_cert_file")]
        tls_key_file: Option<std::path::PathBuf>,
        /// Log format: text or json.
        #[arg(long, default_value = "text")]
        log_format: String,
    },
    /// Make a local CA and a certificate for localhost signed by it (for --tls-cert-file and
    /// --tls-key-file); the CA is reused by later runs, so it is trusted once.
    DevCert {
        /// Where to write the files (default: the data folder).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// The data folder (the default output folder).
        #[arg(long, env = "TESSERA_DATA_DIR")]
        data_dir: Option<std::path::PathBuf>,
    },
    /// Manage the pools' token signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage users outside the API.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Write every pool (or one) with its users, password hashes, MFA secrets, devices and
    /// passkeys, and the identity pools with their identities, to an archive encrypted to a
    /// passphrase (TESSERA_EXPORT_PASSPHRASE or --passphrase-file). docs/export-format.md
    /// describes it.
    Export {
        /// Where to write the archive (mode 0600).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Only this user pool, or this identity pool.
        #[arg(long)]
        pool_id: Option<String>,
        /// A file holding the passphrase (else TESSERA_EXPORT_PASSPHRASE).
        #[arg(long)]
        passphrase_file: Option<std::path::PathBuf>,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Load an archive made by `tessera export` into this installation's database (SQLite or
    /// PostgreSQL), sealing its secrets again with this server key.
    Restore {
        /// The archive.
        #[arg(long = "in")]
        input: std::path::PathBuf,
        #[arg(long)]
        passphrase_file: Option<std::path::PathBuf>,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Live migration from an Amazon Cognito user pool: link a pool to its source, see the
    /// progress, end it. Writes the database directly (a running server's too).
    Migrate {
        #[command(subcommand)]
        command: MigrateCommand,
    },
    /// Check the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Resolve the settings as `tessera serve` would (file, environment, flags) and print
    /// them with secrets masked; exits non-zero on an error, without starting anything.
    Check {
        #[command(flatten)]
        serve: ServeArgs,
    },
}

#[derive(clap::Args)]
struct SourceArgs {
    /// The source pool's region.
    #[arg(long)]
    source_region: String,
    /// The source pool's id.
    #[arg(long)]
    source_user_pool_id: String,
    /// An app client of the source pool that allows ALLOW_ADMIN_USER_PASSWORD_AUTH.
    #[arg(long)]
    source_client_id: String,
    /// That client's secret, if it has one (stored sealed).
    #[arg(
        long,
        env = "TESSERA_MIGRATE_SOURCE_CLIENT_SECRET",
        hide_env_values = true
    )]
    source_client_secret: Option<String>,
    /// Another endpoint than the region's (https; http only on loopback). The server also
    /// honours AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER.
    #[arg(long)]
    source_endpoint: Option<String>,
    /// The AWS profile whose credentials are used for this source.
    #[arg(long)]
    source_profile: Option<String>,
}

impl SourceArgs {
    fn split(self) -> (tessera_core::migration::SourceRef, Option<String>) {
        let source = tessera_core::migration::SourceRef {
            region: self.source_region,
            user_pool_id: self.source_user_pool_id,
            client_id: self.source_client_id,
            endpoint: self.source_endpoint,
            profile: self.source_profile,
        };
        (source, self.source_client_secret)
    }
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Link a pool to a source Cognito pool: a user the pool lacks who signs in with a
    /// password (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, the hosted login) or asks for
    /// a reset is brought in from the source, with that password. The serving process signs
    /// its calls with the AWS credentials of its own environment (variables, profile files).
    Link {
        /// The pool here.
        #[arg(long)]
        user_pool_id: String,
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Copy the source pool here ahead of time — its settings, MFA configuration, groups,
    /// resource servers, identity providers, app clients (same ids and secrets where free),
    /// prefix domain and users without passwords — then link it, so only passwords move
    /// lazily. Uses this process's AWS credentials. Prints what it did as JSON.
    Copy {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Each linked pool: its source, state and users.
    Status {
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Stop asking the source for a pool's missing users.
    Finish {
        #[arg(long)]
        user_pool_id: String,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Import users from JSON lines, with password hashes (BCRYPT, SCRYPT, ARGON2ID,
    /// PBKDF2_SHA256, FIREBASE_SCRYPT): they sign in with their old passwords. Writes the
    /// database directly (a running server's too). The README shows the line format.
    Import {
        /// The user pool to import into.
        #[arg(long)]
        user_pool_id: String,
        /// The JSON-lines file (`-` for standard input).
        #[arg(long)]
        file: std::path::PathBuf,
        /// Firebase projects' hash parameters, for FIREBASE_SCRYPT hashes: the signer key
        /// (base64; prefer the environment, a flag shows in the process list).
        #[arg(long, env = "TESSERA_FIREBASE_SIGNER_KEY", hide_env_values = true)]
        firebase_signer_key: Option<String>,
        /// The salt separator (base64).
        #[arg(long, default_value = "Bw==")]
        firebase_salt_separator: String,
        #[arg(long, default_value_t = 8)]
        firebase_rounds: u32,
        #[arg(long, default_value_t = 14)]
        firebase_mem_cost: u32,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new signing key to every pool (or one); old keys stay in the JWKS until the
    /// tokens they signed have expired.
    Rotate {
        /// Only this user pool.
        #[arg(long)]
        pool_id: Option<String>,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Before any file is created: the data folder and everything in it (SQLite's own
    // -wal and -shm files included) stay private to the server's user.
    tessera::data_dir::private_umask();
    let cli = Cli::parse();
    match cli.command {
        Command::Gate {
            config,
            tls_cert_file,
            tls_key_file,
            log_format,
        } => {
            init_logging(&log_format);
            let mut cfg = tessera::gate::GateConfig::load(&config)?;
            cfg.override_tls(tls_cert_file, tls_key_file)?;
            let routes = cfg.routes.len();
            let gate = tessera::gate::start(cfg).await?;
            println!(
                "Tessera gate is listening on {}://{}",
                gate.scheme, gate.addr
            );
            tracing::info!(addr = %gate.addr, scheme = gate.scheme, routes, "gate started");
            gate.serve_until(shutdown_signal()).await
        }
        Command::Keys {
            command: KeysCommand::Rotate { pool_id, serve },
        } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            for (pool, kid) in tessera::rotate_keys(&settings, pool_id.as_deref()).await? {
                println!("{pool}: new signing key {kid}");
            }
            Ok(())
        }
        Command::Users {
            command:
                UsersCommand::Import {
                    user_pool_id,
                    file,
                    firebase_signer_key,
                    firebase_salt_separator,
                    firebase_rounds,
                    firebase_mem_cost,
                    serve,
                },
        } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let firebase = match firebase_signer_key {
                Some(key) => {
                    use base64::Engine;
                    let b64 = base64::engine::general_purpose::STANDARD;
                    Some(tessera_core::import::FirebaseScrypt {
                        signer_key: b64
                            .decode(key.trim())
                            .context("--firebase-signer-key is not base64")?,
                        salt_separator: b64
                            .decode(firebase_salt_separator.trim())
                            .context("--firebase-salt-separator is not base64")?,
                        rounds: firebase_rounds,
                        mem_cost: firebase_mem_cost,
                    })
                }
                None => None,
            };
            let report =
                tessera::import_users(&settings, &user_pool_id, &text, firebase.as_ref()).await?;
            for (line, why) in &report.failed {
                eprintln!("line {line}: {why}");
            }
            println!(
                "{} imported, {} skipped (they exist), {} lines with errors",
                report.imported,
                report.skipped,
                report.failed.len()
            );
            if report.failed.is_empty() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("some lines were not imported"))
            }
        }
        Command::Export {
            out,
            pool_id,
            passphrase_file,
            serve,
        } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            let pass = passphrase(passphrase_file.as_deref())?;
            let bytes = tessera::export(&settings, pool_id.as_deref(), &pass, &out).await?;
            println!("wrote {} ({bytes} bytes)", out.display());
            Ok(())
        }
        Command::Restore {
            input,
            passphrase_file,
            serve,
        } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            let pass = passphrase(passphrase_file.as_deref())?;
            let archive =
                std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let r = tessera::restore(&settings, &archive, &pass).await?;
            let other: String = r
                .other
                .iter()
                .map(|(name, n)| format!(", {n} {name}"))
                .collect();
            println!(
                "restored {} pools, {} clients, {} groups, {} users, {} devices, {} documents{other}",
                r.pools, r.clients, r.groups, r.users, r.devices, r.documents
            );
            Ok(())
        }
        Command::Migrate { command } => migrate(command).await,
        Command::Config {
            command: ConfigCommand::Check { serve },
        } => {
            let settings = Settings::resolve(serve)?;
            print!("{}", config_check::describe(&settings));
            Ok(())
        }
        Command::DevCert { out, data_dir } => {
            let dir = out
                .or(data_dir)
                .unwrap_or_else(|| std::path::PathBuf::from(tessera::config::DEFAULT_DATA_DIR));
            let made = tessera::tls::dev_cert::make(&dir)?;
            let ca = made.ca_cert.display();
            if made.new_ca {
                println!("Made a development CA: {ca} (its key stays beside it, mode 0600)");
            } else {
                println!("Reused the development CA: {ca}");
            }
            println!(
                "Certificate for localhost, 127.0.0.1 and ::1: {} (key: {})",
                made.cert.display(),
                made.key.display()
            );
            println!(
                "Serve with: tessera serve --tls-cert-file {} --tls-key-file {}",
                made.cert.display(),
                made.key.display()
            );
            println!("Trust the CA in clients:");
            println!("  Node.js:         NODE_EXTRA_CA_CERTS={ca}");
            println!("  AWS CLI and SDKs: AWS_CA_BUNDLE={ca}");
            println!("  curl:            curl --cacert {ca}");
            println!(
                "  Debian/Ubuntu:   sudo cp {ca} /usr/local/share/ca-certificates/tessera-dev-ca.crt && sudo update-ca-certificates"
            );
            println!(
                "  macOS:           sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {ca}"
            );
            Ok(())
        }
        Command::Serve(args) => {
            let settings = Settings::resolve(args)?;
            init_logging(&settings.log_format);
            let mut running = tessera::start(&settings).await?;
            let url = format!("{}://{}", running.scheme, running.addr);
            println!("Tessera is listening on {url}");
            if let Some(at) = running.console_addr {
                println!("The admin console: {}://{at}/console", running.scheme);
            }
            println!("Data folder: {}", settings.data_dir.display());
            if running.admin_generated {
                println!(
                    "Generated admin credentials (shown once; kept in {}):",
                    settings
                        .data_dir
                        .join(tessera::admin_keys::FILE_NAME)
                        .display()
                );
                println!("  AWS_ACCESS_KEY_ID={}", running.admin.0);
                println!("  AWS_SECRET_ACCESS_KEY={}", running.admin.1.expose());
            } else {
                println!("Admin access key id: {}", running.admin.0);
            }
            println!(
                "Try: AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... aws --endpoint-url {url} cognito-idp list-user-pools --max-results 10"
            );
            tracing::info!(%url, test_mode = settings.test_mode, "tessera started");
            tokio::select! {
                _ = shutdown_signal() => {
                    tracing::info!("shutting down");
                    running.trigger_shutdown();
                    running.wait().await?;
                }
                r = running.wait() => r?,
            }
            Ok(())
        }
    }
}

/// The archive passphrase: from a file, or TESSERA_EXPORT_PASSPHRASE; never a flag (it
/// would show in the process list).
fn passphrase(
    file: Option<&std::path::Path>,
) -> anyhow::Result<tessera_core::secret::Secret<String>> {
    let pass = match file {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("reading {}", f.display()))?
            .trim_end_matches(['\n', '\r'])
            .to_string(),
        None => std::env::var("TESSERA_EXPORT_PASSPHRASE").map_err(|_| {
            anyhow::anyhow!("give the passphrase in TESSERA_EXPORT_PASSPHRASE or --passphrase-file")
        })?,
    };
    if pass.chars().count() < 12 {
        anyhow::bail!("the passphrase must be at least 12 characters");
    }
    Ok(tessera_core::secret::Secret::new(pass))
}

async fn migrate(command: MigrateCommand) -> anyhow::Result<()> {
    match command {
        MigrateCommand::Link {
            user_pool_id,
            source,
            serve,
        } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            let (source, secret) = source.split();
            tessera::migration_link(&settings, &user_pool_id, source.clone(), secret.as_deref())
                .await?;
            println!(
                "{user_pool_id} now brings in its missing users from {} ({})",
                source.user_pool_id, source.region
            );
            Ok(())
        }
        MigrateCommand::Copy { source, serve } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            let (source, secret) = source.split();
            let report = tessera::migration_copy(&settings, source, secret.as_deref()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        MigrateCommand::Status { serve } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            let all = tessera::migration_status(&settings).await?;
            if all.is_empty() {
                println!("no pool is linked to a source pool");
            }
            for s in all {
                println!(
                    "{}: source {} ({}, client {}), {}, {} users here",
                    s.user_pool_id,
                    s.source.user_pool_id,
                    s.source.region,
                    s.source.client_id,
                    s.state,
                    s.users
                );
            }
            Ok(())
        }
        MigrateCommand::Finish {
            user_pool_id,
            serve,
        } => {
            let settings = Settings::resolve(serve)?;
            init_logging(&settings.log_format);
            tessera::migration_finish(&settings, &user_pool_id).await?;
            println!("{user_pool_id} no longer asks its source pool");
            Ok(())
        }
    }
}
