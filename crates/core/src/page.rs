//! Opaque pagination tokens (keyset pagination: the token names the last key returned).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::CoreError;

pub fn encode(last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("k1:{last_key}"))
}

pub fn decode(token: &str) -> Result<String, CoreError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("k1:").map(str::to_owned))
        .ok_or_else(|| CoreError::InvalidParameter("Invalid pagination token.".into()))
}

/// The largest page any list operation returns (Cognito's limit).
pub const MAX_PAGE: u32 = 60;

/// A page size from a request's `Limit` / `MaxResults`: absent or 0 means the largest page.
pub fn size(limit: Option<i32>) -> u32 {
    match limit {
        Some(n) if n > 0 => (n as u32).min(MAX_PAGE),
        _ => MAX_PAGE,
    }
}

/// Splits a result fetched with `limit + 1` rows into the page and its next token.
pub fn finish<T>(
    mut rows: Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> &str,
) -> (Vec<T>, Option<String>) {
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| encode(key(r)));
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        assert_eq!(
            decode(&encode("us-east-1_x")).ok().as_deref(),
            Some("us-east-1_x")
        );
        assert!(decode("not a token").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("other")).is_err());
    }

    #[test]
    fn page_sizes() {
        assert_eq!(size(None), 60);
        assert_eq!(size(Some(0)), 60);
        assert_eq!(size(Some(1)), 1);
        assert_eq!(size(Some(60)), 60);
        assert_eq!(size(Some(61)), 60);
    }

    #[test]
    fn finish_sets_token_only_when_more() {
        let (p, t) = finish(vec!["a", "b", "c"], 2, |s| s);
        assert_eq!(p, vec!["a", "b"]);
        assert_eq!(t.map(|t| decode(&t).ok()), Some(Some("b".to_string())));
        let (p, t) = finish(vec!["a"], 2, |s| s);
        assert_eq!(p.len(), 1);
        assert!(t.is_none());
    }
}
