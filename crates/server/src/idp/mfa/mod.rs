//! MFA: the pool's configuration, the user's factors, and software tokens.
pub(crate) mod admin_delete_software_token;
pub(crate) mod admin_set_user_mfa_preference;
pub(crate) mod admin_set_user_settings;
pub(crate) mod associate_software_token;
pub(crate) mod get_user_pool_mfa_config;
pub(crate) mod set_user_mfa_preference;
pub(crate) mod set_user_pool_mfa_config;
pub(crate) mod set_user_settings;
pub(crate) mod verify_software_token;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(
        Idp,
        "SetUserPoolMfaConfig",
        set_user_pool_mfa_config::handle,
    );
    r.add(
        Idp,
        "GetUserPoolMfaConfig",
        get_user_pool_mfa_config::handle,
    );
    r.add(Idp, "SetUserMFAPreference", set_user_mfa_preference::handle);
    r.add(
        Idp,
        "AdminSetUserMFAPreference",
        admin_set_user_mfa_preference::handle,
    );
    r.add(Idp, "SetUserSettings", set_user_settings::handle);
    r.add(Idp, "AdminSetUserSettings", admin_set_user_settings::handle);
    r.add(
        Idp,
        "AssociateSoftwareToken",
        associate_software_token::handle,
    );
    r.add(Idp, "VerifySoftwareToken", verify_software_token::handle);
    r.add(
        Idp,
        "AdminDeleteSoftwareToken",
        admin_delete_software_token::handle,
    );
}
