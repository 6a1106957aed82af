//! The storage port for a pool's managed-login documents and authorization codes.
//!
//! Domains, resource servers, terms, UI customisations and branding styles are small JSON
//! documents that are written rarely and read by key, so they share one table keyed by
//! `(pool_id, kind, key)`. A domain's key is unique across the deployment (requests are
//! routed by it). Authorization codes are kept by digest and deleted when taken, so each
//! works once. Both go away with the pool.

use async_trait::async_trait;

use super::StoreError;

/// What a [`DocumentRecord`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// `DomainDescriptionType`; key: the domain.
    Domain,
    /// `ResourceServerType`; key: the identifier.
    ResourceServer,
    /// `TermsType`; key: the terms id.
    Terms,
    /// `UICustomizationType`; key: the client id, or `ALL`.
    UiCustomization,
    /// `ManagedLoginBrandingType`; key: the branding id.
    Branding,
    /// `GetUserPoolMfaConfigResponse`; key: `mfa`.
    MfaConfig,
    /// A user's passkey; key: `<sub>/<credential id>`.
    Passkey,
    /// A user import job (`UserImportJobType` and its progress); key: the job id.
    ImportJob,
    /// An identity provider (federation); key: the provider name.
    IdentityProvider,
    /// An IdpIdentifier, unique in the pool; key: the identifier, lower-cased.
    IdpIdentifier,
    /// A link from an upstream identity to a native user; key:
    /// `<provider>\n<attribute>\n<value>`.
    ProviderLink,
    /// The pool's SAML signing certificate; key: `signing`.
    SigningCertificate,
    /// The pool's link to a source Cognito pool (live migration); key: `source`. Specific to
    /// one installation: never exported.
    MigrationSource,
    /// The pool's secondary Region (multi-Region replicas); key: `secondary`. Specific to
    /// one installation: never exported.
    Replica,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Domain => "domain",
            DocKind::ResourceServer => "resource_server",
            DocKind::Terms => "terms",
            DocKind::UiCustomization => "ui_customization",
            DocKind::Branding => "branding",
            DocKind::MfaConfig => "mfa_config",
            DocKind::Passkey => "passkey",
            DocKind::ImportJob => "import_job",
            DocKind::IdentityProvider => "identity_provider",
            DocKind::IdpIdentifier => "idp_identifier",
            DocKind::ProviderLink => "provider_link",
            DocKind::SigningCertificate => "signing_certificate",
            DocKind::MigrationSource => "migration_source",
            DocKind::Replica => "replica",
        }
    }
}

/// One document of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRecord {
    pub pool_id: String,
    pub kind: DocKind,
    pub key: String,
    /// The document, as JSON text.
    pub doc: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Optimistic-concurrency version, bumped by every update.
    pub version: i64,
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthCodeRecord {
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    pub pool_id: String,
    pub expires_ms: i64,
    /// What the code stands for, as JSON text.
    pub payload: String,
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Inserts a document; `Conflict` if the key exists (for domains: in any pool); fails if
    /// the pool does not exist.
    async fn insert_document(&self, doc: &DocumentRecord) -> Result<(), StoreError>;
    async fn get_document(
        &self,
        pool_id: &str,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<DocumentRecord>, StoreError>;
    /// A document by key in whichever pool has it (domains).
    async fn find_document(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<DocumentRecord>, StoreError>;
    /// Replaces the document's body and modification time if its stored version is
    /// `expected_version` (the record's `version` is written as the new one).
    async fn update_document(
        &self,
        doc: &DocumentRecord,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    /// `false` if it did not exist.
    async fn delete_document(
        &self,
        pool_id: &str,
        kind: DocKind,
        key: &str,
    ) -> Result<bool, StoreError>;
    /// Deletes the document only if its stored version is `expected_version`; `false` if
    /// it is gone or changed.
    async fn delete_document_at(
        &self,
        pool_id: &str,
        kind: DocKind,
        key: &str,
        expected_version: i64,
    ) -> Result<bool, StoreError>;
    /// Documents of a kind in a pool ordered by key, strictly after `after`, at most `limit`.
    async fn list_documents(
        &self,
        pool_id: &str,
        kind: DocKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DocumentRecord>, StoreError>;

    async fn insert_code(&self, code: &AuthCodeRecord) -> Result<(), StoreError>;
    /// Removes and returns the code (expired or not): a second take finds nothing.
    async fn take_code(&self, code_hash: &str) -> Result<Option<AuthCodeRecord>, StoreError>;
}
