//! Group operations: groups of a pool and their members.
pub(crate) mod admin_add_user_to_group;
pub(crate) mod admin_list_groups_for_user;
pub(crate) mod admin_remove_user_from_group;
pub(crate) mod create_group;
pub(crate) mod delete_group;
pub(crate) mod get_group;
pub(crate) mod list_groups;
pub(crate) mod list_users_in_group;
pub(crate) mod update_group;

use tessera_wire::ops::Service::CognitoIdp as Idp;

use crate::registry::Registry;

pub(crate) fn register(r: &mut Registry) {
    r.add(Idp, "CreateGroup", create_group::handle);
    r.add(Idp, "GetGroup", get_group::handle);
    r.add(Idp, "UpdateGroup", update_group::handle);
    r.add(Idp, "DeleteGroup", delete_group::handle);
    r.add(Idp, "ListGroups", list_groups::handle);
    r.add(Idp, "AdminAddUserToGroup", admin_add_user_to_group::handle);
    r.add(
        Idp,
        "AdminRemoveUserFromGroup",
        admin_remove_user_from_group::handle,
    );
    r.add(
        Idp,
        "AdminListGroupsForUser",
        admin_list_groups_for_user::handle,
    );
    r.add(Idp, "ListUsersInGroup", list_users_in_group::handle);
}
