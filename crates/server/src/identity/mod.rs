//! `cognito-identity` operations (identity pools), a service beside the user pools: each
//! handler decodes its input and calls one function of `tessera-identity`.

mod developer;
mod identities;
mod pools;

use tessera_wire::ops::Service::CognitoIdentity as Id;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Id, "CreateIdentityPool", pools::create_identity_pool);
    r.add(Id, "DescribeIdentityPool", pools::describe_identity_pool);
    r.add(Id, "UpdateIdentityPool", pools::update_identity_pool);
    r.add(Id, "DeleteIdentityPool", pools::delete_identity_pool);
    r.add(Id, "ListIdentityPools", pools::list_identity_pools);
    r.add(Id, "SetIdentityPoolRoles", pools::set_identity_pool_roles);
    r.add(Id, "GetIdentityPoolRoles", pools::get_identity_pool_roles);
    r.add(Id, "TagResource", pools::tag_resource);
    r.add(Id, "UntagResource", pools::untag_resource);
    r.add(Id, "ListTagsForResource", pools::list_tags_for_resource);
    r.add(
        Id,
        "SetPrincipalTagAttributeMap",
        pools::set_principal_tag_attribute_map,
    );
    r.add(
        Id,
        "GetPrincipalTagAttributeMap",
        pools::get_principal_tag_attribute_map,
    );
    r.add(Id, "GetId", identities::get_id);
    r.add(
        Id,
        "GetCredentialsForIdentity",
        identities::get_credentials_for_identity,
    );
    r.add(Id, "GetOpenIdToken", identities::get_open_id_token);
    r.add(Id, "UnlinkIdentity", identities::unlink_identity);
    r.add(Id, "DescribeIdentity", identities::describe_identity);
    r.add(Id, "ListIdentities", identities::list_identities);
    r.add(Id, "DeleteIdentities", identities::delete_identities);
    r.add(
        Id,
        "GetOpenIdTokenForDeveloperIdentity",
        developer::get_open_id_token_for_developer_identity,
    );
    r.add(
        Id,
        "LookupDeveloperIdentity",
        developer::lookup_developer_identity,
    );
    r.add(
        Id,
        "MergeDeveloperIdentities",
        developer::merge_developer_identities,
    );
    r.add(
        Id,
        "UnlinkDeveloperIdentity",
        developer::unlink_developer_identity,
    );
}
