//! Users, sign-up, confirmation and passwords through the AWS SDK for Rust.

mod admin;
mod import;
mod import_start;
mod list;
mod signup;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, UserStatusType, VerifiedAttributeType,
};

use crate::harness::TestServer;

pub(crate) fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// A pool that auto-verifies email, and a public client.
async fn pool_and_client(srv: &TestServer) -> (String, String) {
    let pool = srv
        .idp
        .create_user_pool()
        .pool_name("users")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    (pool, client)
}

async fn status(srv: &TestServer, pool: &str, username: &str) -> UserStatusType {
    srv.idp
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_status
        .unwrap()
}
