//! The user's own operations, authorised by its access token.
pub(crate) mod change_password;
pub(crate) mod delete_user;
pub(crate) mod delete_user_attributes;
pub(crate) mod get_user;
pub(crate) mod get_user_attribute_verification_code;
pub(crate) mod update_user_attributes;
pub(crate) mod verify_user_attribute;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "GetUser", get_user::handle);
    r.add(Idp, "UpdateUserAttributes", update_user_attributes::handle);
    r.add(Idp, "DeleteUserAttributes", delete_user_attributes::handle);
    r.add(Idp, "DeleteUser", delete_user::handle);
    r.add(Idp, "ChangePassword", change_password::handle);
    r.add(
        Idp,
        "GetUserAttributeVerificationCode",
        get_user_attribute_verification_code::handle,
    );
    r.add(Idp, "VerifyUserAttribute", verify_user_attribute::handle);
}
