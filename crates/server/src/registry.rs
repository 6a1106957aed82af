//! The operation registry: which modeled operations Tessera implements, and with which
//! handler. `docs/compat.md` is generated from it (see [`compat_markdown`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tessera_core::Tessera;
use tessera_wire::ops::{Service, operations};

use crate::ApiError;

/// What a handler knows about the call besides its input.
#[derive(Clone)]
pub struct Ctx {
    pub core: Arc<Tessera>,
    /// The identity pools, a service of their own beside the user pools.
    pub identity: Arc<tessera_identity::IdentityPools>,
    /// Region of the caller's SigV4 credential scope (the default region when unsigned).
    pub region: String,
}

type BoxFut = Pin<Box<dyn Future<Output = Result<Value, ApiError>> + Send>>;
pub(crate) type Handler = Arc<dyn Fn(Ctx, Value) -> BoxFut + Send + Sync>;

/// Wraps a typed handler: decode the (already validated) input, run, encode the output.
fn typed<Req, Resp, F, Fut>(f: F) -> Handler
where
    F: Fn(Ctx, Req) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Resp, ApiError>> + Send + 'static,
    Req: DeserializeOwned + Send + 'static,
    Resp: Serialize,
{
    Arc::new(move |ctx, body| {
        Box::pin(async move {
            let req: Req = serde_json::from_value(body).map_err(|e| {
                ApiError::serialization(format!("The request does not match the model: {e}"))
            })?;
            let resp = f(ctx, req).await?;
            match serde_json::to_value(resp) {
                Ok(Value::Null) => Ok(Value::Object(Default::default())),
                Ok(v) => Ok(v),
                Err(e) => Err(ApiError::internal(format!("encoding response: {e}"))),
            }
        })
    })
}

/// Decodes an operation's (validated) input into its handler's type, and drops it.
pub(crate) type Decoder = fn(Value) -> Result<(), serde_json::Error>;

fn decodes<Req: DeserializeOwned>(body: Value) -> Result<(), serde_json::Error> {
    serde_json::from_value::<Req>(body).map(drop)
}

pub struct Registry {
    handlers: HashMap<(Service, &'static str), Handler>,
    /// The input decoding of each handler alone, for the `wire_json` fuzz target.
    decoders: HashMap<(Service, &'static str), Decoder>,
}

impl Registry {
    pub fn build() -> Self {
        let mut r = Registry {
            handlers: HashMap::new(),
            decoders: HashMap::new(),
        };
        crate::idp::register(&mut r);
        crate::identity::register(&mut r);
        r
    }

    pub(crate) fn add<Req, Resp, F, Fut>(&mut self, service: Service, name: &'static str, f: F)
    where
        F: Fn(Ctx, Req) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, ApiError>> + Send + 'static,
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize,
    {
        debug_assert!(
            tessera_wire::ops::find_operation(service, name).is_some(),
            "{name} is not a modeled operation"
        );
        self.handlers.insert((service, name), typed(f));
        self.decoders.insert((service, name), decodes::<Req>);
    }

    /// How the handler of an operation decodes its input, if it is implemented.
    pub(crate) fn decoder(&self, service: Service, name: &str) -> Option<Decoder> {
        self.decoders
            .iter()
            .find(|((s, n), _)| *s == service && *n == name)
            .map(|(_, d)| *d)
    }

    pub(crate) fn get(&self, service: Service, name: &str) -> Option<&Handler> {
        self.handlers
            .iter()
            .find(|((s, n), _)| *s == service && *n == name)
            .map(|(_, h)| h)
    }

    pub fn is_implemented(&self, service: Service, name: &str) -> bool {
        self.get(service, name).is_some()
    }

    /// Names of registered operations that the model does not know (must stay empty).
    pub fn unmodeled(&self) -> Vec<&'static str> {
        self.handlers
            .keys()
            .filter(|(s, n)| tessera_wire::ops::find_operation(*s, n).is_none())
            .map(|(_, n)| *n)
            .collect()
    }
}

/// The operation coverage table, `docs/compat.md`.
pub fn compat_markdown(registry: &Registry) -> String {
    let mut out = String::from(
        "# Operation coverage\n\n\
         Generated from Tessera's operation registry by the test `compat_table_is_current`\n\
         (`UPDATE_COMPAT=1 cargo test -p tessera-server compat` rewrites it). Do not edit by hand.\n",
    );
    for service in Service::all() {
        let ops = operations(service);
        let done = ops
            .iter()
            .filter(|o| registry.is_implemented(service, o.name))
            .count();
        out.push_str(&format!(
            "\n## {} ({} of {} operations)\n\n| Operation | Signed | Status |\n|---|---|---|\n",
            service.signing_name(),
            done,
            ops.len()
        ));
        for op in ops {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                op.name,
                if op.signed { "SigV4" } else { "unsigned" },
                if registry.is_implemented(service, op.name) {
                    "implemented"
                } else {
                    "not yet"
                }
            ));
        }
    }
    out.push_str(&tessera_core::settings::markdown());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_handler_is_modeled() {
        assert!(Registry::build().unmodeled().is_empty());
    }

    #[test]
    fn compat_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/compat.md");
        let want = compat_markdown(&Registry::build());
        if std::env::var("UPDATE_COMPAT").is_ok() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/compat.md is stale: run `UPDATE_COMPAT=1 cargo test -p tessera-server compat`"
        );
    }
}
