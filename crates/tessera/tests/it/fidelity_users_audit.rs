//! Issue 19's audit of the user operations: for each refusal of sign-up, confirmation,
//! codes, the admin user operations, the user's own operations, ListUsers and groups, the
//! exception name and the whole message, on both backends. Sources and confidence are in
//! docs/fidelity.md, "Audit: users (issue 19)"; each assertion names its row (U1, U2, …).

use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, AliasAttributeType, AttributeDataType, AttributeType,
    ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType,
};

use crate::auth::{PASSWORD, login, user};
use crate::harness::{TestServer, both};
use crate::users::attr;

/// Asserts the exception name and the whole message of a failed call.
fn refused<T: std::fmt::Debug, E>(r: Result<T, E>, exception: &str, text: &str)
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::fmt::Debug,
{
    let (got_code, got_message) = match &r {
        Ok(v) => panic!("expected {exception}, got {v:?}"),
        Err(e) => (
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        ),
    };
    assert_eq!((got_code.as_str(), got_message.as_str()), (exception, text));
}

fn string_attribute(name: &str, required: bool, mutable: bool) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .required(required)
        .mutable(mutable)
        .build()
}

/// A pool requiring email and name, with an immutable `custom:plan`, and a client that may
/// write only `email` and `custom:plan` (`None`: every attribute).
async fn schema_pool(srv: &TestServer, writes: Option<&[&str]>) -> (String, String) {
    let pool = srv
        .idp
        .create_user_pool()
        .pool_name("audit")
        .schema(string_attribute("email", true, true))
        .schema(string_attribute("name", true, true))
        .schema(string_attribute("plan", false, false))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let mut req = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
    if let Some(w) = writes {
        req = req.set_write_attributes(Some(w.iter().map(|s| s.to_string()).collect()));
    }
    let client = req
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    (pool, client)
}

async fn plain_client(srv: &TestServer, pool: &str) -> String {
    srv.idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

// Rows U1–U6.
both!(sign_up_refusals, async |srv: &TestServer| {
    let (_, client) = schema_pool(srv, None).await;
    let sign_up = |name: &str| {
        srv.idp
            .sign_up()
            .client_id(&client)
            .username(name)
            .password(PASSWORD)
    };
    // U1: every unknown name, one line each, after one prefix.
    refused(
        sign_up("ann")
            .user_attributes(attr("custom:foo", "1"))
            .user_attributes(attr("custom:bar", "2"))
            .send()
            .await,
        "InvalidParameterException",
        "Attributes did not conform to the schema: custom:foo: Attribute does not exist in the \
         schema.\ncustom:bar: Attribute does not exist in the schema.\n",
    );
    // U2: every missing required attribute, one line each, in the schema's order.
    refused(
        sign_up("ann").send().await,
        "InvalidParameterException",
        "Attributes did not conform to the schema: name: The attribute is required\n\
         email: The attribute is required\n",
    );
    refused(
        sign_up("ann")
            .user_attributes(attr("email", "ann@example.com"))
            .send()
            .await,
        "InvalidParameterException",
        "Attributes did not conform to the schema: name: The attribute is required\n",
    );
    // U3: an attribute without a value.
    refused(
        sign_up("ann")
            .user_attributes(AttributeType::builder().name("name").build().unwrap())
            .send()
            .await,
        "InvalidParameterException",
        "Attribute value for name must not be null",
    );
    // U4: a taken username.
    let full = |name: &str| {
        sign_up(name)
            .user_attributes(attr("email", &format!("{name}@example.com")))
            .user_attributes(attr("name", name))
    };
    full("ann").send().await.unwrap();
    refused(
        full("ann").send().await,
        "UsernameExistsException",
        "User already exists",
    );

    // U5: a client that may not write the attribute.
    let (_, limited) = schema_pool(srv, Some(&["email", "custom:plan"])).await;
    refused(
        srv.idp
            .sign_up()
            .client_id(&limited)
            .username("bob")
            .password(PASSWORD)
            .user_attributes(attr("email", "bob@example.com"))
            .user_attributes(attr("name", "Bob"))
            .send()
            .await,
        "NotAuthorizedException",
        "A client attempted to write unauthorized attribute",
    );

    // U6: a pool where only administrators create users.
    let closed = srv
        .idp
        .create_user_pool()
        .pool_name("closed")
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let closed_client = plain_client(srv, &closed).await;
    refused(
        srv.idp
            .sign_up()
            .client_id(&closed_client)
            .username("cy")
            .password(PASSWORD)
            .send()
            .await,
        "NotAuthorizedException",
        "SignUp is not permitted for this user pool",
    );
});

// Rows U7–U9.
both!(alias_and_resend_refusals, async |srv: &TestServer| {
    // U7: an email-shaped username where email is an alias.
    let aliased = srv
        .idp
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = plain_client(srv, &aliased).await;
    refused(
        srv.idp
            .sign_up()
            .client_id(&client)
            .username("dee@example.com")
            .password(PASSWORD)
            .send()
            .await,
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    );

    // U8: resending where nothing is auto-verified (this pool verifies nothing).
    srv.idp
        .sign_up()
        .client_id(&client)
        .username("dee")
        .password(PASSWORD)
        .user_attributes(attr("email", "dee@example.com"))
        .send()
        .await
        .unwrap();
    let resend = || {
        srv.idp
            .resend_confirmation_code()
            .client_id(&client)
            .username("dee")
    };
    refused(
        resend().send().await,
        "NotAuthorizedException",
        "Cannot resend codes. Auto verification not turned on.",
    );
    // U9: resending to a confirmed user.
    srv.idp
        .admin_confirm_sign_up()
        .user_pool_id(&aliased)
        .username("dee")
        .send()
        .await
        .unwrap();
    refused(
        resend().send().await,
        "InvalidParameterException",
        "User is already confirmed.",
    );
});

// Rows U10–U17.
both!(admin_refusals, async |srv: &TestServer| {
    let (pool, _) = schema_pool(srv, None).await;
    let c = &srv.idp;
    let create = || {
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("eve")
            .message_action(MessageActionType::Suppress)
            .user_attributes(attr("email", "eve@example.com"))
            .user_attributes(attr("name", "Eve"))
            .user_attributes(attr("custom:plan", "gold"))
    };
    create().send().await.unwrap();
    // U10: AdminCreateUser's own wording for a taken username.
    refused(
        create().send().await,
        "UsernameExistsException",
        "User account already exists",
    );
    // U11: a missing user.
    refused(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("nobody")
            .send()
            .await,
        "UserNotFoundException",
        "User does not exist.",
    );
    // U12: updates name unknown attributes as `user.<name>`, without a prefix.
    let update = |a: AttributeType| {
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("eve")
            .user_attributes(a)
    };
    refused(
        update(attr("custom:foo", "1"))
            .user_attributes(attr("custom:bar", "2"))
            .send()
            .await,
        "InvalidParameterException",
        "user.custom:foo: Attribute does not exist in the schema.\n\
         user.custom:bar: Attribute does not exist in the schema.\n",
    );
    // U13: an immutable attribute.
    refused(
        update(attr("custom:plan", "silver")).send().await,
        "InvalidParameterException",
        "user.custom:plan: Attribute cannot be updated.\n",
    );
    // U14: a required attribute cannot be deleted.
    refused(
        c.admin_delete_user_attributes()
            .user_pool_id(&pool)
            .username("eve")
            .user_attribute_names("email")
            .send()
            .await,
        "InvalidParameterException",
        "Invalid user attributes: email: Required attribute cannot be deleted.",
    );
    // U15: confirming a user who is not UNCONFIRMED.
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("eve")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    refused(
        c.admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username("eve")
            .send()
            .await,
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    );
    // U16: a reset with no verified email or phone number.
    let reset = || {
        c.admin_reset_user_password()
            .user_pool_id(&pool)
            .username("eve")
    };
    refused(
        reset().send().await,
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or \
         phone_number",
    );
    // U17: a reset of a disabled user.
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("eve")
        .send()
        .await
        .unwrap();
    refused(
        reset().send().await,
        "NotAuthorizedException",
        "User is disabled.",
    );
});

// Rows U18–U21.
both!(own_refusals, async |srv: &TestServer| {
    let (pool, client) = schema_pool(srv, Some(&["email", "custom:plan"])).await;
    srv.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("fay")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", "fay@example.com"))
        .user_attributes(attr("name", "Fay"))
        .send()
        .await
        .unwrap();
    srv.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("fay")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let token = login(srv, &client, "fay", PASSWORD)
        .await
        .unwrap()
        .access_token
        .unwrap();
    // U18: only email and phone_number are verified, in Cognito's order of words.
    refused(
        srv.idp
            .get_user_attribute_verification_code()
            .access_token(&token)
            .attribute_name("name")
            .send()
            .await,
        "InvalidParameterException",
        "Invalid attribute name. Only phone_number and email can be verified.",
    );
    refused(
        srv.idp
            .verify_user_attribute()
            .access_token(&token)
            .attribute_name("name")
            .code("123456")
            .send()
            .await,
        "InvalidParameterException",
        "Invalid attribute name. Only phone_number and email can be verified.",
    );
    // U19: deleting an attribute the client may not write: the write text, unnamed.
    refused(
        srv.idp
            .delete_user_attributes()
            .access_token(&token)
            .user_attribute_names("name")
            .send()
            .await,
        "NotAuthorizedException",
        "A client attempted to write unauthorized attribute",
    );
    // U20: an immutable attribute through UpdateUserAttributes, once set.
    srv.idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("custom:plan", "gold"))
        .send()
        .await
        .unwrap();
    refused(
        srv.idp
            .update_user_attributes()
            .access_token(&token)
            .user_attributes(attr("custom:plan", "silver"))
            .send()
            .await,
        "InvalidParameterException",
        "user.custom:plan: Attribute cannot be updated.\n",
    );
    // U21: a wrong previous password.
    refused(
        srv.idp
            .change_password()
            .access_token(&token)
            .previous_password("Wrong0ne!")
            .proposed_password("Another1!")
            .send()
            .await,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
});

// Rows U22–U26.
both!(list_and_group_refusals, async |srv: &TestServer| {
    let (pool, _) = crate::auth::setup(srv).await;
    user(srv, &pool, "gil").await;
    let c = &srv.idp;
    let list = |f: &str| c.list_users().user_pool_id(&pool).filter(f);
    // U22: a filter that does not parse.
    refused(
        list("email = gil").send().await,
        "InvalidParameterException",
        "Error while parsing filter.",
    );
    // U23: a filter on an attribute Cognito does not search.
    refused(
        list("custom:foo = \"1\"").send().await,
        "InvalidParameterException",
        "Invalid search attribute: custom:foo",
    );
    // U24: a group that exists.
    let create = || c.create_group().user_pool_id(&pool).group_name("admins");
    create().send().await.unwrap();
    refused(
        create().send().await,
        "GroupExistsException",
        "A group with the name admins already exists.",
    );
    // U25: a group that does not.
    refused(
        c.get_group()
            .user_pool_id(&pool)
            .group_name("nope")
            .send()
            .await,
        "ResourceNotFoundException",
        "Group not found.",
    );
    refused(
        c.admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("gil")
            .group_name("nope")
            .send()
            .await,
        "ResourceNotFoundException",
        "Group not found.",
    );
    // U26: a member who does not exist.
    refused(
        c.admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("nobody")
            .group_name("admins")
            .send()
            .await,
        "UserNotFoundException",
        "User does not exist.",
    );
});
