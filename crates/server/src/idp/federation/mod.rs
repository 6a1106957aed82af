//! Federation: identity providers, their signing certificate, and links between federated
//! and native users.
pub(crate) mod admin_disable_provider_for_user;
pub(crate) mod admin_link_provider_for_user;
pub(crate) mod create_identity_provider;
pub(crate) mod delete_identity_provider;
pub(crate) mod describe_identity_provider;
pub(crate) mod get_identity_provider_by_identifier;
pub(crate) mod get_signing_certificate;
pub(crate) mod list_identity_providers;
pub(crate) mod update_identity_provider;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(
        Idp,
        "CreateIdentityProvider",
        create_identity_provider::handle,
    );
    r.add(
        Idp,
        "DescribeIdentityProvider",
        describe_identity_provider::handle,
    );
    r.add(
        Idp,
        "UpdateIdentityProvider",
        update_identity_provider::handle,
    );
    r.add(
        Idp,
        "DeleteIdentityProvider",
        delete_identity_provider::handle,
    );
    r.add(
        Idp,
        "ListIdentityProviders",
        list_identity_providers::handle,
    );
    r.add(
        Idp,
        "GetIdentityProviderByIdentifier",
        get_identity_provider_by_identifier::handle,
    );
    r.add(
        Idp,
        "GetSigningCertificate",
        get_signing_certificate::handle,
    );
    r.add(
        Idp,
        "AdminLinkProviderForUser",
        admin_link_provider_for_user::handle,
    );
    r.add(
        Idp,
        "AdminDisableProviderForUser",
        admin_disable_provider_for_user::handle,
    );
}
