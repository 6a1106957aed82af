//! The payload's records: one JSON line each, tagged with its `kind` (docs/export-format.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_wire::idp::{UserPoolClientType, UserPoolType};

use crate::store::DocKind;

pub(super) const DOC_KINDS: &[DocKind] = &[
    DocKind::Domain,
    DocKind::ResourceServer,
    DocKind::Terms,
    DocKind::UiCustomization,
    DocKind::Branding,
    DocKind::MfaConfig,
    DocKind::Passkey,
    DocKind::IdentityProvider,
    DocKind::IdpIdentifier,
    DocKind::ProviderLink,
    DocKind::SigningCertificate,
];

/// One record of the payload (JSON lines, each tagged with its `kind`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Item {
    Pool {
        id: String,
        name: String,
        region: String,
        created_ms: i64,
        modified_ms: i64,
        config: Box<UserPoolType>,
    },
    SigningKey {
        pool_id: String,
        kid: String,
        created_ms: i64,
        /// PKCS#8 DER, base64.
        private_key: String,
        public_jwk: String,
        retire_after_ms: Option<i64>,
    },
    Client {
        pool_id: String,
        client_id: String,
        client_name: String,
        secret: Option<String>,
        created_ms: i64,
        modified_ms: i64,
        config: Box<UserPoolClientType>,
    },
    Document {
        pool_id: String,
        doc_kind: String,
        key: String,
        doc: String,
        created_ms: i64,
        modified_ms: i64,
    },
    Group {
        pool_id: String,
        name: String,
        description: Option<String>,
        precedence: Option<i32>,
        role_arn: Option<String>,
        created_ms: i64,
        modified_ms: i64,
    },
    User {
        pool_id: String,
        sub: String,
        username: String,
        status: String,
        enabled: bool,
        attributes: std::collections::BTreeMap<String, String>,
        password_hash: Option<String>,
        password_set_ms: Option<i64>,
        /// With the SRP verifier and TOTP secrets opened (base64 of the plain bytes).
        extra: Value,
        created_ms: i64,
        modified_ms: i64,
    },
    Member {
        pool_id: String,
        group: String,
        sub: String,
    },
    Device {
        pool_id: String,
        device_key: String,
        sub: String,
        /// With the device's SRP verifier opened.
        doc: Value,
        created_ms: i64,
        modified_ms: i64,
        last_authenticated_ms: Option<i64>,
    },
}

/// The pool a record belongs to.
pub(super) fn item_pool(item: &Item) -> &str {
    match item {
        Item::Pool { id, .. } => id,
        Item::SigningKey { pool_id, .. }
        | Item::Client { pool_id, .. }
        | Item::Document { pool_id, .. }
        | Item::Group { pool_id, .. }
        | Item::User { pool_id, .. }
        | Item::Member { pool_id, .. }
        | Item::Device { pool_id, .. } => pool_id,
    }
}
