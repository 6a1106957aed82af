//! ProviderDetails: what each ProviderType needs, checked as Cognito checks it, and what
//! Cognito fills in (the API reference, CreateIdentityProvider's ProviderDetails; the
//! endpoints Cognito shows in DescribeIdentityProvider for its social providers).
//!
//! The social providers' endpoints can be replaced by configuration
//! (`[[federation_endpoint]]`), for private deployments and for tests without the internet.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Upstream;
use crate::CoreError;

pub const OIDC: &str = "OIDC";
pub const SAML: &str = "SAML";
pub const GOOGLE: &str = "Google";
pub const FACEBOOK: &str = "Facebook";
pub const AMAZON: &str = "LoginWithAmazon";
pub const APPLE: &str = "SignInWithApple";

/// Keys whose values are secrets: sealed at rest.
pub const SECRET_KEYS: &[&str] = &["client_secret", "private_key"];

/// What Cognito fills in for Google (DescribeIdentityProvider's example), and the keys
/// its ID tokens are checked with.
const GOOGLE_DEFAULTS: &[(&str, &str)] = &[
    (
        "attributes_url",
        "https://people.googleapis.com/v1/people/me?personFields=",
    ),
    ("attributes_url_add_attributes", "true"),
    (
        "authorize_url",
        "https://accounts.google.com/o/oauth2/v2/auth",
    ),
    ("oidc_issuer", "https://accounts.google.com"),
    ("token_request_method", "POST"),
    ("token_url", "https://www.googleapis.com/oauth2/v4/token"),
    ("jwks_uri", "https://www.googleapis.com/oauth2/v3/certs"),
];
const AMAZON_DEFAULTS: &[(&str, &str)] = &[
    ("attributes_url", "https://api.amazon.com/user/profile"),
    ("attributes_url_add_attributes", "false"),
    ("authorize_url", "https://www.amazon.com/ap/oa"),
    ("token_request_method", "POST"),
    ("token_url", "https://api.amazon.com/auth/o2/token"),
];
const APPLE_DEFAULTS: &[(&str, &str)] = &[
    ("attributes_url_add_attributes", "false"),
    ("authorize_url", "https://appleid.apple.com/auth/authorize"),
    ("oidc_issuer", "https://appleid.apple.com"),
    ("token_request_method", "POST"),
    ("token_url", "https://appleid.apple.com/auth/token"),
    ("jwks_uri", "https://appleid.apple.com/auth/keys"),
];

/// The Facebook Graph API version Cognito uses when none is given.
const FACEBOOK_DEFAULT_VERSION: &str = "v17.0";

/// Endpoints that replace a social provider's public ones (`[[federation_endpoint]]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointOverride {
    /// Google, Facebook, LoginWithAmazon or SignInWithApple.
    pub provider_type: String,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub attributes_url: Option<String>,
    /// Google's and Apple's token issuer.
    pub oidc_issuer: Option<String>,
    /// Google's and Apple's keys.
    pub jwks_uri: Option<String>,
}

/// What the flow needs besides what Describe shows: the upstream's keys and how its token
/// endpoint takes the client's credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hidden {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// `client_secret_basic` or `client_secret_post`, from the discovery document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_auth: Option<String>,
    /// SAML: the IdP's entity id (the assertions' Issuer), from its metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml_entity_id: Option<String>,
    /// SAML: the IdP's signing certificates (base64 DER), from its metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saml_certificates: Vec<String>,
    /// SAML with a MetadataURL: when the metadata was last read (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml_metadata_ms: Option<i64>,
}

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::InvalidParameter(msg.into())
}

fn required(details: &BTreeMap<String, String>, keys: &[&str]) -> Result<(), CoreError> {
    for k in keys {
        if details.get(*k).is_none_or(|v| v.trim().is_empty()) {
            return Err(invalid(format!("{k} is required in ProviderDetails.")));
        }
    }
    Ok(())
}

fn only(details: &BTreeMap<String, String>, allowed: &[&str]) -> Result<(), CoreError> {
    for k in details.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(invalid(format!(
                "{k} is not a valid key in ProviderDetails."
            )));
        }
    }
    Ok(())
}

/// An `http(s)` URL (plain http only for loopback hosts, as for callback URLs).
pub fn check_url(key: &str, url: &str) -> Result<(), CoreError> {
    let bad = || invalid(format!("{key} {url} is not a valid URL."));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    match scheme {
        "https" => Ok(()),
        "http" if matches!(name, "localhost" | "127.0.0.1" | "[::1]") => Ok(()),
        _ => Err(invalid(format!("{key} {url} must be an https URL."))),
    }
}

fn set(details: &mut BTreeMap<String, String>, key: &str, value: &str) {
    details.insert(key.to_string(), value.to_string());
}

/// Checks `details` for `provider_type` and completes them as Cognito does; the hidden
/// part goes beside them. OIDC endpoints not given are read from the issuer's discovery
/// document.
pub async fn complete(
    provider_type: &str,
    input: &HashMap<String, String>,
    overrides: &[EndpointOverride],
    upstream: &dyn Upstream,
) -> Result<(BTreeMap<String, String>, Hidden), CoreError> {
    let mut d: BTreeMap<String, String> = input
        .iter()
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    let mut hidden = Hidden::default();
    let over = overrides.iter().find(|o| o.provider_type == provider_type);
    // A social provider's endpoint: the configured one, else Cognito's.
    let pick = |key: &str, default: &str| -> String {
        over.and_then(|o| match key {
            "authorize_url" => o.authorize_url.clone(),
            "token_url" => o.token_url.clone(),
            "attributes_url" => o.attributes_url.clone(),
            "oidc_issuer" => o.oidc_issuer.clone(),
            "jwks_uri" => o.jwks_uri.clone(),
            _ => None,
        })
        .unwrap_or_else(|| default.to_string())
    };
    let mut fill = |d: &mut BTreeMap<String, String>, defaults: &[(&str, &str)]| {
        for (key, default) in defaults {
            let value = match *key {
                "attributes_url_add_attributes" | "token_request_method" => default.to_string(),
                k => pick(k, default),
            };
            if *key == "jwks_uri" {
                hidden.jwks_uri = Some(value);
            } else {
                set(d, key, &value);
            }
        }
    };
    match provider_type {
        GOOGLE | AMAZON => {
            only(&d, &["client_id", "client_secret", "authorize_scopes"])?;
            required(&d, &["client_id", "client_secret", "authorize_scopes"])?;
            fill(
                &mut d,
                if provider_type == GOOGLE {
                    GOOGLE_DEFAULTS
                } else {
                    AMAZON_DEFAULTS
                },
            );
            hidden.token_auth = Some("client_secret_post".into());
        }
        FACEBOOK => {
            only(
                &d,
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    "api_version",
                ],
            )?;
            required(&d, &["client_id", "client_secret", "authorize_scopes"])?;
            let version = d
                .get("api_version")
                .cloned()
                .unwrap_or_else(|| FACEBOOK_DEFAULT_VERSION.to_string());
            let digits = version.strip_prefix('v').unwrap_or_default();
            if digits.split('.').count() != 2
                || !digits
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(invalid(format!(
                    "api_version {version} is not a valid Facebook API version."
                )));
            }
            set(&mut d, "api_version", &version);
            let urls = [
                (
                    "attributes_url",
                    format!("https://graph.facebook.com/{version}/me?fields="),
                ),
                (
                    "authorize_url",
                    format!("https://www.facebook.com/{version}/dialog/oauth"),
                ),
                (
                    "token_url",
                    format!("https://graph.facebook.com/{version}/oauth/access_token"),
                ),
            ];
            let defaults: Vec<(&str, &str)> = urls
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .chain([
                    ("attributes_url_add_attributes", "true"),
                    ("token_request_method", "GET"),
                ])
                .collect();
            fill(&mut d, &defaults);
        }
        APPLE => {
            only(
                &d,
                &[
                    "client_id",
                    "team_id",
                    "key_id",
                    "private_key",
                    "authorize_scopes",
                ],
            )?;
            required(&d, &["client_id", "team_id", "key_id", "private_key"])?;
            if super::oidc::apple_key(d.get("private_key").map_or("", String::as_str)).is_none() {
                return Err(invalid(
                    "private_key is not a valid PKCS #8 EC private key (the .p8 file Apple issues).",
                ));
            }
            fill(&mut d, APPLE_DEFAULTS);
            hidden.token_auth = Some("client_secret_post".into());
        }
        OIDC => {
            only(
                &d,
                &[
                    "client_id",
                    "client_secret",
                    "attributes_request_method",
                    "oidc_issuer",
                    "authorize_scopes",
                    "authorize_url",
                    "token_url",
                    "attributes_url",
                    "jwks_uri",
                    "attributes_url_add_attributes",
                ],
            )?;
            required(
                &d,
                &[
                    "client_id",
                    "attributes_request_method",
                    "oidc_issuer",
                    "authorize_scopes",
                ],
            )?;
            let method = d
                .get("attributes_request_method")
                .map_or("", String::as_str);
            if method != "GET" && method != "POST" {
                return Err(invalid("attributes_request_method must be GET or POST."));
            }
            if !d["authorize_scopes"].split(' ').any(|s| s == "openid") {
                return Err(invalid("authorize_scopes must include openid."));
            }
            let issuer = d["oidc_issuer"].trim_end_matches('/').to_string();
            check_url("oidc_issuer", &issuer)?;
            let given = ["authorize_url", "token_url", "attributes_url", "jwks_uri"]
                .iter()
                .all(|k| d.contains_key(*k));
            if !given {
                let discovery = discover(&issuer, upstream).await?;
                for (ours, theirs) in [
                    ("authorize_url", "authorization_endpoint"),
                    ("token_url", "token_endpoint"),
                    ("attributes_url", "userinfo_endpoint"),
                    ("jwks_uri", "jwks_uri"),
                ] {
                    if !d.contains_key(ours)
                        && let Some(v) = discovery.get(theirs).and_then(Value::as_str)
                    {
                        set(&mut d, ours, v);
                    }
                }
                let methods: Vec<&str> = discovery
                    .get("token_endpoint_auth_methods_supported")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                // Cognito sends client_secret_post (developer guide, "OIDC IdP"); an issuer
                // that names only client_secret_basic gets that instead.
                hidden.token_auth = Some(
                    if methods.contains(&"client_secret_basic")
                        && !methods.contains(&"client_secret_post")
                    {
                        "client_secret_basic"
                    } else {
                        "client_secret_post"
                    }
                    .into(),
                );
            }
            for k in ["authorize_url", "token_url", "jwks_uri"] {
                let v = d.get(k).cloned().ok_or_else(|| {
                    invalid(format!("{k} is required in ProviderDetails: the issuer's discovery document does not name it."))
                })?;
                check_url(k, &v)?;
            }
            if let Some(v) = d.get("attributes_url") {
                check_url("attributes_url", v)?;
            }
            hidden.jwks_uri = d.get("jwks_uri").cloned();
            d.entry("attributes_url_add_attributes".into())
                .or_insert_with(|| "false".into());
        }
        SAML => {
            // What Describe shows is filled in again (a Describe fed back to Update works).
            for derived in [
                "SSORedirectBindingURI",
                "SLORedirectBindingURI",
                "ActiveEncryptionCertificate",
            ] {
                d.remove(derived);
            }
            only(
                &d,
                &[
                    "MetadataFile",
                    "MetadataURL",
                    "IDPSignout",
                    "IDPInit",
                    "EncryptedResponses",
                    "RequestSigningAlgorithm",
                ],
            )?;
            for flag in ["IDPSignout", "IDPInit", "EncryptedResponses"] {
                if d.get(flag).is_some_and(|v| v != "true" && v != "false") {
                    return Err(invalid(format!("{flag} must be true or false.")));
                }
            }
            if d.get("RequestSigningAlgorithm")
                .is_some_and(|v| v != "rsa-sha256")
            {
                return Err(invalid("RequestSigningAlgorithm only accepts rsa-sha256."));
            }
            let xml = match (d.get("MetadataFile"), d.get("MetadataURL")) {
                (Some(file), None) => file.clone(),
                (None, Some(url)) => {
                    check_url("MetadataURL", url)?;
                    upstream.get(url, None).await.map_err(|e| {
                        tracing::warn!(url = %url, error = %e, "SAML metadata could not be read");
                        invalid(format!("Could not retrieve metadata from {url}."))
                    })?
                }
                _ => {
                    return Err(invalid(
                        "Exactly one of MetadataFile or MetadataURL is required in ProviderDetails.",
                    ));
                }
            };
            let m = super::saml::parse_metadata(&xml)
                .map_err(|e| invalid(format!("Error parsing the SAML metadata: {e}.")))?;
            check_url("SSORedirectBindingURI", &m.sso_redirect)?;
            set(&mut d, "SSORedirectBindingURI", &m.sso_redirect);
            if let Some(slo) = &m.slo_redirect {
                set(&mut d, "SLORedirectBindingURI", slo);
            }
            hidden.saml_entity_id = Some(m.entity_id);
            hidden.saml_certificates = m
                .certificates
                .iter()
                .map(|c| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, c))
                .collect();
        }
        other => {
            return Err(invalid(format!("{other} is not a valid ProviderType.")));
        }
    }
    // Facebook's scopes are separated by commas, the others' by spaces.
    if let Some(scopes) = d.get("authorize_scopes")
        && provider_type != FACEBOOK
        && scopes.split(' ').any(str::is_empty)
    {
        return Err(invalid(
            "authorize_scopes must be scopes separated by single spaces.",
        ));
    }
    Ok((d, hidden))
}

/// The issuer's OpenID Provider metadata, whose `issuer` must be the issuer itself.
async fn discover(issuer: &str, upstream: &dyn Upstream) -> Result<Value, CoreError> {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let failed = || {
        invalid(format!(
            "Unable to contact well-known endpoint of the OIDC issuer {issuer}."
        ))
    };
    let body = upstream.get(&url, None).await.map_err(|e| {
        tracing::warn!(issuer, error = %e, "OIDC discovery failed");
        failed()
    })?;
    discovery_document(issuer, &body)
}

/// Reads OpenID Provider metadata, whose `issuer` must be `issuer` (a trailing slash aside).
fn discovery_document(issuer: &str, body: &str) -> Result<Value, CoreError> {
    let doc: Value = serde_json::from_str(body).map_err(|_| {
        invalid(format!(
            "Unable to contact well-known endpoint of the OIDC issuer {issuer}."
        ))
    })?;
    let named = doc
        .get("issuer")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if named.trim_end_matches('/') != issuer {
        return Err(invalid(format!(
            "The issuer {named} in the discovery document does not match oidc_issuer {issuer}."
        )));
    }
    Ok(doc)
}

/// Fuzzing (`federation` target): any text as an OpenID Provider's discovery document. An
/// accepted one names the issuer it was fetched for.
pub(super) fn fuzz(text: &str) {
    const ISSUER: &str = "https://op.example.com";
    if let Ok(doc) = discovery_document(ISSUER, text) {
        let named = doc
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert_eq!(
            named.trim_end_matches('/'),
            ISSUER,
            "another issuer's metadata accepted"
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::federation::NoUpstream;

    fn input(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    async fn run(
        ty: &str,
        pairs: &[(&str, &str)],
        over: &[EndpointOverride],
    ) -> Result<(BTreeMap<String, String>, Hidden), CoreError> {
        complete(ty, &input(pairs), over, &NoUpstream).await
    }

    #[tokio::test]
    async fn social_providers_get_cognitos_endpoints() {
        let creds = [
            ("client_id", "id"),
            ("client_secret", "s"),
            ("authorize_scopes", "public_profile, email"),
        ];
        let (d, _) = run(FACEBOOK, &creds, &[]).await.unwrap();
        assert_eq!(d["api_version"], "v17.0");
        assert_eq!(
            d["token_url"],
            "https://graph.facebook.com/v17.0/oauth/access_token"
        );
        assert_eq!(
            d["authorize_url"],
            "https://www.facebook.com/v17.0/dialog/oauth"
        );
        assert_eq!(d["token_request_method"], "GET");
        let mut v = creds.to_vec();
        v.push(("api_version", "17"));
        assert!(run(FACEBOOK, &v, &[]).await.is_err());

        let (d, h) = run(AMAZON, &creds, &[]).await.unwrap();
        assert_eq!(d["attributes_url"], "https://api.amazon.com/user/profile");
        assert_eq!(d["attributes_url_add_attributes"], "false");
        assert_eq!(h.token_auth.as_deref(), Some("client_secret_post"));

        let over = EndpointOverride {
            provider_type: GOOGLE.into(),
            token_url: Some("http://127.0.0.1:1/token".into()),
            jwks_uri: Some("http://127.0.0.1:1/jwks".into()),
            ..Default::default()
        };
        let (d, h) = run(GOOGLE, &creds, &[over]).await.unwrap();
        assert_eq!(d["token_url"], "http://127.0.0.1:1/token");
        assert_eq!(
            d["authorize_url"],
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(h.jwks_uri.as_deref(), Some("http://127.0.0.1:1/jwks"));
        assert!(
            !d.contains_key("jwks_uri"),
            "Describe does not show Google's keys"
        );

        // Unknown and missing keys.
        assert!(run(GOOGLE, &[("client_id", "id")], &[]).await.is_err());
        let mut extra = creds.to_vec();
        extra.push(("team_id", "T"));
        assert!(run(GOOGLE, &extra, &[]).await.is_err());
    }

    #[tokio::test]
    async fn apple_needs_a_real_p8_key() {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let doc = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, doc.as_ref())
        );
        let good = [
            ("client_id", "com.example.web"),
            ("team_id", "TEAM123456"),
            ("key_id", "KEY1234567"),
            ("private_key", pem.as_str()),
            ("authorize_scopes", "email name"),
        ];
        let (d, h) = run(APPLE, &good, &[]).await.unwrap();
        assert_eq!(d["oidc_issuer"], "https://appleid.apple.com");
        assert_eq!(
            h.jwks_uri.as_deref(),
            Some("https://appleid.apple.com/auth/keys")
        );
        let mut bad = good.to_vec();
        bad[3] = ("private_key", "not a key");
        assert!(run(APPLE, &bad, &[]).await.is_err());
    }

    #[tokio::test]
    async fn oidc_without_discovery_needs_its_endpoints() {
        let base = [
            ("client_id", "id"),
            ("attributes_request_method", "GET"),
            ("oidc_issuer", "https://idp.example"),
            ("authorize_scopes", "openid email"),
        ];
        // Nothing reachable: discovery fails.
        assert!(run(OIDC, &base, &[]).await.is_err());
        let mut given = base.to_vec();
        given.extend([
            ("authorize_url", "https://idp.example/auth"),
            ("token_url", "https://idp.example/token"),
            ("attributes_url", "https://idp.example/me"),
            ("jwks_uri", "https://idp.example/jwks"),
        ]);
        let (d, h) = run(OIDC, &given, &[]).await.unwrap();
        assert_eq!(d["attributes_url_add_attributes"], "false");
        assert_eq!(h.jwks_uri.as_deref(), Some("https://idp.example/jwks"));
        let mut plain = given.clone();
        plain[5] = ("token_url", "http://idp.example/token");
        assert!(
            run(OIDC, &plain, &[]).await.is_err(),
            "https only off loopback"
        );
        let mut no_openid = given.clone();
        no_openid[3] = ("authorize_scopes", "email");
        assert!(run(OIDC, &no_openid, &[]).await.is_err());
    }
}
