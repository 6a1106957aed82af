//! User pool operations.
pub(crate) mod add_custom_attributes;
pub(crate) mod create_user_pool;
pub(crate) mod delete_user_pool;
pub(crate) mod describe_user_pool;
pub(crate) mod list_user_pools;
pub(crate) mod replicas;
pub(crate) mod update_user_pool;
