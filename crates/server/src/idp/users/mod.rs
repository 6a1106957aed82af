//! User operations: sign-up, confirmation, administration, passwords, listing.
pub(crate) mod admin_confirm_sign_up;
pub(crate) mod admin_create_user;
pub(crate) mod admin_delete_user;
pub(crate) mod admin_delete_user_attributes;
pub(crate) mod admin_disable_user;
pub(crate) mod admin_enable_user;
pub(crate) mod admin_get_user;
pub(crate) mod admin_reset_user_password;
pub(crate) mod admin_set_user_password;
pub(crate) mod admin_update_user_attributes;
pub(crate) mod confirm_forgot_password;
pub(crate) mod confirm_sign_up;
pub(crate) mod forgot_password;
pub(crate) mod list_users;
pub(crate) mod resend_confirmation_code;
pub(crate) mod sign_up;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "SignUp", sign_up::handle);
    r.add(Idp, "ConfirmSignUp", confirm_sign_up::handle);
    r.add(
        Idp,
        "ResendConfirmationCode",
        resend_confirmation_code::handle,
    );
    r.add(Idp, "AdminConfirmSignUp", admin_confirm_sign_up::handle);
    r.add(Idp, "AdminCreateUser", admin_create_user::handle);
    r.add(Idp, "AdminGetUser", admin_get_user::handle);
    r.add(Idp, "AdminDeleteUser", admin_delete_user::handle);
    r.add(Idp, "AdminDisableUser", admin_disable_user::handle);
    r.add(Idp, "AdminEnableUser", admin_enable_user::handle);
    r.add(
        Idp,
        "AdminUpdateUserAttributes",
        admin_update_user_attributes::handle,
    );
    r.add(
        Idp,
        "AdminDeleteUserAttributes",
        admin_delete_user_attributes::handle,
    );
    r.add(
        Idp,
        "AdminResetUserPassword",
        admin_reset_user_password::handle,
    );
    r.add(Idp, "AdminSetUserPassword", admin_set_user_password::handle);
    r.add(Idp, "ListUsers", list_users::handle);
    r.add(Idp, "ForgotPassword", forgot_password::handle);
    r.add(
        Idp,
        "ConfirmForgotPassword",
        confirm_forgot_password::handle,
    );
}
