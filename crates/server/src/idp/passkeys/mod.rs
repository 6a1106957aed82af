//! Passkeys: registration, listing and deletion with the user's access token.
pub(crate) mod complete_web_authn_registration;
pub(crate) mod delete_web_authn_credential;
pub(crate) mod list_web_authn_credentials;
pub(crate) mod start_web_authn_registration;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(
        Idp,
        "StartWebAuthnRegistration",
        start_web_authn_registration::handle,
    );
    r.add(
        Idp,
        "CompleteWebAuthnRegistration",
        complete_web_authn_registration::handle,
    );
    r.add(
        Idp,
        "ListWebAuthnCredentials",
        list_web_authn_credentials::handle,
    );
    r.add(
        Idp,
        "DeleteWebAuthnCredential",
        delete_web_authn_credential::handle,
    );
}
