//! Remembered devices: the user's own operations and their Admin twins.
pub(crate) mod admin_forget_device;
pub(crate) mod admin_get_device;
pub(crate) mod admin_list_devices;
pub(crate) mod admin_update_device_status;
pub(crate) mod confirm_device;
pub(crate) mod forget_device;
pub(crate) mod get_device;
pub(crate) mod list_devices;
pub(crate) mod update_device_status;

use tessera_core::CoreError;
use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

/// The access token an operation needs (optional in the model, required to act).
fn token(t: Option<&str>) -> Result<&str, CoreError> {
    t.filter(|t| !t.is_empty())
        .ok_or_else(|| CoreError::NotAuthorized("Access Token is required.".into()))
}

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "ConfirmDevice", confirm_device::handle);
    r.add(Idp, "GetDevice", get_device::handle);
    r.add(Idp, "ListDevices", list_devices::handle);
    r.add(Idp, "ForgetDevice", forget_device::handle);
    r.add(Idp, "UpdateDeviceStatus", update_device_status::handle);
    r.add(Idp, "AdminGetDevice", admin_get_device::handle);
    r.add(Idp, "AdminListDevices", admin_list_devices::handle);
    r.add(Idp, "AdminForgetDevice", admin_forget_device::handle);
    r.add(
        Idp,
        "AdminUpdateDeviceStatus",
        admin_update_device_status::handle,
    );
}
