//! The subset of the botocore service-model format the code generator reads.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A service whose model is vendored under `model/`.
pub struct ServiceSpec {
    /// `metadata.uid` of the model.
    pub uid: &'static str,
    /// File name under `model/`.
    pub model_file: &'static str,
    /// Human-readable name.
    pub title: &'static str,
    /// Generated module (`crates/wire/src/generated/<module>.rs`).
    pub module: &'static str,
    /// Variant of `tessera_wire::ops::Service`.
    pub variant: &'static str,
    /// Prefix of the generated tables in `generated/mod.rs`.
    pub table_prefix: &'static str,
    /// `X-Amz-Target` prefix hard-coded in `tessera_wire::ops::Service::target_prefix`.
    pub target_prefix: &'static str,
    /// SigV4 signing name hard-coded in `tessera_wire::ops::Service::signing_name`.
    pub signing_name: &'static str,
}

pub const SERVICES: [ServiceSpec; 2] = [
    ServiceSpec {
        uid: "cognito-idp-2016-04-18",
        model_file: "cognito-idp-2016-04-18.json",
        title: "Amazon Cognito Identity Provider",
        module: "idp",
        variant: "CognitoIdp",
        table_prefix: "IDP",
        target_prefix: "AWSCognitoIdentityProviderService",
        signing_name: "cognito-idp",
    },
    ServiceSpec {
        uid: "cognito-identity-2014-06-30",
        model_file: "cognito-identity-2014-06-30.json",
        title: "Amazon Cognito Identity",
        module: "identity",
        variant: "CognitoIdentity",
        table_prefix: "IDENTITY",
        target_prefix: "AWSCognitoIdentityService",
        signing_name: "cognito-identity",
    },
];

#[derive(Debug, Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: BTreeMap<String, OperationDef>,
    pub shapes: BTreeMap<String, ShapeDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: String,
    pub endpoint_prefix: String,
    #[serde(default)]
    pub signing_name: Option<String>,
    pub target_prefix: String,
    pub uid: String,
    pub protocol: String,
}

impl Metadata {
    pub fn signing_name(&self) -> &str {
        self.signing_name
            .as_deref()
            .unwrap_or(&self.endpoint_prefix)
    }
}

#[derive(Debug, Deserialize)]
pub struct OperationDef {
    pub name: String,
    #[serde(default)]
    pub input: Option<ShapeRef>,
    #[serde(default)]
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    #[serde(default)]
    pub authtype: Option<String>,
    #[serde(default)]
    pub auth: Option<Vec<String>>,
}

impl OperationDef {
    /// False iff the model marks the operation as callable without SigV4.
    pub fn signed(&self) -> bool {
        let authtype_none = self.authtype.as_deref() == Some("none");
        let no_auth = self
            .auth
            .as_ref()
            .is_some_and(|auth| auth.len() == 1 && auth[0] == "smithy.api#noAuth");
        !(authtype_none || no_auth)
    }
}

#[derive(Debug, Deserialize)]
pub struct ShapeRef {
    pub shape: String,
}

#[derive(Debug, Deserialize)]
pub struct ShapeDef {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: BTreeMap<String, ShapeRef>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub member: Option<ShapeRef>,
    #[serde(default)]
    pub key: Option<ShapeRef>,
    #[serde(default)]
    pub value: Option<ShapeRef>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub document: bool,
}

impl ShapeDef {
    pub fn is_document(&self) -> bool {
        self.document || self.kind == "document"
    }
}
