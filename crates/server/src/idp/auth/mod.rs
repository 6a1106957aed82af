//! Sign-in, refresh, sign-out and revocation.
pub(crate) mod admin_get_user_auth_factors;
pub(crate) mod admin_initiate_auth;
pub(crate) mod admin_respond_to_auth_challenge;
pub(crate) mod admin_user_global_sign_out;
pub(crate) mod get_tokens_from_refresh_token;
pub(crate) mod get_user_auth_factors;
pub(crate) mod global_sign_out;
pub(crate) mod initiate_auth;
pub(crate) mod respond_to_auth_challenge;
pub(crate) mod revoke_token;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "InitiateAuth", initiate_auth::handle);
    r.add(Idp, "GetUserAuthFactors", get_user_auth_factors::handle);
    r.add(
        Idp,
        "AdminGetUserAuthFactors",
        admin_get_user_auth_factors::handle,
    );
    r.add(Idp, "AdminInitiateAuth", admin_initiate_auth::handle);
    r.add(
        Idp,
        "RespondToAuthChallenge",
        respond_to_auth_challenge::handle,
    );
    r.add(
        Idp,
        "AdminRespondToAuthChallenge",
        admin_respond_to_auth_challenge::handle,
    );
    r.add(
        Idp,
        "GetTokensFromRefreshToken",
        get_tokens_from_refresh_token::handle,
    );
    r.add(Idp, "RevokeToken", revoke_token::handle);
    r.add(Idp, "GlobalSignOut", global_sign_out::handle);
    r.add(
        Idp,
        "AdminUserGlobalSignOut",
        admin_user_global_sign_out::handle,
    );
}
