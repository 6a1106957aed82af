//! Identifier conversions for generated code.

/// Words that are spelled with inner capitals but are one word.
const COMPOUND_WORDS: &[(&str, &str)] = &[("OAuth", "Oauth")];

/// Rust keywords (strict and reserved, all editions) that can be raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NON_RAW_KEYWORDS: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Splits a PascalCase/camelCase name into words, keeping acronyms together:
/// `SMSMfaSettings` → `SMS Mfa Settings`, `CallbackURLs` → `Callback URLs`,
/// `S3Bucket` → `S3 Bucket`, `AllowedOAuthFlows` → `Allowed Oauth Flows`.
pub fn words(name: &str) -> Vec<String> {
    let mut normalized = name.to_string();
    for (from, to) in COMPOUND_WORDS {
        normalized = normalized.replace(from, to);
    }
    let chars: Vec<char> = normalized.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            None => false,
            Some(p) if c.is_ascii_uppercase() => {
                if p.is_ascii_lowercase() || p.is_ascii_digit() {
                    true
                } else if p.is_ascii_uppercase() {
                    // End of an acronym: "SMSMfa" splits before the last capital, unless the
                    // lower-case letter is a plural "s" of the acronym ("URLs", "ARNs").
                    next.is_some_and(|n| n.is_ascii_lowercase()) && !is_plural_s(&chars, i + 1)
                } else {
                    false
                }
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether `chars[i]` is a lone `s` ending a word (followed by the end, an upper-case
/// letter or a digit).
fn is_plural_s(chars: &[char], i: usize) -> bool {
    chars.get(i) == Some(&'s')
        && chars
            .get(i + 1)
            .is_none_or(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `UserPoolId` → `user_pool_id`.
pub fn snake_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `AuthFlowType` → `AUTH_FLOW_TYPE`.
pub fn upper_snake_case(name: &str) -> String {
    snake_case(name).to_ascii_uppercase()
}

/// A snake-case field identifier, as a raw identifier if it is a keyword.
pub fn field_ident(member_name: &str) -> String {
    let snake = snake_case(member_name);
    if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else if NON_RAW_KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// The name of a member in a validation path: the member name with its first letter
/// lower-cased (`PoolName` → `poolName`).
pub fn path_name(member_name: &str) -> String {
    let mut chars = member_name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms() {
        let cases = [
            ("UserPoolId", "user_pool_id"),
            ("SMSMfaSettings", "sms_mfa_settings"),
            ("AWSAccountId", "aws_account_id"),
            ("IdToken", "id_token"),
            ("CallbackURLs", "callback_urls"),
            ("OpenIdConnectProviderARNs", "open_id_connect_provider_arns"),
            (
                "AllowedOAuthFlowsUserPoolClient",
                "allowed_oauth_flows_user_pool_client",
            ),
            ("S3Bucket", "s3_bucket"),
            (
                "PrimaryRoute53HealthCheckId",
                "primary_route53_health_check_id",
            ),
            ("KMSKeyID", "kms_key_id"),
            ("CSS", "css"),
            ("CSVHeader", "csv_header"),
            ("UserMFASettingList", "user_mfa_setting_list"),
            ("headerName", "header_name"),
            ("message", "message"),
            ("MFAOptions", "mfa_options"),
            ("UICustomization", "ui_customization"),
            ("Users", "users"),
            ("AliasAttributes", "alias_attributes"),
        ];
        for (input, expected) in cases {
            assert_eq!(snake_case(input), expected, "{input}");
        }
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(field_ident("Type"), "r#type");
        assert_eq!(field_ident("Match"), "r#match");
        assert_eq!(field_ident("Self"), "self_");
        assert_eq!(field_ident("Name"), "name");
    }

    #[test]
    fn constants_and_paths() {
        assert_eq!(upper_snake_case("AuthFlowType"), "AUTH_FLOW_TYPE");
        assert_eq!(upper_snake_case("UserPoolMfaType"), "USER_POOL_MFA_TYPE");
        assert_eq!(path_name("PoolName"), "poolName");
        assert_eq!(path_name("SMSMfaSettings"), "sMSMfaSettings");
    }
}
