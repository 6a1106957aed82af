//! Fuzz targets of this crate, called by `fuzz/` (cargo-fuzz) and by the smoke tests below,
//! which run the saved corpus and a few thousand mutations of it on every `cargo test`.
//! See docs/security.md.
//!
//! `wire_json`: an AWS JSON 1.1 request as `dispatch` reads it. The input's first line is the
//! `X-Amz-Target` (or a bare operation name of `cognito-idp`), the rest the body. Invariants,
//! besides not panicking: a body that passes validation decodes into the type its handler
//! takes; a validation message has Cognito's shape and never echoes a value of a sensitive
//! shape (a password, a token, a username).

use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use serde_json::Value;
use tessera_wire::generated::{self, Shape, ShapeKind};
use tessera_wire::ops::{Service, find_operation, split_target};
use tessera_wire::validate::{InputError, validate_input};

use crate::registry::Registry;

pub use crate::hosted::fuzz::run as hosted_form;

/// Polls a future that never waits (a body already in memory) to its end.
pub(crate) fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

/// Runs one `wire_json` input; panics when an invariant does not hold.
pub fn wire_json(data: &[u8]) {
    let (target, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let target = String::from_utf8_lossy(target);
    let target = target.trim_end_matches('\r');
    let target = if target.contains('.') {
        target.to_owned()
    } else {
        format!("AWSCognitoIdentityProviderService.{target}")
    };
    let Some((service, name)) = split_target(&target) else {
        return;
    };
    let Some(op) = find_operation(service, name) else {
        return;
    };
    let Ok(input) = crate::dispatch::read_input(body) else {
        return;
    };
    match validate_input(op, &input) {
        Ok(()) => {
            if let Some(decode) = registry().decoder(service, op.name) {
                let decoded = decode(input);
                assert!(
                    decoded.is_ok(),
                    "{}: valid input that its handler cannot decode: {decoded:?}",
                    op.name
                );
            }
        }
        Err(e) => {
            if let InputError::Invalid(message) = &e {
                let count = message.split(' ').next().unwrap_or_default();
                let shape_ok = count.parse::<usize>().is_ok_and(|n| {
                    let noun = if n == 1 { "error" } else { "errors" };
                    n > 0 && message.starts_with(&format!("{n} validation {noun} detected: "))
                });
                assert!(shape_ok, "message shape: {message}");
            }
            let shape = op
                .input
                .and_then(|name| generated::find_shape(op.service, name));
            if let Some(shape) = shape {
                let mut values = Values::default();
                values.collect(service, shape, &input, false, 0);
                values.check_not_echoed(e.message());
            }
        }
    }
}

/// The scalar values of a body, split by whether a sensitive shape holds them.
#[derive(Default)]
struct Values {
    secret: Vec<String>,
    public: Vec<String>,
}

/// A value as the validator echoes it (at most 64 characters).
fn echo(text: &str) -> String {
    text.chars().take(64).collect()
}

impl Values {
    fn collect(
        &mut self,
        service: Service,
        shape: &Shape,
        value: &Value,
        hidden: bool,
        depth: usize,
    ) {
        if depth > 100 {
            return;
        }
        let hidden = hidden || shape.sensitive;
        let sub = |index: u16| generated::shape(service, index);
        match (&shape.kind, value) {
            (ShapeKind::Structure { members }, Value::Object(object)) => {
                for member in *members {
                    if let (Some(v), Some(s)) = (object.get(member.name), sub(member.target)) {
                        self.collect(service, s, v, hidden, depth + 1);
                    }
                }
            }
            (ShapeKind::List { member }, Value::Array(items)) => {
                if let Some(s) = sub(*member) {
                    for item in items {
                        self.collect(service, s, item, hidden, depth + 1);
                    }
                }
            }
            (ShapeKind::Map { value: v, .. }, Value::Object(entries)) => {
                for (key, item) in entries {
                    self.public.push(echo(key));
                    if let Some(s) = sub(*v) {
                        self.collect(service, s, item, hidden, depth + 1);
                    }
                }
            }
            (_, Value::String(text)) => self.push(hidden, echo(text)),
            (_, Value::Number(n)) => self.push(hidden, n.to_string()),
            _ => {}
        }
    }

    fn push(&mut self, hidden: bool, text: String) {
        if hidden {
            self.secret.push(text);
        } else {
            self.public.push(text);
        }
    }

    /// Every echo is `Value '<text>`: none may be a secret's, unless public text holds it
    /// too (then the echo may be that text's: a value that starts the same way, or a map key,
    /// which messages name in their paths — a key may itself read `Value '<secret>`).
    fn check_not_echoed(&self, message: &str) {
        for secret in &self.secret {
            if secret.is_empty() || secret.starts_with(['[', '{']) {
                continue;
            }
            let shared = self.public.iter().any(|p| p.contains(secret.as_str()));
            assert!(
                shared || !message.contains(&format!("Value '{secret}")),
                "a sensitive value is echoed: {message}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    include!("../../../fuzz/smoke.rs");

    #[test]
    fn wire_json_corpus_and_mutations() {
        smoke("wire_json", super::wire_json, 10_000);
    }
}
