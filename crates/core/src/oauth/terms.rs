//! `CreateTerms`, `DescribeTerms`, `UpdateTerms`, `DeleteTerms`, `ListTerms`, and the links
//! the hosted sign-up page shows.
//!
//! Terms documents are links (`TermsSource` `LINK`) per language, assigned to one app client;
//! an app client has at most one document of each `TermsName` (`terms-of-use`,
//! `privacy-policy`). Managed login shows them once both exist, falling back to
//! `cognito:default` for languages without a link (API reference, CreateTerms).
//! The model validates names, sources, enforcement values and language keys; this module keeps
//! names unique per client and links to `http(s)` URLs, since pages render them as links.

use std::collections::HashMap;

use tessera_wire::idp::{CreateTermsRequest, TermsDescriptionType, TermsType, UpdateTermsRequest};

use super::{new_doc, read_doc};
use crate::store::{DocKind, DocumentRecord, StoreError};
use crate::{CoreError, Tessera};

/// Rows fetched per store call when a whole kind of document is scanned.
const SCAN_PAGE: u32 = 500;

fn not_found(terms_id: &str) -> CoreError {
    CoreError::ResourceNotFound(format!("Terms {terms_id} do not exist."))
}

fn exists(name: &str) -> CoreError {
    CoreError::TermsExists(format!(
        "Terms with the name {name} already exist for this app client."
    ))
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Links must be web addresses: pages render them as `href`s.
fn check_links(links: &HashMap<String, String>) -> Result<(), CoreError> {
    for (lang, url) in links {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(CoreError::InvalidParameter(format!(
                "The link for {lang} must be an http or https URL."
            )));
        }
    }
    Ok(())
}

fn check_source_and_enforcement(source: &str, enforcement: &str) -> Result<(), CoreError> {
    if source != "LINK" {
        return Err(CoreError::InvalidParameter(
            "TermsSource must be LINK.".into(),
        ));
    }
    if enforcement != "NONE" {
        return Err(CoreError::InvalidParameter(
            "Enforcement must be NONE.".into(),
        ));
    }
    Ok(())
}

impl Tessera {
    /// Fails with `ResourceNotFoundException` unless the pool exists and has the app client.
    pub(crate) async fn check_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        match self.read_client(client_id).await? {
            Some(c) if c.pool_id == pool.id => Ok(()),
            _ => Err(crate::clients::client_not_found(client_id)),
        }
    }

    /// Every document of a kind in a pool, in key order.
    pub(crate) async fn all_docs(
        &self,
        pool_id: &str,
        kind: DocKind,
    ) -> Result<Vec<DocumentRecord>, CoreError> {
        let mut out: Vec<DocumentRecord> = Vec::new();
        loop {
            let after = out.last().map(|r| r.key.clone());
            let rows = self
                .store
                .list_documents(pool_id, kind, after.as_deref(), SCAN_PAGE)
                .await?;
            let done = rows.len() < SCAN_PAGE as usize;
            out.extend(rows);
            if done {
                return Ok(out);
            }
        }
    }

    /// The terms of one app client.
    async fn client_terms(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Vec<(DocumentRecord, TermsType)>, CoreError> {
        let mut out = Vec::new();
        for rec in self.all_docs(pool_id, DocKind::Terms).await? {
            let terms: TermsType = read_doc(&rec)?;
            if terms.client_id == client_id {
                out.push((rec, terms));
            }
        }
        Ok(out)
    }

    /// `CreateTerms`.
    pub async fn create_terms(&self, req: CreateTermsRequest) -> Result<TermsType, CoreError> {
        check_source_and_enforcement(&req.terms_source, &req.enforcement)?;
        let links = req.links.unwrap_or_default();
        check_links(&links)?;
        self.check_pool_client(&req.user_pool_id, &req.client_id)
            .await?;
        let existing = self.client_terms(&req.user_pool_id, &req.client_id).await?;
        if existing.iter().any(|(_, t)| t.terms_name == req.terms_name) {
            return Err(exists(&req.terms_name));
        }
        let now = self.clock.now_millis();
        let terms = TermsType {
            client_id: req.client_id,
            creation_date: seconds(now),
            enforcement: req.enforcement,
            last_modified_date: seconds(now),
            links,
            terms_id: self.random_id(),
            terms_name: req.terms_name,
            terms_source: req.terms_source,
            user_pool_id: req.user_pool_id,
        };
        let rec = new_doc(
            &terms.user_pool_id,
            DocKind::Terms,
            &terms.terms_id,
            &terms,
            now,
        )?;
        match self.store.insert_document(&rec).await {
            Ok(()) => Ok(terms),
            Err(StoreError::Conflict(_)) => Err(crate::concurrent_modification("terms")),
            Err(e) => Err(e.into()),
        }
    }

    async fn load_terms(
        &self,
        pool_id: &str,
        terms_id: &str,
    ) -> Result<(DocumentRecord, TermsType), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let rec = self
            .store
            .get_document(&pool.id, DocKind::Terms, terms_id)
            .await?
            .ok_or_else(|| not_found(terms_id))?;
        let terms = read_doc(&rec)?;
        Ok((rec, terms))
    }

    /// `DescribeTerms`.
    pub async fn describe_terms(
        &self,
        pool_id: &str,
        terms_id: &str,
    ) -> Result<TermsType, CoreError> {
        Ok(self.load_terms(pool_id, terms_id).await?.1)
    }

    /// `UpdateTerms`: members left out keep their values; `Links` replaces the whole map.
    pub async fn update_terms(&self, req: UpdateTermsRequest) -> Result<TermsType, CoreError> {
        let (rec, mut terms) = self.load_terms(&req.user_pool_id, &req.terms_id).await?;
        if let Some(name) = req.terms_name {
            if name != terms.terms_name {
                let others = self
                    .client_terms(&req.user_pool_id, &terms.client_id)
                    .await?;
                if others.iter().any(|(_, t)| t.terms_name == name) {
                    return Err(exists(&name));
                }
            }
            terms.terms_name = name;
        }
        if let Some(source) = req.terms_source {
            terms.terms_source = source;
        }
        if let Some(enforcement) = req.enforcement {
            terms.enforcement = enforcement;
        }
        check_source_and_enforcement(&terms.terms_source, &terms.enforcement)?;
        if let Some(links) = req.links {
            check_links(&links)?;
            terms.links = links;
        }
        terms.last_modified_date = seconds(self.clock.now_millis().max(rec.modified_ms));
        self.replace_doc(&rec, &terms).await?;
        Ok(terms)
    }

    /// `DeleteTerms`.
    pub async fn delete_terms(&self, pool_id: &str, terms_id: &str) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if self
            .store
            .delete_document(&pool.id, DocKind::Terms, terms_id)
            .await?
        {
            Ok(())
        } else {
            Err(not_found(terms_id))
        }
    }

    /// `ListTerms`: the pool's terms of every app client, in id order.
    pub async fn list_terms(
        &self,
        pool_id: &str,
        max_results: Option<i32>,
        next_token: Option<&str>,
    ) -> Result<(Vec<TermsDescriptionType>, Option<String>), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let (rows, next) = self
            .document_page(&pool.id, DocKind::Terms, max_results, next_token)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for rec in &rows {
            let t: TermsType = read_doc(rec)?;
            out.push(TermsDescriptionType {
                creation_date: t.creation_date,
                enforcement: t.enforcement,
                last_modified_date: t.last_modified_date,
                terms_id: t.terms_id,
                terms_name: t.terms_name,
            });
        }
        Ok((out, next))
    }

    /// The terms an app client's sign-up page links to: `(TermsName, URL)` pairs in name
    /// order, each the `cognito:default` link, else the `cognito:english` one. Terms with
    /// neither are left out.
    pub async fn terms_for_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Vec<(String, String)>, CoreError> {
        let mut out: Vec<(String, String)> = self
            .client_terms(pool_id, client_id)
            .await?
            .into_iter()
            .filter_map(|(_, mut t)| {
                let url = t
                    .links
                    .remove("cognito:default")
                    .or_else(|| t.links.remove("cognito:english"))?;
                Some((t.terms_name, url))
            })
            .collect();
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_must_be_web_addresses() {
        let ok = HashMap::from([(
            "cognito:default".to_string(),
            "https://x.test/t".to_string(),
        )]);
        assert!(check_links(&ok).is_ok());
        for bad in ["javascript:alert(1)", "data:text/html,x", "//x.test"] {
            let links = HashMap::from([("cognito:default".to_string(), bad.to_string())]);
            assert!(check_links(&links).is_err(), "{bad}");
        }
    }
}
