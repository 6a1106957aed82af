//! Development tasks for the Tessera workspace.
//!
//! ```text
//! cargo xtask vendor-model <idp-service-2.json> <identity-service-2.json> <botocore-version>
//! cargo xtask codegen [--check]
//! ```

mod codegen;
mod model;
mod naming;
mod pattern;
mod vendor;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage:
  cargo xtask vendor-model <idp-service-2.json> <identity-service-2.json> <botocore-version>
      Vendors botocore's cognito-idp and cognito-identity service models into model/
      (documentation stripped, keys sorted, pretty-printed).
  cargo xtask codegen [--check]
      Regenerates crates/wire/src/generated/ from model/*.json. With --check, writes
      nothing and fails if a committed generated file is stale.";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    match args.first().map(String::as_str) {
        Some("vendor-model") => {
            let [idp, identity, version] = &args[1..] else {
                bail!("vendor-model takes exactly three arguments\n\n{USAGE}");
            };
            vendor::vendor_models(&root, Path::new(idp), Path::new(identity), version)?;
            Ok(ExitCode::SUCCESS)
        }
        Some("codegen") => match &args[1..] {
            [] => {
                codegen::write(&root)?;
                Ok(ExitCode::SUCCESS)
            }
            [flag] if flag == "--check" => codegen::check(&root),
            _ => bail!("unexpected arguments to codegen\n\n{USAGE}"),
        },
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => bail!("unknown or missing task\n\n{USAGE}"),
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .context("xtask manifest directory has no parent")?
        .to_path_buf();
    Ok(root)
}
