//! App client operations.
pub(crate) mod create_user_pool_client;
pub(crate) mod delete_user_pool_client;
pub(crate) mod describe_user_pool_client;
pub(crate) mod list_user_pool_clients;
pub(crate) mod update_user_pool_client;
