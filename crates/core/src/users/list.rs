//! `ListUsers` with Cognito's filter language: `attribute = "value"` (exact) and
//! `attribute ^= "value"` (prefix), on the attributes Cognito allows, with keyset pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_wire::idp::{ListUsersRequest, UserType};

use super::{case_insensitive, user_type};
use crate::store::{FilterAttribute, FilterOp, UserCursor, UserFilter};
use crate::{CoreError, Tessera};

/// Parses `name = "value"` / `name ^= "value"` (quotes required, `\"` escapes a quote).
pub fn parse_filter(filter: &str) -> Result<UserFilter, CoreError> {
    let bad = || CoreError::InvalidParameter("Error while parsing filter.".into());
    // The first `=` is the operator's (`^=` or `=`): the value may hold either.
    let (head, rest) = filter.split_once('=').ok_or_else(bad)?;
    let (name, op) = match head.strip_suffix('^') {
        Some(name) => (name, FilterOp::StartsWith),
        None => (head, FilterOp::Equals),
    };
    let name = name.trim().trim_matches('"');
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(bad)?;
    let value = inner.replace("\\\"", "\"");
    let attribute = FilterAttribute::from_name(name)
        .ok_or_else(|| CoreError::InvalidParameter(format!("Invalid search attribute: {name}")))?;
    if attribute == FilterAttribute::Status && op == FilterOp::StartsWith {
        return Err(bad());
    }
    Ok(UserFilter {
        attribute,
        op,
        value,
    })
}

/// The filter's text in Cognito's filter language (what [`parse_filter`] reads back).
pub fn format_filter(f: &UserFilter) -> String {
    let op = match f.op {
        FilterOp::Equals => "=",
        FilterOp::StartsWith => "^=",
    };
    let value = f.value.replace('"', "\\\"");
    format!("{} {op} \"{value}\"", f.attribute.name())
}

/// The `list_users_filter` fuzz target (see `fuzz/` and docs/security.md). Each input is
/// read three ways: as a filter, which when it parses formats back to the same filter; as a
/// filter built from its bytes (attribute, operator, value), which formats to text that
/// parses back to it; and as a pagination token, which when it decodes encodes back to the
/// same position.
#[doc(hidden)]
pub fn fuzz_filter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(f) = parse_filter(&text) {
        assert_eq!(parse_filter(&format_filter(&f)).ok(), Some(f), "round trip");
    }

    if let [a, op, value @ ..] = data {
        let (_, attribute) = FilterAttribute::ALL[usize::from(*a) % FilterAttribute::ALL.len()];
        let op = if op & 1 == 0 {
            FilterOp::Equals
        } else {
            FilterOp::StartsWith
        };
        let built = UserFilter {
            attribute,
            op,
            value: String::from_utf8_lossy(value).into_owned(),
        };
        let parsed = parse_filter(&format_filter(&built)).ok();
        if attribute == FilterAttribute::Status && op == FilterOp::StartsWith {
            assert_eq!(parsed, None, "status takes only =");
        } else {
            assert_eq!(
                parsed,
                Some(built),
                "a filter that can be written does not parse"
            );
        }
    }

    if let Ok(c) = decode_cursor(&text) {
        assert_eq!(decode_cursor(&encode_cursor(&c)).ok(), Some(c));
    }
}

fn encode_cursor(c: &UserCursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::json!([c.sort_value, c.username_key]).to_string())
}

fn decode_cursor(token: &str) -> Result<UserCursor, CoreError> {
    let bad = || CoreError::InvalidParameter("Invalid pagination token.".into());
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let (sort_value, username_key): (String, String) =
        serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok(UserCursor {
        sort_value,
        username_key,
    })
}

impl Tessera {
    /// `ListUsers`.
    pub async fn list_users(
        &self,
        req: ListUsersRequest,
    ) -> Result<(Vec<UserType>, Option<String>), CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let mut filter = req
            .filter
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .map(parse_filter)
            .transpose()?;
        if let Some(f) = filter.as_mut()
            && f.attribute == FilterAttribute::Username
            && case_insensitive(&pool)
        {
            f.value = f.value.to_lowercase();
        }
        let after = req
            .pagination_token
            .as_deref()
            .map(decode_cursor)
            .transpose()?;
        let limit = crate::page::size(req.limit);
        let mut rows = self
            .store
            .list_users(&pool.id, filter.as_ref(), after.as_ref(), limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = rows
            .last()
            .filter(|_| more)
            .map(|last| encode_cursor(&UserCursor::after(last, filter.as_ref())));
        let only = req.attributes_to_get.as_deref();
        Ok((rows.iter().map(|u| user_type(u, only)).collect(), next))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    include!("../../../../fuzz/smoke.rs");

    #[test]
    fn fuzz_corpus_and_mutations() {
        smoke("list_users_filter", fuzz_filter, 20_000);
    }

    #[test]
    fn parses_cognito_filters() {
        let f = parse_filter("email ^= \"ali\"").unwrap_or_else(|_| UserFilter {
            attribute: FilterAttribute::Sub,
            op: FilterOp::Equals,
            value: String::new(),
        });
        assert_eq!(
            (f.attribute, f.op, f.value.as_str()),
            (FilterAttribute::Email, FilterOp::StartsWith, "ali")
        );
        let f = parse_filter("cognito:user_status = \"CONFIRMED\"").ok();
        assert_eq!(f.map(|f| f.attribute), Some(FilterAttribute::UserStatus));
        assert!(parse_filter("email = ali").is_err());
        assert!(parse_filter("custom:x = \"1\"").is_err());
        assert!(parse_filter("status ^= \"En\"").is_err());
        // Found by the list_users_filter fuzz target: a value holding `^=` was read as the
        // operator, and the filter refused as naming the attribute `email = "a`.
        let f = parse_filter("email = \"a^=b\"").ok();
        assert_eq!(
            f.map(|f| (f.op, f.value)),
            Some((FilterOp::Equals, "a^=b".to_string()))
        );
        let f = parse_filter("email ^= \"a=b^=c\"").ok();
        assert_eq!(
            f.map(|f| (f.op, f.value)),
            Some((FilterOp::StartsWith, "a=b^=c".to_string()))
        );
        let c = UserCursor {
            sort_value: "a\"b".into(),
            username_key: "k".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)).ok(), Some(c));
    }
}
