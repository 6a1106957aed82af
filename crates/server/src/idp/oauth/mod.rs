//! Managed-login settings: user pool domains, resource servers, terms, UI customization and
//! managed login branding.
pub(crate) mod create_managed_login_branding;
pub(crate) mod create_resource_server;
pub(crate) mod create_terms;
pub(crate) mod create_user_pool_domain;
pub(crate) mod delete_managed_login_branding;
pub(crate) mod delete_resource_server;
pub(crate) mod delete_terms;
pub(crate) mod delete_user_pool_domain;
pub(crate) mod describe_managed_login_branding;
pub(crate) mod describe_managed_login_branding_by_client;
pub(crate) mod describe_resource_server;
pub(crate) mod describe_terms;
pub(crate) mod describe_user_pool_domain;
pub(crate) mod get_ui_customization;
pub(crate) mod list_resource_servers;
pub(crate) mod list_terms;
pub(crate) mod set_ui_customization;
pub(crate) mod update_managed_login_branding;
pub(crate) mod update_resource_server;
pub(crate) mod update_terms;
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
    r.add(Idp, "CreateTerms", create_terms::handle);
    r.add(Idp, "DescribeTerms", describe_terms::handle);
    r.add(Idp, "UpdateTerms", update_terms::handle);
    r.add(Idp, "DeleteTerms", delete_terms::handle);
    r.add(Idp, "ListTerms", list_terms::handle);
    r.add(Idp, "SetUICustomization", set_ui_customization::handle);
    r.add(Idp, "GetUICustomization", get_ui_customization::handle);
    r.add(
        Idp,
        "CreateManagedLoginBranding",
        create_managed_login_branding::handle,
    );
    r.add(
        Idp,
        "DescribeManagedLoginBranding",
        describe_managed_login_branding::handle,
    );
    r.add(
        Idp,
        "DescribeManagedLoginBrandingByClient",
        describe_managed_login_branding_by_client::handle,
    );
    r.add(
        Idp,
        "UpdateManagedLoginBranding",
        update_managed_login_branding::handle,
    );
    r.add(
        Idp,
        "DeleteManagedLoginBranding",
        delete_managed_login_branding::handle,
    );
}
