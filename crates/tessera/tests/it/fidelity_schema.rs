//! Schema, attribute and username refusals answered exactly as Cognito answers them
//! (issue 19, items 1–5, 7, 13 and 15). Every expected text comes from the table
//! "Schema, attribute and username refusals (issue 19)" in docs/fidelity.md; the row is
//! named beside each test.

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeDataType, ExplicitAuthFlowsType, MessageActionType,
    NumberAttributeConstraintsType, SchemaAttributeType, StringAttributeConstraintsType,
    UsernameAttributeType,
};

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;

use crate::harness::{TestServer, both};
use crate::users::attr;

fn string_attr(name: &str, min: Option<&str>, max: Option<&str>) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .string_attribute_constraints(
            StringAttributeConstraintsType::builder()
                .set_min_length(min.map(Into::into))
                .set_max_length(max.map(Into::into))
                .build(),
        )
        .build()
}

fn number_attr(name: &str, min: Option<&str>, max: Option<&str>) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::Number)
        .number_attribute_constraints(
            NumberAttributeConstraintsType::builder()
                .set_min_value(min.map(Into::into))
                .set_max_value(max.map(Into::into))
                .build(),
        )
        .build()
}

/// The (exception, message) a call was refused with (panics if it succeeded).
fn answer<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> (String, String) {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => (
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        ),
    }
}

/// CreateUserPool with `schema`: the (exception, message) it is refused with.
async fn refusal(srv: &TestServer, schema: SchemaAttributeType) -> (String, String) {
    answer(
        srv.idp
            .create_user_pool()
            .pool_name("refused")
            .schema(schema)
            .send()
            .await,
    )
}

fn invalid(message: &str) -> (String, String) {
    ("InvalidParameterException".into(), message.into())
}

async fn pool(srv: &TestServer) -> String {
    srv.idp
        .create_user_pool()
        .pool_name("fidelity")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

// Rows 1a–1f: constraint values that are not numbers, lengths over 2048, min above max,
// for standard and custom attributes alike (moto, getmoto/moto#4493; issue 19).
both!(constraint_refusals, async |srv: &TestServer| {
    let cases = [
        (
            string_attr("email", Some("invalid_value"), None),
            "Invalid StringAttributeConstraints for schema attribute email",
        ),
        (
            number_attr("updated_at", None, Some("invalid_value")),
            "Invalid NumberAttributeConstraints for schema attribute updated_at",
        ),
        (
            string_attr("email", None, Some("2049")),
            "user.email: String attributes cannot have a length of more than 2048",
        ),
        (
            string_attr("email", Some("2"), Some("1")),
            "user.email: Max length cannot be less than min length.",
        ),
        (
            number_attr("updated_at", Some("2"), Some("1")),
            "user.updated_at: Max value cannot be less than min value.",
        ),
        (
            string_attr("plan", None, Some("4096")),
            "user.custom:plan: String attributes cannot have a length of more than 2048",
        ),
        (
            number_attr("age", Some("ten"), None),
            "Invalid NumberAttributeConstraints for schema attribute custom:age",
        ),
    ];
    for (schema, want) in cases {
        assert_eq!(refusal(srv, schema).await, invalid(want));
    }
    // Within range, a pool is made and keeps the constraints.
    let made = srv
        .idp
        .create_user_pool()
        .pool_name("kept")
        .schema(string_attr("email", Some("3"), Some("2048")))
        .schema(number_attr("age", Some("0"), Some("150")))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let email = made
        .schema_attributes()
        .iter()
        .find(|a| a.name.as_deref() == Some("email"))
        .and_then(|a| a.string_attribute_constraints.clone())
        .unwrap();
    assert_eq!(email.min_length.as_deref(), Some("3"));
});

// Row 2: a custom attribute needs its AttributeDataType, in CreateUserPool and in
// AddCustomAttributes (aws/aws-cli#6655, aws/aws-cdk#8585).
both!(custom_attribute_without_type, async |srv: &TestServer| {
    let want = invalid(
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
    );
    let untyped = SchemaAttributeType::builder().name("tier").build();
    assert_eq!(refusal(srv, untyped.clone()).await, want);
    let id = pool(srv).await;
    let r = srv
        .idp
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(untyped)
        .send()
        .await;
    assert_eq!(answer(r), want);
});

// Row 3: one message for a standard attribute given another type or made developer-only
// (hashicorp/terraform-provider-aws#23181).
both!(
    standard_attribute_type_and_visibility,
    async |srv: &TestServer| {
        let want = |name: &str| {
            invalid(&format!(
                "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
            ))
        };
        let retyped = SchemaAttributeType::builder()
            .name("email")
            .attribute_data_type(AttributeDataType::Number)
            .build();
        assert_eq!(refusal(srv, retyped).await, want("email"));
        let hidden = SchemaAttributeType::builder()
            .name("family_name")
            .attribute_data_type(AttributeDataType::String)
            .developer_only_attribute(true)
            .build();
        assert_eq!(refusal(srv, hidden).await, want("family_name"));
    }
);

// Row 4: AddCustomAttributes with a name the pool has names the attribute as stored
// (jmaleonard/serverless-cognito-add-custom-attributes#3; moto for `dev:`).
both!(existing_custom_attribute, async |srv: &TestServer| {
    let id = srv
        .idp
        .create_user_pool()
        .pool_name("dupes")
        .schema(
            SchemaAttributeType::builder()
                .name("banana")
                .attribute_data_type(AttributeDataType::String)
                .developer_only_attribute(true)
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("plan")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let add = |name: &str, dev: bool| {
        srv.idp
            .add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(
                SchemaAttributeType::builder()
                    .name(name)
                    .attribute_data_type(AttributeDataType::String)
                    .developer_only_attribute(dev)
                    .build(),
            )
            .send()
    };
    for dev in [true, false] {
        assert_eq!(
            answer(add("banana", dev).await),
            invalid("custom:banana: Existing attribute already has name dev:custom:banana.")
        );
    }
    assert_eq!(
        answer(add("plan", false).await),
        invalid("custom:plan: Existing attribute already has name custom:plan.")
    );
});

/// The value of `name` on the user "tess" of `pool`.
async fn attribute(srv: &TestServer, pool: &str, name: &str) -> Option<String> {
    srv.idp
        .admin_get_user()
        .user_pool_id(pool)
        .username("tess")
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.value.clone())
}

// Row 5: booleans in any case; "True" is taken (aws-amplify/amplify-js#8205) and kept as `true`.
both!(boolean_values_in_any_case, async |srv: &TestServer| {
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("aliases")
        .alias_attributes(AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("tess")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", "tess@example.com"))
        .user_attributes(attr("email_verified", "True"))
        .send()
        .await
        .unwrap();
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("tess")
        .password(crate::auth::PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute(srv, &pool, "email_verified").await.as_deref(),
        Some("true")
    );
    // Verified, the email is a sign-in alias.
    crate::auth::login(srv, &client, "tess@example.com", crate::auth::PASSWORD)
        .await
        .unwrap();
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("tess")
        .user_attributes(attr("phone_number", "+15555550100"))
        .user_attributes(attr("phone_number_verified", "TRUE"))
        .user_attributes(attr("email_verified", "False"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute(srv, &pool, "phone_number_verified")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute(srv, &pool, "email_verified").await.as_deref(),
        Some("false")
    );
});

// Row 7 (DeleteUserAttributes): each unknown name on its own line, after Cognito's prefix
// (moto; line shape as in aws-amplify/amplify-flutter#509 and #1531).
both!(delete_unknown_attributes, async |srv: &TestServer| {
    let (pool, client) = crate::auth::setup(srv).await;
    crate::auth::user(srv, &pool, "dana").await;
    let tokens = crate::auth::login(srv, &client, "dana", crate::auth::PASSWORD)
        .await
        .unwrap();
    let r = srv
        .idp
        .delete_user_attributes()
        .access_token(tokens.access_token.unwrap())
        .user_attribute_names("custom:foo")
        .user_attribute_names("nickname")
        .user_attribute_names("custom:bar")
        .send()
        .await;
    assert_eq!(
        answer(r),
        invalid(
            "Invalid user attributes: user.custom:foo: Attribute does not exist in the schema.\n\
             user.custom:bar: Attribute does not exist in the schema.\n"
        )
    );
});

// Row 7 (AdminDeleteUserAttributes).
both!(admin_delete_unknown_attributes, async |srv: &TestServer| {
    let id = pool(srv).await;
    srv.idp
        .admin_create_user()
        .user_pool_id(&id)
        .username("erin")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let r = srv
        .idp
        .admin_delete_user_attributes()
        .user_pool_id(&id)
        .username("erin")
        .user_attribute_names("custom:foo")
        .send()
        .await;
    assert_eq!(
        answer(r),
        invalid(
            "Invalid user attributes: user.custom:foo: Attribute does not exist in the schema.\n"
        )
    );
});

async fn pool_signing_in_by(srv: &TestServer, by: &[UsernameAttributeType]) -> (String, String) {
    let id = srv
        .idp
        .create_user_pool()
        .pool_name("by-attribute")
        .set_username_attributes(Some(by.to_vec()))
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
        .user_pool_id(&id)
        .client_name("app")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    (id, client)
}

/// SignUp and AdminCreateUser with the username "bob": both refusals.
async fn username_refusals(
    srv: &TestServer,
    by: &[UsernameAttributeType],
) -> [(String, String); 2] {
    let (id, client) = pool_signing_in_by(srv, by).await;
    let signed_up = srv
        .idp
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(crate::auth::PASSWORD)
        .send()
        .await;
    let created = srv
        .idp
        .admin_create_user()
        .user_pool_id(&id)
        .username("bob")
        .send()
        .await;
    [answer(signed_up), answer(created)]
}

// Rows 13b/13c: pools signing in by one attribute name it (client codebases matching both texts).
both!(username_of_the_wrong_form, async |srv: &TestServer| {
    let want = |m: &str| [invalid(m), invalid(m)];
    assert_eq!(
        username_refusals(srv, &[UsernameAttributeType::Email]).await,
        want("Username should be an email.")
    );
    assert_eq!(
        username_refusals(srv, &[UsernameAttributeType::PhoneNumber]).await,
        want("Username should be a phone number.")
    );
});

// Row 13a: a pool signing in by both (real SignUp trace; moto).
both!(
    username_neither_email_nor_phone,
    async |srv: &TestServer| {
        let want = "Username should be either an email or a phone number.";
        for by in [
            [
                UsernameAttributeType::Email,
                UsernameAttributeType::PhoneNumber,
            ],
            [
                UsernameAttributeType::PhoneNumber,
                UsernameAttributeType::Email,
            ],
        ] {
            assert_eq!(
                username_refusals(srv, &by).await,
                [invalid(want), invalid(want)]
            );
        }
    }
);

// Row 15: an AttributeDataType outside the enum, with Cognito's path (terraform-provider-aws
// #10846) and value order (moto).
both!(
    attribute_data_type_outside_the_enum,
    async |srv: &TestServer| {
        let schema = SchemaAttributeType::builder()
            .name("tier")
            .attribute_data_type(AttributeDataType::from("Strng"))
            .build();
        assert_eq!(
            refusal(srv, schema).await,
            invalid(
                "1 validation error detected: Value 'Strng' at 'schema.1.member.attributeDataType' \
             failed to satisfy constraint: Member must satisfy enum value set: \
             [Boolean, Number, String, DateTime]"
            )
        );
    }
);
