//! Multi-Region replicas of a user pool (Cognito's multi-Region replication), mapped onto
//! Tessera sites (docs/design/multi-region-replicas.md, ADR 0024).
//!
//! A pool's home Region is the one in its id. It may have one secondary Region, stored as the
//! pool document `replica`/`secondary` (never exported: it describes one installation). A node
//! with `site_region` set answers as that Region: a pool at home there is PRIMARY; a pool with
//! its secondary there is SECONDARY, which serves admin reads and, while ACTIVE, sign-in and
//! token operations, and refuses everything that creates users or changes them or the pool's
//! configuration (but its regional settings) with `OperationNotEnabledException`; any other
//! pool does not exist there.
//! Without `site_region` every pool is PRIMARY and the replica record is configuration only.
//! A secondary keeps a few settings of its own (`regional`): the pool it serves is the
//! primary's with those applied.

mod regional;

pub use regional::Regional;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_wire::idp::UserPoolReplicaType;

use crate::oauth::{new_doc, read_doc};
use crate::store::{ChangeKind, DocKind, DocumentRecord};
use crate::{CoreError, Tessera};

/// The one secondary's document key.
const KEY: &str = "secondary";

pub const ACTIVE: &str = "ACTIVE";
pub const INACTIVE: &str = "INACTIVE";
const CREATING: &str = "CREATING";
const DELETING: &str = "DELETING";
const PRIMARY: &str = "PRIMARY";
const SECONDARY: &str = "SECONDARY";

/// A pool's secondary Region, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replica {
    pub region: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// UserPoolTags given at creation: a replica keeps its own tags.
    #[serde(default)]
    pub tags: std::collections::HashMap<String, String>,
    /// The settings the secondary set for itself with UpdateUserPool there; until it does,
    /// it uses the primary's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Regional>,
}

/// What this node is for a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Secondary { active: bool },
}

/// Operations a secondary serves whatever its status: reads of the directory and the
/// configuration, and the settings that are kept per Region. Everything not listed here or in
/// [`SECONDARY_ACTIVE`] is refused on a secondary (an allow list: a new operation is refused
/// there until someone decides otherwise). docs/fidelity.md, "Multi-Region replicas".
const SECONDARY_ANY: &[&str] = &[
    "AdminGetDevice",
    "AdminGetUser",
    "AdminGetUserAuthFactors",
    "AdminListDevices",
    "AdminListGroupsForUser",
    "AdminListUserAuthEvents",
    "AdminListUserSessions",
    "DescribeIdentityProvider",
    "DescribeManagedLoginBranding",
    "DescribeManagedLoginBrandingByClient",
    "DescribeResourceServer",
    "DescribeRiskConfiguration",
    "DescribeTerms",
    "DescribeTermsByClient",
    "DescribeUserImportJob",
    "DescribeUserPool",
    "DescribeUserPoolClient",
    "DescribeUserPoolDomain",
    "GetCSVHeader",
    "GetGroup",
    "GetIdentityProviderByIdentifier",
    "GetLogDeliveryConfiguration",
    "GetSigningCertificate",
    "GetUICustomization",
    "GetUserPoolClientSessionConfiguration",
    "GetUserPoolMfaConfig",
    "GetUserPoolSessionConfiguration",
    "ListGroups",
    "ListIdentityProviders",
    "ListResourceServers",
    "ListTagsForResource",
    "ListTerms",
    "ListUserImportJobs",
    "ListUserPoolClients",
    "ListUserPoolReplicas",
    "ListUsers",
    "ListUsersInGroup",
    // At a site, the ARN of a tag operation must be this Region's: a secondary tags its replica.
    "TagResource",
    "UntagResource",
    // Only the replica's regional settings change; a changed global one is refused in core
    // (`regional`). SetLogDeliveryConfiguration and SetRiskConfiguration belong here too, with
    // the same limits, once Tessera has them.
    "UpdateUserPool",
    "UpdateUserPoolReplica",
];

/// End-user operations an ACTIVE secondary serves: signing in, tokens, and what neither
/// creates a user nor changes a user's attributes. An INACTIVE one refuses them.
const SECONDARY_ACTIVE: &[&str] = &[
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "ConfirmDevice",
    "ForgetDevice",
    "GetDevice",
    "GetTokensFromRefreshToken",
    "GetUser",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "ListWebAuthnCredentials",
    "RespondToAuthChallenge",
    "RevokeToken",
    "UpdateDeviceStatus",
];

/// What Cognito's `OperationNotEnabledException` stands for here.
pub(crate) fn not_enabled(message: String) -> CoreError {
    CoreError::OperationNotEnabled(message)
}

/// `RegionName`: the shape of an AWS Region (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`).
pub fn is_region(name: &str) -> bool {
    let mut parts = name.split('-').peekable();
    let mut words = 0;
    let mut last = "";
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            last = p;
        } else if p.is_empty() || !p.bytes().all(|b| b.is_ascii_lowercase()) {
            return false;
        }
        words += 1;
    }
    words >= 3 && !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())
}

impl Tessera {
    /// The Region a call is answered as: this site's, or else the one the caller signed for.
    fn calling_region<'a>(&'a self, signed: &'a str) -> &'a str {
        self.settings.site_region.as_deref().unwrap_or(signed)
    }

    /// The pool's secondary, if it has one (cached; dropped by the pool's change).
    pub(crate) async fn replica_of(&self, pool_id: &str) -> Result<Option<Replica>, CoreError> {
        let load = async { Ok(Some(self.stored_replica(pool_id).await?.map(|(_, r)| r))) };
        Ok(self
            .cached_replica(pool_id, load)
            .await?
            .and_then(|r| (*r).clone()))
    }

    /// The pool's secondary as stored, with its document (its version), read from the store.
    async fn stored_replica(
        &self,
        pool_id: &str,
    ) -> Result<Option<(DocumentRecord, Replica)>, CoreError> {
        let Some(doc) = self
            .store
            .get_document(pool_id, DocKind::Replica, KEY)
            .await?
        else {
            return Ok(None);
        };
        let replica = read_doc(&doc)?;
        Ok(Some((doc, replica)))
    }

    fn replica_type(
        &self,
        pool_id: &str,
        region: &str,
        role: &str,
        status: &str,
    ) -> UserPoolReplicaType {
        UserPoolReplicaType {
            region_name: Some(region.to_string()),
            role: Some(role.into()),
            status: Some(status.into()),
            user_pool_arn: Some(crate::ids::pool_arn(
                region,
                &self.settings.account_id,
                pool_id,
            )),
        }
    }

    /// `CreateUserPoolReplica`: in the pool's home Region, one secondary per pool, never the
    /// home Region; the replica starts INACTIVE (the answer says CREATING, as Cognito's).
    pub async fn create_user_pool_replica(
        &self,
        signed_region: &str,
        pool_id: &str,
        region: &str,
        tags: Option<std::collections::HashMap<String, String>>,
    ) -> Result<UserPoolReplicaType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let here = self.calling_region(signed_region);
        if here != pool.region {
            return Err(not_enabled(format!(
                "CreateUserPoolReplica must be called in the primary Region of user pool {pool_id}, {}.",
                pool.region
            )));
        }
        if pool.config.user_pool_tier.as_deref() == Some("LITE") {
            return Err(CoreError::FeatureUnavailableInTier(
                "Multi-Region replication is not available in the Lite feature plan.".into(),
            ));
        }
        if !is_region(region) {
            return Err(CoreError::InvalidParameter(format!(
                "{region} is not a valid AWS Region."
            )));
        }
        if region == pool.region {
            return Err(CoreError::InvalidParameter(format!(
                "{region} is the primary Region of user pool {pool_id}."
            )));
        }
        crate::tags::check_tags(tags.as_ref())?;
        let now = self.clock.now_millis();
        let replica = Replica {
            region: region.to_string(),
            status: INACTIVE.into(),
            tags: tags.unwrap_or_default(),
            settings: None,
        };
        let doc = new_doc(pool_id, DocKind::Replica, KEY, &replica, now)?;
        // The key is the pool's one secondary: of two creations, the store's unique key lets
        // exactly one in.
        match self.store.insert_document(&doc).await {
            Ok(()) => {}
            Err(crate::store::StoreError::Conflict(_)) => {
                return Err(CoreError::LimitExceeded(format!(
                    "User pool {pool_id} already has a replica; a user pool can have one secondary Region."
                )));
            }
            Err(e) => return Err(e.into()),
        }
        self.changed(ChangeKind::Pool, pool_id, pool_id).await?;
        Ok(self.replica_type(pool_id, region, SECONDARY, CREATING))
    }

    /// `ListUserPoolReplicas`: the primary, then the secondary if there is one.
    pub async fn list_user_pool_replicas(
        &self,
        pool_id: &str,
    ) -> Result<Vec<UserPoolReplicaType>, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let mut out = vec![self.replica_type(pool_id, &pool.region, PRIMARY, ACTIVE)];
        if let Some(r) = self.replica_of(pool_id).await? {
            out.push(self.replica_type(pool_id, &r.region, SECONDARY, &r.status));
        }
        Ok(out)
    }

    /// The Regions of a pool's replicas for ListUserPools' `ReplicaRegions` (the secondary;
    /// `None` for a pool without one).
    pub(crate) async fn replica_regions(
        &self,
        pool_id: &str,
    ) -> Result<Option<Vec<String>>, CoreError> {
        Ok(self.replica_of(pool_id).await?.map(|r| vec![r.region]))
    }

    /// The secondary named `region`, with its document version, or ResourceNotFound.
    async fn named_replica(
        &self,
        pool_id: &str,
        region: &str,
    ) -> Result<(DocumentRecord, Replica), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if region == pool.region {
            return Err(CoreError::InvalidParameter(format!(
                "{region} is the primary Region of user pool {pool_id}."
            )));
        }
        let missing = || {
            CoreError::ResourceNotFound(format!("User pool {pool_id} has no replica in {region}."))
        };
        match self.stored_replica(pool_id).await? {
            Some((doc, replica)) if replica.region == region => Ok((doc, replica)),
            _ => Err(missing()),
        }
    }

    /// `UpdateUserPoolReplica`: opens (ACTIVE) or closes (INACTIVE) the secondary to end
    /// users. Called in either Region.
    pub async fn update_user_pool_replica(
        &self,
        signed_region: &str,
        pool_id: &str,
        region: &str,
        status: &str,
    ) -> Result<UserPoolReplicaType, CoreError> {
        if status != ACTIVE && status != INACTIVE {
            return Err(CoreError::InvalidParameter(format!(
                "Status must be ACTIVE or INACTIVE, not {status}."
            )));
        }
        let pool = self.load_pool(pool_id).await?;
        let here = self.calling_region(signed_region);
        for _ in 0..crate::MAX_RETRIES {
            let (doc, mut replica) = self.named_replica(pool_id, region).await?;
            if here != pool.region && here != replica.region {
                return Err(not_enabled(format!(
                    "UpdateUserPoolReplica must be called in {} or {}.",
                    pool.region, replica.region
                )));
            }
            replica.status = status.into();
            if self.try_replace_doc(&doc, &replica).await? {
                self.changed(ChangeKind::Pool, pool_id, pool_id).await?;
                return Ok(self.replica_type(pool_id, region, SECONDARY, status));
            }
        }
        Err(crate::concurrent_modification("user pool replica"))
    }

    /// `DeleteUserPoolReplica`: in the primary Region, an INACTIVE secondary only. One
    /// conditional delete on the version read INACTIVE: an UpdateUserPoolReplica racing with
    /// it either wins (and the delete, retried, is refused) or finds it gone. The answer says
    /// DELETING, as Cognito's.
    pub async fn delete_user_pool_replica(
        &self,
        signed_region: &str,
        pool_id: &str,
        region: &str,
    ) -> Result<UserPoolReplicaType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if self.calling_region(signed_region) != pool.region {
            return Err(not_enabled(format!(
                "DeleteUserPoolReplica must be called in the primary Region of user pool {pool_id}, {}.",
                pool.region
            )));
        }
        for _ in 0..crate::MAX_RETRIES {
            let (doc, replica) = self.named_replica(pool_id, region).await?;
            if replica.status != INACTIVE {
                return Err(CoreError::InvalidParameter(format!(
                    "The replica of user pool {pool_id} in {region} is {}; only an INACTIVE replica can be deleted.",
                    replica.status
                )));
            }
            if self
                .store
                .delete_document_at(pool_id, DocKind::Replica, KEY, doc.version)
                .await?
            {
                self.changed(ChangeKind::Pool, pool_id, pool_id).await?;
                return Ok(self.replica_type(pool_id, region, SECONDARY, DELETING));
            }
        }
        Err(crate::concurrent_modification("user pool replica"))
    }

    /// The pool whose secondary `arn` names (a replica keeps its own tags).
    pub(crate) async fn replica_for_arn(&self, arn: &str) -> Result<Option<String>, CoreError> {
        let Some(pool_id) = crate::ids::pool_id_from_arn(arn) else {
            return Ok(None);
        };
        let Some(r) = self.replica_of(pool_id).await? else {
            return Ok(None);
        };
        let own = crate::ids::pool_arn(&r.region, &self.settings.account_id, pool_id);
        Ok((own == arn).then(|| pool_id.to_string()))
    }

    /// Changes the secondary's tags with `change` (read-modify-write with the document's
    /// version) and answers them; `change` may leave them as they are.
    pub(crate) async fn modify_replica_tags(
        &self,
        pool_id: &str,
        mut change: impl FnMut(&mut std::collections::HashMap<String, String>) -> Result<(), CoreError>,
    ) -> Result<std::collections::HashMap<String, String>, CoreError> {
        for _ in 0..crate::MAX_RETRIES {
            let Some((doc, mut replica)) = self.stored_replica(pool_id).await? else {
                return Err(crate::pools::not_found(pool_id));
            };
            let before = replica.tags.clone();
            change(&mut replica.tags)?;
            if replica.tags == before {
                return Ok(replica.tags);
            }
            if self.try_replace_doc(&doc, &replica).await? {
                self.changed(ChangeKind::Pool, pool_id, pool_id).await?;
                return Ok(replica.tags);
            }
        }
        Err(crate::concurrent_modification("user pool replica"))
    }

    /// Whether this node serves `pool_id` as a secondary Region, which creates and changes no
    /// user (migration, federation and the sign-in challenges ask).
    pub(crate) async fn secondary_here(&self, pool_id: &str) -> Result<bool, CoreError> {
        Ok(self.secondary_site(pool_id).await?.is_some())
    }

    /// This site's Region when it serves `pool_id` as a secondary.
    pub(crate) async fn secondary_site(&self, pool_id: &str) -> Result<Option<String>, CoreError> {
        Ok(match self.site_role(pool_id).await? {
            Some(Role::Secondary { .. }) => self.settings.site_region.clone(),
            _ => None,
        })
    }

    /// At a secondary, a sign-in step may neither answer nor lead to a challenge that writes
    /// to the user (a new password, MFA setup) or that needs a TOTP code: "users with TOTP MFA
    /// configured must authenticate when the user pool in the primary Region is servicing
    /// requests" (Cognito's multi-Region guide). `answering` is the challenge a step answers;
    /// `outcome` what it leads to.
    pub(crate) async fn secondary_may_answer(
        &self,
        pool_id: &str,
        answering: Option<&str>,
        outcome: &crate::auth::AuthOutcome,
    ) -> Result<(), CoreError> {
        const PRIMARY_ONLY: &[&str] = &[
            crate::auth::password_flow::NEW_PASSWORD_REQUIRED,
            crate::mfa::MFA_SETUP,
            crate::mfa::SOFTWARE_TOKEN_MFA,
        ];
        let next = outcome.challenge_name.as_deref();
        let blocked = answering
            .into_iter()
            .chain(next)
            .find(|c| PRIMARY_ONLY.contains(c));
        match blocked {
            Some(c) if self.secondary_here(pool_id).await? => Err(not_enabled(format!(
                "The {c} challenge is answered only in the primary Region of user pool {pool_id}."
            ))),
            _ => Ok(()),
        }
    }

    /// Lockout counts are kept per Region ("each replica maintains its own count", the
    /// guide): a node that is not the pool's home Region counts under its own key.
    pub(crate) fn regional_lock_key(&self, pool_id: &str, key: String) -> String {
        match self.settings.site_region.as_deref() {
            Some(site) if crate::ids::region_of_pool(pool_id) != Some(site) => {
                format!("{site}/{key}")
            }
            _ => key,
        }
    }

    /// What this node is for `pool_id`: `None` without `site_region` (every pool is
    /// primary). A pool neither at home here nor replicated here does not exist here.
    pub async fn site_role(&self, pool_id: &str) -> Result<Option<Role>, CoreError> {
        let Some(site) = self.settings.site_region.as_deref() else {
            return Ok(None);
        };
        let pool = self
            .cached_pool(pool_id)
            .await?
            .ok_or_else(|| crate::pools::not_found(pool_id))?;
        if pool.region == site {
            return Ok(Some(Role::Primary));
        }
        match self.replica_of(pool_id).await? {
            Some(r) if r.region == site => Ok(Some(Role::Secondary {
                active: r.status == ACTIVE,
            })),
            _ => Err(crate::pools::not_found(pool_id)),
        }
    }

    /// Refuses, on a site that is a secondary for the pool `input` names, what the secondary
    /// may not do (`op`, an operation of the user pool API), and on any site what names a
    /// pool that does not exist in its Region.
    pub async fn site_gate(
        &self,
        op: &tessera_wire::ops::Operation,
        input: &Value,
    ) -> Result<(), CoreError> {
        let Some(site) = self.settings.site_region.as_deref() else {
            return Ok(());
        };
        let Some(pool_id) = self.pool_named_by(op, input, site).await? else {
            return Ok(());
        };
        let op = op.name;
        let role = self.site_role(&pool_id).await?;
        if let Some(Role::Secondary { active }) = role {
            if SECONDARY_ANY.contains(&op) {
                return Ok(());
            }
            if !SECONDARY_ACTIVE.contains(&op) {
                return Err(not_enabled(format!(
                    "{op} is not available in {site}, a secondary Region of user pool {pool_id}."
                )));
            }
            if !active {
                return Err(not_enabled(format!(
                    "The replica of user pool {pool_id} in {site} is INACTIVE and does not accept end-user requests."
                )));
            }
        }
        Ok(())
    }

    /// The pool a request is about, read only from members `op`'s input defines (the
    /// operation ignores any other): its `UserPoolId`, its app client's pool, the pool that
    /// issued its access token (the operation verifies the token), the pool of its MFA_SETUP
    /// session, or the pool its `ResourceArn` names, which must be this Region's ARN of it.
    /// `None` when it names none (ListUserPools, CreateUserPool) or names something the
    /// operation itself will refuse (an unknown client, a malformed token).
    async fn pool_named_by(
        &self,
        op: &tessera_wire::ops::Operation,
        input: &Value,
        site: &str,
    ) -> Result<Option<String>, CoreError> {
        let field = |name: &str| {
            tessera_wire::validate::input_has_member(op, name)
                .then(|| input.get(name).and_then(Value::as_str))
                .flatten()
        };
        if let Some(arn) = field("ResourceArn") {
            let Some(pool_id) = crate::ids::pool_id_from_arn(arn) else {
                return Ok(None);
            };
            if crate::ids::pool_arn(site, &self.settings.account_id, pool_id) != arn {
                return Err(CoreError::ResourceNotFound(format!(
                    "Resource {arn} does not exist."
                )));
            }
            return Ok(Some(pool_id.to_string()));
        }
        if let Some(p) = field("UserPoolId") {
            return Ok(Some(p.to_string()));
        }
        if let Some(c) = field("ClientId") {
            return Ok(self.cached_client(c).await?.map(|c| c.pool_id.clone()));
        }
        if let Some(t) = field("AccessToken") {
            return Ok(crate::tokens::jwt::unverified_issuer_tail(t));
        }
        if let Some(s) = field("Session") {
            return Ok(self
                .open_any_session(s, crate::mfa::MFA_SETUP)
                .ok()
                .map(|s| s.p));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "eu-central-2",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "us-east-x",
            "US-east-1",
            "us--1",
            "-east-1",
            "useast1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn the_two_allow_lists_do_not_overlap_and_name_modeled_operations() {
        use tessera_wire::ops::{Service, find_operation};
        for op in SECONDARY_ANY.iter().chain(SECONDARY_ACTIVE) {
            assert!(find_operation(Service::CognitoIdp, op).is_some(), "{op}");
        }
        assert!(SECONDARY_ANY.iter().all(|o| !SECONDARY_ACTIVE.contains(o)));
        // What the guide says a secondary never does.
        for refused in [
            "SignUp",
            "AdminCreateUser",
            "ForgotPassword",
            "ConfirmForgotPassword",
            "UpdateUserAttributes",
            "AdminUpdateUserAttributes",
            "AssociateSoftwareToken",
            "VerifySoftwareToken",
            "CreateUserPoolReplica",
            "DeleteUserPoolReplica",
        ] {
            assert!(!SECONDARY_ANY.contains(&refused) && !SECONDARY_ACTIVE.contains(&refused));
        }
    }
}
