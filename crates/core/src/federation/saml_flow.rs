//! SAML sign-in through managed login (developer guide, "SAML session initiation", "SAML
//! IdP-initiated sign-in"): `/oauth2/authorize?identity_provider=…` sends an AuthnRequest
//! with the HTTP-Redirect binding (signed with the pool's key when the provider asks for it)
//! and a sealed RelayState; `/saml2/idpresponse` takes the posted response, checks it
//! (`saml::verify_response`), spends the state and the assertion id once, and signs the
//! federated user in. IdP-initiated responses (RelayState holding the authorization
//! request) are taken only from providers with IDPInit.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::details::SAML;
use super::oidc::{back, page};
use super::providers::Provider;
use super::saml::{self, Expect};
use crate::oauth::domains::DomainRoute;
use crate::oauth::flow::{Authorization, AuthorizeError, AuthorizeParams, HostedSession, percent};
use crate::{CoreError, Tessera};

const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// The SP entity id Cognito gives a pool (the assertions' Audience).
pub fn sp_entity_id(pool_id: &str) -> String {
    format!("urn:amazon:cognito:sp:{pool_id}")
}

fn bad_relay_state() -> AuthorizeError {
    page("Invalid samlResponse or relayState from identity provider")
}

impl Tessera {
    /// The IdP's sign-in URL with the AuthnRequest; `acs` is this domain's
    /// `/saml2/idpresponse`.
    pub(super) async fn saml_authorize_url(
        &self,
        provider: &Provider,
        params: &AuthorizeParams,
        acs: &str,
        binding: &str,
    ) -> Result<String, CoreError> {
        let provider = &self.with_fresh_metadata(provider.clone()).await;
        let sso = provider.detail("SSORedirectBindingURI").ok_or_else(|| {
            CoreError::InvalidParameter("The SAML provider has no sign-in URL.".into())
        })?;
        let mut st = self.new_bound_state(provider, params, binding);
        // The request's ID, which the answer must name in InResponseTo.
        st.n = format!("_{}", hex::encode(&st.n));
        let relay = self.seal_upstream_state(&st)?;
        let pool_id = provider.pool_id.clone();
        let request = saml::authn_request(
            &st.n,
            self.clock.now_secs(),
            sso,
            acs,
            &sp_entity_id(&pool_id),
        );
        let query = format!(
            "SAMLRequest={}&RelayState={}",
            percent(&request),
            percent(&relay)
        );
        self.redirect_binding(provider, sso, query).await
    }

    /// `destination` with the redirect binding's `query`, signed (RSA-SHA256 over the
    /// query's octets, with the pool's key) when the provider's RequestSigningAlgorithm asks.
    async fn redirect_binding(
        &self,
        provider: &Provider,
        destination: &str,
        mut query: String,
    ) -> Result<String, CoreError> {
        if provider.detail("RequestSigningAlgorithm") == Some("rsa-sha256") {
            query.push_str(&format!("&SigAlg={}", percent(RSA_SHA256)));
            let (_, key) = self.saml_key(&provider.pool_id).await?;
            let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&key).map_err(|_| {
                CoreError::InvalidParameter("The pool's signing key is unusable.".into())
            })?;
            let mut sig = vec![0u8; pair.public_modulus_len()];
            pair.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                query.as_bytes(),
                &mut sig,
            )
            .map_err(|_| CoreError::InvalidParameter("Signing the request failed.".into()))?;
            query.push_str(&format!("&Signature={}", percent(&STANDARD.encode(sig))));
        }
        let sep = if destination.contains('?') { '&' } else { '?' };
        Ok(format!("{destination}{sep}{query}"))
    }

    /// `/logout` for a session a SAML provider with IDPSignout signed in: where the browser
    /// goes to sign out at the IdP (a LogoutRequest), `target` being where it ends up after.
    pub async fn saml_logout_url(
        &self,
        session: &HostedSession,
        target: &str,
    ) -> Result<Option<String>, CoreError> {
        let Some(fed) = &session.saml else {
            return Ok(None);
        };
        let Some(provider) = self.identity_provider(&session.p, &fed.provider).await? else {
            return Ok(None);
        };
        let Some(slo) = provider.detail("SLORedirectBindingURI") else {
            return Ok(None);
        };
        if provider.detail("IDPSignout") != Some("true") {
            return Ok(None);
        }
        let params = AuthorizeParams {
            redirect_uri: Some(target.to_string()),
            ..Default::default()
        };
        let mut st = self.new_upstream_state(&provider, &params);
        st.n = format!("_{}", hex::encode(&st.n));
        let relay = self.seal_upstream_state(&st)?;
        let request = saml::logout_request(
            &st.n,
            self.clock.now_secs(),
            slo,
            &sp_entity_id(&session.p),
            &fed.name_id,
            fed.session_index.as_deref(),
        );
        let query = format!(
            "SAMLRequest={}&RelayState={}",
            percent(&request),
            percent(&relay)
        );
        Ok(Some(self.redirect_binding(&provider, slo, query).await?))
    }

    /// `/saml2/logout` (HTTP-Redirect binding): the IdP's LogoutResponse to our request (the
    /// browser goes on to the client's sign-out URL), or its own signed LogoutRequest (the
    /// browser goes back to the IdP with our LogoutResponse). Either way the caller ends the
    /// session. `raw_query` is the request's query as sent (its signature covers it).
    pub async fn saml_logout(
        &self,
        route: &DomainRoute,
        query: &HashMap<String, String>,
        raw_query: &str,
    ) -> Result<String, AuthorizeError> {
        let signed_part = raw_query
            .split_once("&Signature=")
            .map(|(signed, _)| signed);
        if query.contains_key("SAMLResponse") {
            let st = query
                .get("RelayState")
                .and_then(|r| self.open_upstream_state(r))
                .ok_or_else(bad_relay_state)?;
            let provider = match self.identity_provider(&route.pool_id, &st.ip).await {
                Ok(Some(p)) => p,
                _ => return Err(bad_relay_state()),
            };
            if let (Some(sig), Some(signed)) = (query.get("Signature"), signed_part)
                && !saml::redirect_signature_ok(signed, sig, &certificates(&provider))
            {
                return Err(bad_relay_state());
            }
            return st.a.redirect_uri.ok_or_else(bad_relay_state);
        }
        let request = query
            .get("SAMLRequest")
            .and_then(|r| saml::inflate_b64(r))
            .ok_or_else(bad_relay_state)?;
        let (id, issuer, _name_id) =
            saml::parse_logout_request(&request).map_err(|_| bad_relay_state())?;
        let providers = self
            .provider_names(&route.pool_id)
            .await
            .map_err(|_| bad_relay_state())?;
        let mut found = None;
        for name in providers {
            if let Ok(Some(p)) = self.identity_provider(&route.pool_id, &name).await
                && p.provider_type == SAML
                && p.hidden.saml_entity_id.as_deref() == Some(issuer.as_str())
            {
                found = Some(p);
                break;
            }
        }
        let provider = found.ok_or_else(bad_relay_state)?;
        // An IdP's logout request must be signed by it.
        let signed = match (query.get("Signature"), signed_part) {
            (Some(sig), Some(signed)) => {
                saml::redirect_signature_ok(signed, sig, &certificates(&provider))
            }
            _ => false,
        };
        let slo = provider.detail("SLORedirectBindingURI");
        if !signed || provider.detail("IDPSignout") != Some("true") || slo.is_none() {
            return Err(bad_relay_state());
        }
        let slo = slo.unwrap_or_default();
        let mut raw = [0u8; 16];
        self.rng.fill(&mut raw);
        let response = saml::logout_response(
            &format!("_{}", hex::encode(raw)),
            self.clock.now_secs(),
            slo,
            &sp_entity_id(&route.pool_id),
            &id,
        );
        let mut q = format!("SAMLResponse={}", percent(&response));
        if let Some(relay) = query.get("RelayState") {
            q.push_str(&format!("&RelayState={}", percent(relay)));
        }
        self.redirect_binding(&provider, slo, q)
            .await
            .map_err(|_| bad_relay_state())
    }

    /// `/saml2/idpresponse`: the posted `SAMLResponse` and `RelayState`. An SP-initiated
    /// answer is taken only from the browser holding the trip's `binding` cookie; an
    /// IdP-initiated one (IDPInit) cannot be bound.
    pub async fn finish_saml(
        &self,
        route: &DomainRoute,
        form: &HashMap<String, String>,
        acs: &str,
        binding: Option<&str>,
    ) -> Result<(Authorization, HostedSession), AuthorizeError> {
        let response = form
            .get("SAMLResponse")
            .filter(|r| !r.is_empty() && r.len() <= saml::MAX_RESPONSE * 4 / 3 + 4)
            .ok_or_else(bad_relay_state)?;
        let relay = form.get("RelayState").map(String::as_str).unwrap_or("");
        // Ours (SP-initiated), or the authorization request itself (IdP-initiated).
        let (params, request_id, state_id) = match self.open_upstream_state(relay) {
            Some(st) => {
                if !super::oidc::bound_to(&st, binding) {
                    return Err(page(super::oidc::BINDING_MISSING));
                }
                let mut a = st.a;
                a.identity_provider = Some(st.ip);
                (a, Some(st.n), Some((st.i, st.x)))
            }
            None => {
                let p: AuthorizeParams =
                    serde_urlencoded::from_str(relay).map_err(|_| bad_relay_state())?;
                if p.identity_provider.is_none() && p.idp_identifier.is_none() {
                    return Err(bad_relay_state());
                }
                (p, None, None)
            }
        };
        let a = self.check_authorize(route, &params).await?;
        let provider = match a.upstream.as_deref() {
            Some(name) => match self.identity_provider(&a.pool.id, name).await {
                Ok(Some(p)) if p.provider_type == SAML => self.with_fresh_metadata(p).await,
                _ => return Err(bad_relay_state()),
            },
            None => return Err(bad_relay_state()),
        };
        if request_id.is_none() && provider.detail("IDPInit") != Some("true") {
            return Err(back(
                &a,
                "invalid_request",
                "IdP-initiated sign-in is not enabled for this identity provider.",
            ));
        }
        if let Some((id, until)) = state_id {
            match self
                .use_once(&a.pool.id, format!("upstream:{id}"), until)
                .await
            {
                Ok(true) => {}
                Ok(false) => return Err(bad_relay_state()),
                Err(_) => return Err(back(&a, "server_error", "Try again later.")),
            }
        }
        let xml = STANDARD
            .decode(response.split_whitespace().collect::<String>())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| back(&a, "invalid_request", "Invalid SAML response received."))?;
        let certificates = certificates(&provider);
        let key = if provider.detail("EncryptedResponses") == Some("true") {
            match self.saml_key(&a.pool.id).await {
                Ok((_, key)) => Some(key),
                Err(_) => return Err(back(&a, "server_error", "Try again later.")),
            }
        } else {
            None
        };
        let issuer = provider.hidden.saml_entity_id.clone().unwrap_or_default();
        let audience = sp_entity_id(&a.pool.id);
        let (acs_owned, now) = (acs.to_string(), self.clock.now_secs());
        let checked = tokio::task::spawn_blocking(move || {
            saml::verify_response(
                &xml,
                &certificates,
                key.as_deref(),
                &Expect {
                    acs: &acs_owned,
                    audience: &audience,
                    issuer: &issuer,
                    request_id: request_id.as_deref(),
                    now,
                },
            )
        })
        .await
        .map_err(|_| back(&a, "server_error", "Try again later."))?;
        let asserted = checked.map_err(|reason| {
            tracing::warn!(provider = %provider.name, %reason, "SAML response refused");
            back(
                &a,
                "server_error",
                &format!("Invalid SAML response received: {reason}."),
            )
        })?;
        // An assertion signs in once.
        match self
            .use_once(
                &a.pool.id,
                format!("saml:{}:{}", provider.name, asserted.id),
                asserted.not_on_or_after.saturating_mul(1000) + 120_000,
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Err(back(
                    &a,
                    "server_error",
                    "Invalid SAML response received: the assertion was used already.",
                ));
            }
            Err(_) => return Err(back(&a, "server_error", "Try again later.")),
        }
        let user = self
            .federated_user(&a.pool, &a.client.client_id, &provider, &asserted.claims)
            .await
            .map_err(|e| match e {
                CoreError::Storage(_) => back(&a, "server_error", "Try again later."),
                e => back(&a, "invalid_request", &e.to_string()),
            })?;
        if !user.enabled {
            return Err(back(&a, "invalid_request", "User is disabled."));
        }
        let mut session = self.new_hosted_session(&a.pool.id, &user.sub);
        session.saml = Some(crate::oauth::flow::SamlSession {
            provider: provider.name.clone(),
            name_id: asserted
                .claims
                .get(saml::NAME_ID)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            session_index: asserted.session_index.clone(),
        });
        Ok((a, session))
    }
}

fn certificates(provider: &Provider) -> Vec<Vec<u8>> {
    provider
        .hidden
        .saml_certificates
        .iter()
        .filter_map(|c| STANDARD.decode(c).ok())
        .collect()
}
