//! The authorization-code flow to an upstream provider (developer guide, "OIDC user pool
//! IdP authentication flow", "Social IdPs"): `/oauth2/authorize?identity_provider=…` sends
//! the browser to the upstream with a sealed `state`, a `nonce` and a PKCE challenge;
//! `/oauth2/idpresponse` takes the state once, exchanges the code (client_secret_post, or
//! HTTP Basic for an issuer that names only that; Apple's client secret is an ES256 JWT),
//! verifies the upstream's ID token (signature against its JWKS, iss, aud, exp, nonce),
//! reads the user's attributes from its userInfo endpoint, and signs the federated user
//! in to the pool's hosted session.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::details::{AMAZON, APPLE, FACEBOOK, GOOGLE, OIDC};
use super::providers::Provider;
use super::{ClientAuth, UpstreamError};
use crate::oauth::domains::DomainRoute;
use crate::oauth::flow::{
    Authorization, AuthorizeError, AuthorizeParams, HostedSession, with_params,
};
use crate::sealing::Purpose;
use crate::{CoreError, Tessera};

/// How long a trip to the upstream may take (Cognito cancels after five minutes).
pub const STATE_TTL_MS: i64 = 5 * 60_000;

/// The page for an upstream answer brought by a browser that did not start the sign-in.
pub(super) const BINDING_MISSING: &str =
    "Invalid state: this sign-in was not started in this browser. Start it again.";

/// What travels through the upstream in `state`, sealed.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct UpstreamState {
    /// Single-use id.
    pub(super) i: String,
    /// The provider's name.
    pub(super) ip: String,
    /// The client's authorization request.
    pub(super) a: AuthorizeParams,
    /// The nonce sent upstream (SAML: the AuthnRequest's ID).
    pub(super) n: String,
    /// The PKCE verifier.
    pub(super) v: String,
    /// Expiry, ms since the epoch.
    pub(super) x: i64,
    /// The digest of the browser binding: the value of the short-lived cookie the browser
    /// that started the sign-in holds (OAuth 2.0 Security BCP §4.7; a logout trip has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) b: Option<String>,
}

/// The digest of a browser binding as the sealed state carries it.
fn binding_digest(binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        binding.as_bytes(),
    ))
}

/// Whether the answer came back to the browser that started the trip: the state names a
/// binding and the browser's cookie is its preimage.
pub(super) fn bound_to(st: &UpstreamState, binding: Option<&str>) -> bool {
    match (st.b.as_deref(), binding) {
        (Some(want), Some(have)) if !have.is_empty() => {
            aws_lc_rs::constant_time::verify_slices_are_equal(
                want.as_bytes(),
                binding_digest(have).as_bytes(),
            )
            .is_ok()
        }
        _ => false,
    }
}

/// The Sign in with Apple key (the `.p8` file: PKCS #8, P-256), PEM or bare base64.
pub(crate) fn apple_key(pem: &str) -> Option<aws_lc_rs::signature::EcdsaKeyPair> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD.decode(b64).ok()?;
    aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &der,
    )
    .ok()
}

/// Whether the provider answers with an OpenID Connect ID token.
fn has_id_token(provider_type: &str) -> bool {
    matches!(provider_type, OIDC | GOOGLE | APPLE)
}

/// A redirect back to the client with `error` and `error_description` (Cognito's form for
/// federation failures, developer guide "Authorize endpoint").
pub(super) fn back(a: &Authorization, error: &str, description: &str) -> AuthorizeError {
    let mut params = vec![("error_description", description), ("error", error)];
    if let Some(s) = a.state.as_deref() {
        params.push(("state", s));
    }
    AuthorizeError::Redirect(with_params(
        &a.redirect_uri,
        &params,
        a.response_type == crate::oauth::flow::ResponseType::Token,
    ))
}

pub(super) fn page(description: &str) -> AuthorizeError {
    AuthorizeError::Page {
        error: "invalid_request".into(),
        description: description.into(),
    }
}

impl Tessera {
    fn apple_client_secret(&self, p: &Provider) -> Option<String> {
        let key = apple_key(p.detail("private_key")?)?;
        let now = self.clock.now_secs();
        let header = json!({ "alg": "ES256", "kid": p.detail("key_id")? });
        let claims = json!({
            "iss": p.detail("team_id")?,
            "iat": now,
            "exp": now + 300,
            "aud": p.detail("oidc_issuer").unwrap_or("https://appleid.apple.com"),
            "sub": p.detail("client_id")?,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let sig = key.sign(&rng, input.as_bytes()).ok()?;
        Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }

    /// A new trip upstream for `params` through `provider`: random single-use id, nonce
    /// and PKCE verifier, five minutes.
    pub(super) fn new_upstream_state(
        &self,
        provider: &Provider,
        params: &AuthorizeParams,
    ) -> UpstreamState {
        let mut id = [0u8; 16];
        self.rng.fill(&mut id);
        let mut nonce = [0u8; 24];
        self.rng.fill(&mut nonce);
        let mut verifier = [0u8; 32];
        self.rng.fill(&mut verifier);
        UpstreamState {
            i: URL_SAFE_NO_PAD.encode(id),
            ip: provider.name.clone(),
            a: params.clone(),
            n: URL_SAFE_NO_PAD.encode(nonce),
            v: URL_SAFE_NO_PAD.encode(verifier),
            x: self.clock.now_millis() + STATE_TTL_MS,
            b: None,
        }
    }

    /// A new trip upstream bound to the browser holding `binding` (see [`bound_to`]).
    pub(super) fn new_bound_state(
        &self,
        provider: &Provider,
        params: &AuthorizeParams,
        binding: &str,
    ) -> UpstreamState {
        let mut st = self.new_upstream_state(provider, params);
        st.b = Some(binding_digest(binding));
        st
    }

    /// The state, sealed with the server key (the `state` or `RelayState` sent upstream).
    pub(super) fn seal_upstream_state(&self, st: &UpstreamState) -> Result<String, CoreError> {
        let plain =
            serde_json::to_vec(st).map_err(|_| CoreError::InvalidParameter("state".into()))?;
        Ok(URL_SAFE_NO_PAD.encode(self.sealer.seal(
            Purpose::HostedSession,
            b"upstream state",
            &plain,
            self.rng.as_ref(),
        )))
    }

    /// A state this server sealed and that has not expired.
    pub(super) fn open_upstream_state(&self, sealed: &str) -> Option<UpstreamState> {
        let sealed = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let plain = self
            .sealer
            .open(Purpose::HostedSession, b"upstream state", &sealed)
            .ok()?;
        let st: UpstreamState = serde_json::from_slice(&plain).ok()?;
        (st.x > self.clock.now_millis()).then_some(st)
    }

    /// Where `/oauth2/authorize` sends the browser for a request naming an upstream
    /// provider; `callback` is this domain's `/oauth2/idpresponse` (for SAML,
    /// `/saml2/idpresponse`). `binding` is the value of the browser's short-lived binding
    /// cookie: the answer is taken only from a browser that holds it.
    pub async fn upstream_authorize_url(
        &self,
        provider: &Provider,
        params: &AuthorizeParams,
        callback: &str,
        binding: &str,
    ) -> Result<String, CoreError> {
        if provider.provider_type == super::details::SAML {
            return self
                .saml_authorize_url(provider, params, callback, binding)
                .await;
        }
        let st = self.new_bound_state(provider, params, binding);
        let state = self.seal_upstream_state(&st)?;
        let challenge = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            st.v.as_bytes(),
        ));
        let authorize = provider.detail("authorize_url").ok_or_else(|| {
            CoreError::InvalidParameter("The identity provider has no authorize_url.".into())
        })?;
        let scopes = provider.detail("authorize_scopes").unwrap_or("openid");
        let mut q: Vec<(&str, &str)> = vec![
            (
                "client_id",
                provider.detail("client_id").unwrap_or_default(),
            ),
            ("redirect_uri", callback),
            ("response_type", "code"),
            ("scope", scopes),
            ("state", &state),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        if has_id_token(&provider.provider_type) {
            q.push(("nonce", &st.n));
        }
        // Apple returns the user's name and email only in a form post.
        if provider.provider_type == APPLE && scopes.split(' ').any(|s| s == "name" || s == "email")
        {
            q.push(("response_mode", "form_post"));
        }
        Ok(with_params(authorize, &q, false))
    }

    /// `/oauth2/idpresponse`: the upstream's answer. `Ok` is the checked authorization and
    /// the hosted session of the user it signed in; errors are a page (a state that is not
    /// ours, expired, used, or brought by a browser without the trip's `binding` cookie) or a
    /// redirect to the client.
    pub async fn finish_upstream(
        &self,
        route: &DomainRoute,
        form: &std::collections::HashMap<String, String>,
        callback: &str,
        binding: Option<&str>,
    ) -> Result<(Authorization, HostedSession), AuthorizeError> {
        let st = form
            .get("state")
            .and_then(|s| self.open_upstream_state(s))
            .ok_or_else(|| page("Invalid state"))?;
        // Another browser's answer (login CSRF) is refused before anything is spent.
        if !bound_to(&st, binding) {
            return Err(page(BINDING_MISSING));
        }
        let a = self.check_authorize(route, &st.a).await?;
        // One use: a replayed answer finds its state spent, before any upstream call.
        match self
            .use_once(&a.pool.id, format!("upstream:{}", st.i), st.x)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(page("Invalid state")),
            Err(_) => return Err(back(&a, "server_error", "Try again later.")),
        }
        if let Some(e) = form.get("error") {
            let d = form
                .get("error_description")
                .map_or(e.as_str(), String::as_str);
            return Err(back(&a, e, d));
        }
        let provider = match self.identity_provider(&a.pool.id, &st.ip).await {
            Ok(Some(p)) => p,
            _ => {
                return Err(back(
                    &a,
                    "invalid_request",
                    "The identity provider no longer exists.",
                ));
            }
        };
        let code = form
            .get("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| back(&a, "invalid_request", "The identity provider sent no code."))?;
        let claims = self
            .upstream_claims(&provider, code, &st, callback, form.get("user"))
            .await
            .map_err(|e| {
                tracing::warn!(provider = %provider.name, error = %e, "federated sign-in failed");
                match e {
                    FederationFailure::Token(status) => back(
                        &a,
                        "invalid_request",
                        &format!("{} Error - {status} error getting token", provider.name),
                    ),
                    FederationFailure::IdToken => back(
                        &a,
                        "invalid_request",
                        "Invalid id_token from identity provider.",
                    ),
                    FederationFailure::Attributes => back(
                        &a,
                        "invalid_request",
                        "Error getting attributes from identity provider.",
                    ),
                }
            })?;
        let user = self
            .federated_user(&a.pool, &a.client.client_id, &provider, &claims)
            .await
            .map_err(|e| match e {
                CoreError::Storage(_) => back(&a, "server_error", "Try again later."),
                e => back(&a, "invalid_request", &e.to_string()),
            })?;
        if !user.enabled {
            return Err(back(&a, "invalid_request", "User is disabled."));
        }
        let session = self.new_hosted_session(&a.pool.id, &user.sub);
        Ok((a, session))
    }

    /// Exchanges the code and reads the user's claims: the verified ID token's, then the
    /// userInfo (attributes) endpoint's over them.
    async fn upstream_claims(
        &self,
        p: &Provider,
        code: &str,
        st: &UpstreamState,
        callback: &str,
        apple_user: Option<&String>,
    ) -> Result<Map<String, Value>, FederationFailure> {
        let client_id = p.detail("client_id").unwrap_or_default();
        let secret = if p.provider_type == APPLE {
            self.apple_client_secret(p)
        } else {
            p.detail("client_secret").map(str::to_string)
        };
        let auth = match p.hidden.token_auth.as_deref() {
            Some("client_secret_basic") => ClientAuth::Basic,
            _ => ClientAuth::Post,
        };
        let token_url = p.detail("token_url").unwrap_or_default();
        let mut form: Vec<(String, String)> = vec![
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), code.into()),
            ("redirect_uri".into(), callback.into()),
            ("code_verifier".into(), st.v.clone()),
        ];
        let body = if p.detail("token_request_method") == Some("GET") {
            // Facebook: the code exchange is a GET with the credentials in the query.
            form.push(("client_id".into(), client_id.into()));
            form.push(("client_secret".into(), secret.clone().unwrap_or_default()));
            let refs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            self.upstream
                .get(&with_params(token_url, &refs, false), None)
                .await
        } else {
            match (auth, secret.as_deref()) {
                (ClientAuth::Basic, Some(s)) => {
                    self.upstream
                        .post_form(token_url, &form, Some((client_id, s)), None)
                        .await
                }
                (_, s) => {
                    form.push(("client_id".into(), client_id.into()));
                    if let Some(s) = s {
                        form.push(("client_secret".into(), s.into()));
                    }
                    self.upstream.post_form(token_url, &form, None, None).await
                }
            }
        }
        .map_err(|e| FederationFailure::from_upstream(&e))?;
        let tokens = read_tokens(&body, has_id_token(&p.provider_type))?;
        let access = tokens.access.as_deref();
        let mut claims = Map::new();
        if let Some(id_token) = tokens.id.as_deref() {
            let issuer = p.detail("oidc_issuer").unwrap_or_default();
            let jwks = p.hidden.jwks_uri.as_deref().unwrap_or_default();
            claims = self
                .upstream
                .verify_jwt(issuer, jwks, client_id, id_token)
                .await
                .map_err(|_| FederationFailure::IdToken)?;
            if claims.get("nonce").and_then(Value::as_str) != Some(st.n.as_str()) {
                return Err(FederationFailure::IdToken);
            }
        }
        let attributes_url = p.detail("attributes_url");
        let fetch_attributes = match p.provider_type.as_str() {
            // Google's People API answers in its own shape; its ID token has the claims.
            GOOGLE => {
                attributes_url.is_some_and(|u| !u.starts_with("https://people.googleapis.com/"))
            }
            FACEBOOK | AMAZON => true,
            _ => attributes_url.is_some(),
        };
        if let (true, Some(url), Some(access)) = (fetch_attributes, attributes_url, access) {
            let url = if p.detail("attributes_url_add_attributes") == Some("true")
                && p.provider_type == FACEBOOK
            {
                let mut fields: Vec<&str> = vec!["id"];
                fields.extend(p.attribute_mapping.values().map(String::as_str));
                fields.sort();
                fields.dedup();
                format!("{url}{}", fields.join(","))
            } else {
                url.to_string()
            };
            let body = if p.detail("attributes_request_method") == Some("POST") {
                self.upstream.post_form(&url, &[], None, Some(access)).await
            } else {
                self.upstream.get(&url, Some(access)).await
            }
            .map_err(|_| FederationFailure::Attributes)?;
            merge_user_info(&mut claims, &body, has_id_token(&p.provider_type))?;
        }
        if p.provider_type == APPLE
            && let Some(user) = apple_user
        {
            merge_apple_user(&mut claims, user);
        }
        Ok(claims)
    }
}

/// What the upstream's token endpoint answered that the sign-in uses.
#[derive(Debug)]
struct UpstreamTokens {
    access: Option<String>,
    /// Present whenever the provider type has ID tokens (else the answer is refused).
    id: Option<String>,
}

/// Reads the token endpoint's JSON answer; `want_id`: the provider type has ID tokens, and
/// an answer without one is refused.
fn read_tokens(body: &str, want_id: bool) -> Result<UpstreamTokens, FederationFailure> {
    let tokens: Map<String, Value> =
        serde_json::from_str(body).map_err(|_| FederationFailure::Token("500".into()))?;
    let text = |k: &str| tokens.get(k).and_then(Value::as_str).map(str::to_string);
    let id = if want_id {
        Some(text("id_token").ok_or(FederationFailure::IdToken)?)
    } else {
        None
    };
    Ok(UpstreamTokens {
        access: text("access_token"),
        id,
    })
}

/// Lays the userInfo (attributes) endpoint's JSON answer over the claims. With an ID token
/// (`bound`), an answer about another `sub` is refused: it cannot change who signed in.
fn merge_user_info(
    claims: &mut Map<String, Value>,
    body: &str,
    bound: bool,
) -> Result<(), FederationFailure> {
    let info: Map<String, Value> =
        serde_json::from_str(body).map_err(|_| FederationFailure::Attributes)?;
    if bound
        && info
            .get("sub")
            .is_some_and(|s| Some(s) != claims.get("sub"))
    {
        return Err(FederationFailure::Attributes);
    }
    claims.extend(info);
    Ok(())
}

/// Sign in with Apple's `user` form field (JSON, sent on the first sign-in only): the name
/// as `firstName`, `lastName` and `name` claims. Anything unreadable adds nothing.
fn merge_apple_user(claims: &mut Map<String, Value>, user: &str) {
    let Ok(user) = serde_json::from_str::<Value>(user) else {
        return;
    };
    let first = user.pointer("/name/firstName").and_then(Value::as_str);
    let last = user.pointer("/name/lastName").and_then(Value::as_str);
    if let Some(f) = first {
        claims.insert("firstName".into(), json!(f));
    }
    if let Some(l) = last {
        claims.insert("lastName".into(), json!(l));
    }
    if let (Some(f), Some(l)) = (first, last) {
        claims.insert("name".into(), json!(format!("{f} {l}")));
    }
}

/// Fuzzing (`federation` target): any text as a token endpoint's answer, a userInfo answer
/// laid over a verified ID token's claims, and Apple's `user` field. An accepted token
/// answer has the ID token it needs; no userInfo answer and no `user` field changes `sub`.
pub(super) fn fuzz(text: &str) {
    for want_id in [true, false] {
        if let Ok(t) = read_tokens(text, want_id) {
            assert_eq!(
                t.id.is_some(),
                want_id,
                "an ID token where none was asked, or none"
            );
        }
    }
    let signed = || {
        let mut m = Map::new();
        m.insert("sub".into(), json!("upstream-user-1"));
        m.insert("email".into(), json!("a@example.com"));
        m
    };
    for bound in [true, false] {
        let mut claims = signed();
        if merge_user_info(&mut claims, text, bound).is_ok() && bound {
            assert_eq!(
                claims.get("sub"),
                Some(&json!("upstream-user-1")),
                "userInfo changed sub"
            );
        }
    }
    let mut claims = signed();
    merge_apple_user(&mut claims, text);
    assert_eq!(
        claims.get("sub"),
        Some(&json!("upstream-user-1")),
        "Apple's user changed sub"
    );
    assert!(
        claims
            .keys()
            .all(|k| ["sub", "email", "firstName", "lastName", "name"].contains(&k.as_str())),
        "Apple's user added a claim other than a name"
    );
}

#[derive(Debug, thiserror::Error)]
enum FederationFailure {
    #[error("token endpoint answered {0}")]
    Token(String),
    #[error("the ID token did not verify")]
    IdToken,
    #[error("the attributes endpoint failed")]
    Attributes,
}

impl FederationFailure {
    fn from_upstream(e: &UpstreamError) -> Self {
        match e {
            UpstreamError::Refused(status) => FederationFailure::Token(
                status
                    .split_whitespace()
                    .next()
                    .unwrap_or("400")
                    .to_string(),
            ),
            _ => FederationFailure::Token("500".into()),
        }
    }
}
