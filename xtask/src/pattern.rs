//! Translation of the model's Java regular expressions to the Rust `regex` dialect.
//!
//! Cognito validates `pattern` constraints with `java.util.regex` (full match). The Rust
//! `regex` crate differs in a few ways, handled here at code-generation time:
//! - `\w`, `\d`, `\s` (and negations) are ASCII-only in Java but Unicode-aware in Rust:
//!   they are rewritten to explicit ASCII classes, also inside character classes.
//! - Look-around is unsupported: known patterns using it have a hand-written equivalent
//!   in [`OVERRIDES`]; anything else that still fails to compile is an error, so a model
//!   refresh cannot silently lose a check.
//!
//! The result is anchored as `^(?:...)$` because Java's `matches()` is a full match.

use anyhow::{Result, bail};

/// Java patterns the generic rewrite cannot express, with an equivalent Rust regex
/// (before anchoring).
const OVERRIDES: &[(&str, &str)] = &[
    // "Any number of [0-9A-Za-z.-_], not ending with a dot": the negative look-behind
    // becomes "empty, or ending with an allowed character other than '.'".
    (
        r"^[0-9A-Za-z\.\-_]*(?<!\.)$",
        r"^(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?$",
    ),
];

const WORD: &str = "0-9A-Za-z_";
const DIGIT: &str = "0-9";
const SPACE: &str = r"\t\n\x0B\x0C\r ";

/// Translates a model pattern into an anchored Rust regex, checking that it compiles.
pub fn translate(java: &str) -> Result<String> {
    let body = match OVERRIDES.iter().find(|(from, _)| *from == java) {
        Some((_, to)) => (*to).to_string(),
        None => rewrite_escapes(java),
    };
    let anchored = format!("^(?:{body})$");
    if let Err(err) = regex::Regex::new(&anchored) {
        bail!(
            "model pattern {java:?} translates to {anchored:?}, which the regex crate rejects \
             ({err}); add an equivalent to OVERRIDES in xtask/src/pattern.rs"
        );
    }
    Ok(anchored)
}

/// Rewrites Java's ASCII-only shorthand classes into explicit classes.
fn rewrite_escapes(java: &str) -> String {
    let mut out = String::with_capacity(java.len() + 16);
    let mut class_depth = 0usize;
    let mut chars = java.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(escaped) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let in_class = class_depth > 0;
                let replacement = match escaped {
                    'w' => Some(positive(WORD, in_class)),
                    'd' => Some(positive(DIGIT, in_class)),
                    's' => Some(positive(SPACE, in_class)),
                    'W' => Some(format!("[^{WORD}]")),
                    'D' => Some(format!("[^{DIGIT}]")),
                    'S' => Some(format!("[^{SPACE}]")),
                    _ => None,
                };
                match replacement {
                    Some(text) => {
                        out.push_str(&text);
                        // In Java, `[\w-x]` is `\w`, '-' and 'x': the '-' cannot start a
                        // range after a class. In the expansion it would, so escape it.
                        let mut lookahead = chars.clone();
                        if in_class
                            && lookahead.next() == Some('-')
                            && lookahead.next().is_some_and(|c| c != ']')
                        {
                            chars.next();
                            out.push_str(r"\-");
                        }
                    }
                    None => {
                        out.push('\\');
                        out.push(escaped);
                    }
                }
            }
            '[' => {
                class_depth += 1;
                out.push(c);
                // A leading '^' and/or ']' are part of the class syntax, copy them as is.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn positive(members: &str, in_class: bool) -> String {
    if in_class {
        members.to_string()
    } else {
        format!("[{members}]")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn matches(java: &str, input: &str) -> bool {
        regex::Regex::new(&translate(java).unwrap())
            .unwrap()
            .is_match(input)
    }

    #[test]
    fn word_class_is_ascii() {
        assert_eq!(translate(r"[\w+=/]+").unwrap(), r"^(?:[0-9A-Za-z_+=/]+)$");
        assert_eq!(translate(r"\w+").unwrap(), r"^(?:[0-9A-Za-z_]+)$");
        assert!(matches(r"[\w-]+", "abc_-9"));
        assert!(!matches(r"[\w-]+", "é"));
    }

    #[test]
    fn negated_shorthand_inside_class_nests() {
        assert!(matches(r"[\S]+", "abc"));
        assert!(!matches(r"[\S]+", "a b"));
        assert!(matches(r"[\S]+", "é"));
    }

    #[test]
    fn hyphen_after_shorthand_is_literal() {
        assert_eq!(translate(r"[\w-x]").unwrap(), r"^(?:[0-9A-Za-z_\-x])$");
        assert_eq!(translate(r"[\s-a]").unwrap(), r"^(?:[\t\n\x0B\x0C\r \-a])$");
        assert!(matches(r"[\w-x]+", "a-x"));
        assert!(!matches(r"[\s-a]", "R"));
        assert!(matches("[A-Za-z0-9-_+/=.]+", "a-b_c+/=."));
    }

    #[test]
    fn look_behind_override() {
        let java = r"^[0-9A-Za-z\.\-_]*(?<!\.)$";
        assert!(matches(java, "a.b"));
        assert!(matches(java, ""));
        assert!(matches(java, "a-"));
        assert!(!matches(java, "ab."));
        assert!(!matches(java, "."));
        assert!(!matches(java, "a b"));
    }

    #[test]
    fn full_match() {
        assert!(matches("[0-9]+", "123"));
        assert!(!matches("[0-9]+", "123a"));
        assert!(!matches("Level[1-4]", "xLevel1"));
    }

    #[test]
    fn unsupported_constructs_are_rejected() {
        assert!(translate(r"(?<=a)b").is_err());
    }
}
