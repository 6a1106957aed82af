//! `cognito-idp` operations, one file per operation, grouped by capability.

mod auth;
mod clients;
mod devices;
mod federation;
mod groups;
pub(crate) mod import;
mod mfa;
mod oauth;
mod own;
mod passkeys;
mod pools;
mod tags;
mod users;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    oauth::register(r);
    federation::register(r);
    mfa::register(r);
    devices::register(r);
    passkeys::register(r);
    import::register(r);
    r.add(Idp, "CreateUserPool", pools::create_user_pool::handle);
    r.add(Idp, "DescribeUserPool", pools::describe_user_pool::handle);
    r.add(Idp, "UpdateUserPool", pools::update_user_pool::handle);
    r.add(Idp, "DeleteUserPool", pools::delete_user_pool::handle);
    r.add(Idp, "ListUserPools", pools::list_user_pools::handle);
    r.add(Idp, "CreateUserPoolReplica", pools::replicas::create);
    r.add(Idp, "ListUserPoolReplicas", pools::replicas::list);
    r.add(Idp, "UpdateUserPoolReplica", pools::replicas::update);
    r.add(Idp, "DeleteUserPoolReplica", pools::replicas::delete);
    r.add(
        Idp,
        "AddCustomAttributes",
        pools::add_custom_attributes::handle,
    );
    r.add(
        Idp,
        "CreateUserPoolClient",
        clients::create_user_pool_client::handle,
    );
    r.add(
        Idp,
        "DescribeUserPoolClient",
        clients::describe_user_pool_client::handle,
    );
    r.add(
        Idp,
        "UpdateUserPoolClient",
        clients::update_user_pool_client::handle,
    );
    r.add(
        Idp,
        "DeleteUserPoolClient",
        clients::delete_user_pool_client::handle,
    );
    r.add(
        Idp,
        "ListUserPoolClients",
        clients::list_user_pool_clients::handle,
    );
    r.add(Idp, "TagResource", tags::tag_resource::handle);
    r.add(Idp, "UntagResource", tags::untag_resource::handle);
    r.add(
        Idp,
        "ListTagsForResource",
        tags::list_tags_for_resource::handle,
    );
    users::register(r);
    groups::register(r);
    auth::register(r);
    own::register(r);
}
