//! Route patterns: `/exact`, `/prefix/*` (the prefix and everything under it), and
//! `{name}` segments matching any one segment.

use anyhow::Context;
use axum::http::Method;

use super::config::{Auth, RouteConfig};

#[derive(Debug)]
enum Segment {
    Literal(String),
    Any,
}

#[derive(Debug)]
pub(super) struct Route {
    methods: Vec<Method>,
    segments: Vec<Segment>,
    /// Ends in `/*`: deeper paths match too.
    prefix: bool,
    /// `http://host:port` (and any base path, without a trailing slash).
    pub backend: String,
    pub auth: Auth,
    pub scopes: Vec<String>,
    pub groups: Vec<String>,
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

impl Route {
    pub fn new(c: &RouteConfig) -> anyhow::Result<Route> {
        let (pattern, prefix) = match c.path.strip_suffix("/*") {
            Some(p) => (p, true),
            None => (c.path.as_str(), false),
        };
        let methods = c
            .methods
            .iter()
            .map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("route {}: bad method", c.path))?;
        Ok(Route {
            methods,
            segments: split(pattern)
                .map(|s| {
                    if s.starts_with('{') && s.ends_with('}') {
                        Segment::Any
                    } else {
                        Segment::Literal(s.to_string())
                    }
                })
                .collect(),
            prefix,
            backend: c.backend.trim_end_matches('/').to_string(),
            auth: c.auth,
            scopes: c.scopes.clone(),
            groups: c.groups.clone(),
        })
    }

    pub fn matches(&self, method: &Method, path: &str) -> bool {
        if !self.methods.is_empty() && !self.methods.contains(method) {
            return false;
        }
        let mut given = split(path);
        for s in &self.segments {
            match (s, given.next()) {
                (Segment::Literal(l), Some(g)) if l == g => {}
                (Segment::Any, Some(_)) => {}
                _ => return false,
            }
        }
        self.prefix || given.next().is_none()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn route(path: &str, methods: &[&str]) -> Route {
        Route::new(&RouteConfig {
            methods: methods.iter().map(|m| m.to_string()).collect(),
            path: path.into(),
            backend: "http://127.0.0.1:1/".into(),
            auth: Auth::Access,
            scopes: vec![],
            groups: vec![],
        })
        .unwrap()
    }

    #[test]
    fn patterns() {
        let get = Method::GET;
        assert!(route("/health", &[]).matches(&get, "/health"));
        assert!(!route("/health", &[]).matches(&get, "/health/x"));
        assert!(route("/orders/*", &[]).matches(&get, "/orders"));
        assert!(route("/orders/*", &[]).matches(&get, "/orders/1/items"));
        assert!(!route("/orders/*", &[]).matches(&get, "/ordersx"));
        assert!(route("/users/{id}/cart", &[]).matches(&get, "/users/42/cart"));
        assert!(!route("/users/{id}/cart", &[]).matches(&get, "/users/cart"));
        assert!(route("/*", &[]).matches(&get, "/anything/at/all"));
        assert!(!route("/orders/*", &["post"]).matches(&get, "/orders/1"));
        assert!(route("/orders/*", &["post"]).matches(&Method::POST, "/orders/1"));
        assert_eq!(route("/x", &[]).backend, "http://127.0.0.1:1");
    }
}
