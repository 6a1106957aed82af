//! Managed-login settings: user pool domains and resource servers.
pub(crate) mod create_resource_server;
pub(crate) mod create_user_pool_domain;
pub(crate) mod delete_resource_server;
pub(crate) mod delete_user_pool_domain;
pub(crate) mod describe_resource_server;
pub(crate) mod describe_user_pool_domain;
pub(crate) mod list_resource_servers;
pub(crate) mod update_resource_server;
pub(crate) mod update_user_pool_domain;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "CreateUserPoolDomain", create_user_pool_domain::handle);
    r.add(
        Idp,
        "DescribeUserPoolDomain",
        describe_user_pool_domain::handle,
    );
    r.add(Idp, "UpdateUserPoolDomain", update_user_pool_domain::handle);
    r.add(Idp, "DeleteUserPoolDomain", delete_user_pool_domain::handle);
    r.add(Idp, "CreateResourceServer", create_resource_server::handle);
    r.add(
        Idp,
        "DescribeResourceServer",
        describe_resource_server::handle,
    );
    r.add(Idp, "UpdateResourceServer", update_resource_server::handle);
    r.add(Idp, "DeleteResourceServer", delete_resource_server::handle);
    r.add(Idp, "ListResourceServers", list_resource_servers::handle);
}
