//! What branding may contain: the CSS of `SetUICustomization` and the images of both styles.
//!
//! The classic hosted UI's CSS is embedded in the pages Tessera serves, so it is checked
//! rather than trusted. Cognito allows only rules on its `-customizable` classes and refuses
//! "`@import`, `@supports`, `@page`, or `@media` statements, or Javascript" (developer guide,
//! "Customizing the classic hosted UI"). Beyond Cognito's list this refuses what could leave
//! the style element or load anything: `<`, backslash escapes (which can spell any of the
//! refused words), and `url(...)` other than `data:image/...`. Images are recognised by their
//! first bytes, never by what the caller says they are.

use crate::CoreError;

/// The classes (and states) Cognito lets the classic hosted UI's CSS style.
pub const ALLOWED_CLASSES: &[&str] = &[
    "background-customizable",
    "banner-customizable",
    "errorMessage-customizable",
    "idpButton-customizable",
    "idpButton-customizable:hover",
    "inputField-customizable",
    "inputField-customizable:focus",
    "label-customizable",
    "legalText-customizable",
    "logo-customizable",
    "submitButton-customizable",
    "submitButton-customizable:hover",
    "textDescription-customizable",
];

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::InvalidParameter(msg.into())
}

/// Text fragments refused anywhere in the CSS (compared in lower case), with the reason.
const REFUSED: &[(&str, &str)] = &[
    ("@import", "CSS cannot contain @import statements."),
    ("@media", "CSS cannot contain @media statements."),
    ("@page", "CSS cannot contain @page statements."),
    ("@supports", "CSS cannot contain @supports statements."),
    ("javascript:", "CSS cannot contain JavaScript."),
    ("vbscript:", "CSS cannot contain scripts."),
    ("expression(", "CSS cannot contain expression()."),
    ("-moz-binding", "CSS cannot contain -moz-binding."),
    ("behavior", "CSS cannot contain behavior properties."),
    ("</style", "CSS cannot contain </style."),
    ("<", "CSS cannot contain '<'."),
    ("\\", "CSS cannot contain backslash escapes."),
    (
        "image-set(",
        "CSS cannot contain image-set(); use url() with a data:image URL.",
    ),
];

/// `text` with each `/* ... */` comment replaced by `sep`.
fn strip_comments(text: &str, sep: &str) -> Result<String, CoreError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("*/")
            .ok_or_else(|| invalid("CSS has an unterminated comment."))?;
        out.push_str(sep);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn check_refused(lower: &str) -> Result<(), CoreError> {
    for (needle, why) in REFUSED {
        if lower.contains(needle) {
            return Err(invalid(*why));
        }
    }
    Ok(())
}

/// Every `url(` / `src(` must name a `data:image/` URL.
fn check_urls(lower: &str) -> Result<(), CoreError> {
    for func in ["url(", "src("] {
        let mut rest = lower;
        while let Some(at) = rest.find(func) {
            let arg = rest[at + func.len()..].trim_start();
            let arg = arg.strip_prefix(['"', '\'']).unwrap_or(arg).trim_start();
            if !arg.starts_with("data:image/") {
                return Err(invalid(
                    "CSS url() may only contain a data:image URL; Tessera does not load resources from elsewhere.",
                ));
            }
            rest = &rest[at + func.len()..];
        }
    }
    Ok(())
}

fn check_selectors(selectors: &str) -> Result<(), CoreError> {
    for sel in selectors.split(',') {
        let sel = sel.trim();
        let allowed = sel
            .strip_prefix('.')
            .is_some_and(|class| ALLOWED_CLASSES.contains(&class));
        if !allowed {
            return Err(invalid(format!(
                "CSS selector '{sel}' is not allowed. Only these classes can be customized: {}.",
                ALLOWED_CLASSES.join(", ")
            )));
        }
    }
    Ok(())
}

/// `body` split at the semicolons that are outside quotes and parentheses (a `data:` URL
/// has one).
fn split_declarations(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quote, mut depth, mut start) = (None, 0usize, 0);
    for (i, ch) in body.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

fn check_declarations(body: &str) -> Result<(), CoreError> {
    for decl in split_declarations(body) {
        let decl = decl.trim();
        if decl.is_empty() {
            continue;
        }
        let (prop, value) = decl
            .split_once(':')
            .ok_or_else(|| invalid(format!("CSS declaration '{decl}' has no value.")))?;
        let prop = prop.trim();
        if prop.is_empty() || !prop.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            return Err(invalid(format!("CSS property '{prop}' is not valid.")));
        }
        if value.trim().is_empty() {
            return Err(invalid(format!("CSS property '{prop}' has no value.")));
        }
    }
    Ok(())
}

/// Checks the CSS of a UI customization; the CSS is then stored and served as given.
pub fn check_css(css: &str) -> Result<(), CoreError> {
    check_refused(&css.to_ascii_lowercase())?;
    // Some engines ignored comments inside words (`expr/**/ession(`): check the text with the
    // comments dropped too. For parsing, a comment separates tokens, as CSS says.
    check_refused(&strip_comments(css, "")?.to_ascii_lowercase())?;
    let stripped = strip_comments(css, " ")?;
    let lower = stripped.to_ascii_lowercase();
    if lower.contains('@') {
        return Err(invalid("CSS cannot contain at-rules."));
    }
    check_urls(&lower)?;
    let mut rest = stripped.as_str();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(());
        }
        let open = rest
            .find('{')
            .ok_or_else(|| invalid("CSS is malformed: a selector has no { } block."))?;
        let selectors = &rest[..open];
        if selectors.contains('}') {
            return Err(invalid("CSS is malformed: unbalanced }."));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| invalid("CSS is malformed: a block is not closed."))?;
        let body = &after[..close];
        if body.contains('{') {
            return Err(invalid("CSS is malformed: blocks cannot be nested."));
        }
        check_selectors(selectors)?;
        check_declarations(body)?;
        rest = &after[close + 1..];
    }
}

/// The image formats branding accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Svg,
    Ico,
    Webp,
}

impl ImageKind {
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Svg => "image/svg+xml",
            ImageKind::Ico => "image/x-icon",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The `Extension` of an `AssetType` naming this format.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
            ImageKind::Svg => "SVG",
            ImageKind::Ico => "ICO",
            ImageKind::Webp => "WEBP",
        }
    }
}

/// The format of an image, from its first bytes; `None` for anything else.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageKind::Jpeg);
    }
    if bytes.starts_with(&[0, 0, 1, 0]) {
        return Some(ImageKind::Ico);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(ImageKind::Webp);
    }
    // SVG is XML text: an optional BOM, prolog, comments or doctype, then `<svg`.
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') && text.to_ascii_lowercase().contains("<svg") {
        return Some(ImageKind::Svg);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(css: &str) -> String {
        match check_css(css) {
            Err(CoreError::InvalidParameter(m)) => m,
            // Markers no expected message contains, so the assertion fails.
            Ok(()) => "ACCEPTED".into(),
            Err(_) => "ANOTHER ERROR".into(),
        }
    }

    #[test]
    fn accepts_the_customizable_classes() {
        let css = "/* brand */\n.logo-customizable { max-width: 60%; max-height: 30%; }\n\
                   .banner-customizable, .background-customizable { background-color: #fafafa; padding: 25px 0 }\n\
                   .submitButton-customizable:hover { background-color: rgb(0, 90, 160); }\n\
                   .inputField-customizable:focus{border-color:#333}\n";
        assert!(check_css(css).is_ok());
        assert!(check_css("").is_ok());
        let data = ".banner-customizable { background-image: url(\"data:image/png;base64,iVBORw0KGgo=\"); }";
        assert!(check_css(data).is_ok());
        let bare = ".logo-customizable { background: url(data:image/png;base64,AA==) no-repeat; width: 1px }";
        assert!(check_css(bare).is_ok());
    }

    #[test]
    fn refuses_other_selectors() {
        assert!(refused("body { color: red; }").contains("'body'"));
        assert!(refused(".logo-customizable img { x: y }").contains("not allowed"));
        assert!(refused(".label-customizable:hover { color: red }").contains("not allowed"));
        assert!(refused(".logo-customizable, div { color: red }").contains("'div'"));
    }

    #[test]
    fn refuses_at_rules_and_script() {
        assert!(refused("@import url(data:image/png;base64,x);").contains("@import"));
        assert!(refused("@MEDIA screen { .logo-customizable { width: 1px } }").contains("@media"));
        assert!(refused("@page { margin: 0 }").contains("@page"));
        assert!(refused("@supports (display: grid) {}").contains("@supports"));
        assert!(refused("@font-face { font-family: x }").contains("at-rules"));
        assert!(
            refused(".logo-customizable { background: url(javascript:alert(1)) }")
                .contains("JavaScript")
        );
        assert!(
            refused(".logo-customizable { width: expression(alert(1)) }").contains("expression")
        );
        assert!(
            refused(".logo-customizable { width: expr/**/ession(alert(1)) }")
                .contains("expression")
        );
        assert!(refused(".logo-customizable { } </style><script>").contains("</style"));
        assert!(refused(".logo-customizable { color: \\72 ed }").contains("backslash"));
        assert!(refused(".logo-customizable { -moz-binding: x }").contains("-moz-binding"));
    }

    #[test]
    fn refuses_urls_that_load_anything() {
        for css in [
            ".logo-customizable { background: url(https://evil.test/x.png) }",
            ".logo-customizable { background: url( 'http://evil.test/x.png' ) }",
            ".logo-customizable { background: URL(//evil.test/x.png) }",
            ".logo-customizable { background: url(data:text/html,hi) }",
        ] {
            assert!(refused(css).contains("data:image"), "{css}");
        }
    }

    #[test]
    fn refuses_malformed_css() {
        assert!(refused(".logo-customizable { color: red").contains("not closed"));
        assert!(refused(".logo-customizable color: red }").contains("block"));
        assert!(refused("} .logo-customizable { }").contains("unbalanced"));
        assert!(refused(".logo-customizable { a { b: c } }").contains("nested"));
        assert!(refused(".logo-customizable { color }").contains("no value"));
        assert!(refused(".logo-customizable { /* open").contains("comment"));
    }

    #[test]
    fn sniffs_images() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some(ImageKind::Png));
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            sniff_image(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some(ImageKind::Svg)
        );
        assert_eq!(
            sniff_image(b"\xef\xbb\xbf  <svg></svg>"),
            Some(ImageKind::Svg)
        );
        assert_eq!(sniff_image(&[0, 0, 1, 0, 1, 0]), Some(ImageKind::Ico));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageKind::Webp));
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"<html><body>svg</body></html>"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
