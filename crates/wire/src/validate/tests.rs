//! Tests of model validation: each violation kind with Cognito's exact wording.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::ops::find_operation;
use crate::{identity, idp};

fn idp_op(name: &str) -> &'static Operation {
    find_operation(Service::CognitoIdp, name).unwrap()
}

fn invalid(op: &str, body: Value) -> String {
    match validate_input(idp_op(op), &body) {
        Err(InputError::Invalid(message)) => message,
        other => panic!("expected Invalid for {op} {body}, got {other:?}"),
    }
}

fn serialization(op: &str, body: Value) -> String {
    match validate_input(idp_op(op), &body) {
        Err(InputError::Serialization(message)) => message,
        other => panic!("expected Serialization for {op} {body}, got {other:?}"),
    }
}

#[test]
fn every_pattern_compiles() {
    assert!(!PATTERNS.is_empty());
    for pattern in &PATTERNS {
        assert!(
            pattern.regex.starts_with("^(?:") && pattern.regex.ends_with(")$"),
            "{} is not anchored",
            pattern.regex
        );
        assert!(
            pattern.compiled().is_some(),
            "{} (from {}) does not compile",
            pattern.regex,
            pattern.source
        );
    }
    // Every pattern referenced by a shape is in the table.
    for service in Service::all() {
        for shape in generated::shapes(service) {
            if let Some(index) = shape.pattern {
                assert!(PATTERNS.get(usize::from(index)).is_some(), "{}", shape.name);
            }
        }
    }
}

#[test]
fn class_matchers_agree_with_the_regex() {
    let mut samples: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
    samples.extend(
        [
            "",
            "é",
            "日本",
            "a\u{1F600}",
            "abc",
            "a b",
            "a-b_c=d.e",
            "AZaz09",
            "x+y/z=",
            "eyJraWQiOiJrMSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "us-east-1_AbC123",
            "a\nb",
            "\t",
            "user@example.com",
            "ab.",
            "tkn0123456789abcdefghijklmno",
        ]
        .map(String::from),
    );
    let mut classes = 0;
    for pattern in &PATTERNS {
        let re = pattern.compiled().unwrap();
        let m = pattern.matcher().unwrap();
        if matches!(m, Matcher::Class { .. }) {
            classes += 1;
        }
        for text in &samples {
            assert_eq!(
                m.is_match(text),
                re.is_match(text),
                "{} on {text:?}",
                pattern.regex
            );
        }
    }
    // The token pattern, and most others, take the table.
    assert!(classes >= 20, "{classes}");
    let token = PATTERNS
        .iter()
        .find(|p| p.source == "[A-Za-z0-9-_=.]+")
        .unwrap();
    assert!(matches!(token.matcher(), Some(Matcher::Class { .. })));
}

#[test]
fn look_behind_pattern_is_translated() {
    let pattern = PATTERNS
        .iter()
        .find(|p| p.source == r"^[0-9A-Za-z\.\-_]*(?<!\.)$")
        .expect("S3BucketType pattern");
    let re = pattern.compiled().unwrap();
    for ok in ["a.b", "my-bucket_1", "a", ""] {
        assert!(re.is_match(ok), "{ok:?} must match");
    }
    for bad in ["ab.", ".", "a b", "a/b", "a.b."] {
        assert!(!re.is_match(bad), "{bad:?} must not match");
    }
    let s3 = generated::find_shape(Service::CognitoIdp, "S3BucketType").unwrap();
    assert!(std::ptr::eq(
        PATTERNS.get(usize::from(s3.pattern.unwrap())).unwrap(),
        pattern
    ));
}

#[test]
fn java_word_class_is_ascii() {
    // UserPoolNameType: [\w\s+=,.@-]+ with Java's ASCII \w.
    assert!(validate_input(idp_op("CreateUserPool"), &json!({"PoolName": "my pool_1"})).is_ok());
    assert_eq!(
        invalid("CreateUserPool", json!({"PoolName": "pöol"})),
        "1 validation error detected: Value 'pöol' at 'poolName' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"
    );
}

#[test]
fn missing_required_member() {
    assert_eq!(
        invalid("CreateUserPool", json!({})),
        "1 validation error detected: Value null at 'poolName' failed to satisfy \
         constraint: Member must not be null"
    );
    // JSON null counts as absent.
    assert_eq!(
        invalid("CreateUserPool", json!({"PoolName": null})),
        "1 validation error detected: Value null at 'poolName' failed to satisfy \
         constraint: Member must not be null"
    );
    // Optional null members and unknown members are accepted.
    assert!(
        validate_input(
            idp_op("CreateUserPool"),
            &json!({"PoolName": "p", "Policies": null, "NoSuchMember": [1, 2]})
        )
        .is_ok()
    );
}

#[test]
fn length_violations() {
    let long = "a".repeat(129);
    assert_eq!(
        invalid("CreateUserPool", json!({ "PoolName": long })),
        format!(
            "1 validation error detected: Value '{}...' at 'poolName' failed to satisfy \
             constraint: Member must have length less than or equal to 128",
            "a".repeat(64)
        )
    );
    // Exactly the maximum, counted in characters (not bytes).
    assert!(
        validate_input(
            idp_op("CreateUserPool"),
            &json!({ "PoolName": "a".repeat(128) })
        )
        .is_ok()
    );
    assert_eq!(
        invalid("CreateUserPool", json!({"PoolName": ""})),
        "2 validation errors detected: Value '' at 'poolName' failed to satisfy \
         constraint: Member must have length greater than or equal to 1; Value '' at \
         'poolName' failed to satisfy constraint: Member must satisfy regular expression \
         pattern: [\\w\\s+=,.@-]+"
    );
}

#[test]
fn unicode_length_counts_characters() {
    // AttributeNameType: max 32 characters.
    let name = "é".repeat(32);
    let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "u",
                      "UserAttributes": [{ "Name": name }]});
    assert!(validate_input(idp_op("AdminCreateUser"), &body).is_ok());
}

#[test]
fn pattern_violation() {
    assert_eq!(
        invalid(
            "AdminGetUser",
            json!({"UserPoolId": "no-underscore", "Username": "bob"})
        ),
        "1 validation error detected: Value 'no-underscore' at 'userPoolId' failed to \
         satisfy constraint: Member must satisfy regular expression pattern: \
         [\\w-]+_[0-9a-zA-Z]+"
    );
}

#[test]
fn enum_violation() {
    assert_eq!(
        invalid(
            "CreateUserPool",
            json!({"PoolName": "p", "MfaConfiguration": "MAYBE"})
        ),
        "1 validation error detected: Value 'MAYBE' at 'mfaConfiguration' failed to \
         satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
    );
}

#[test]
fn attribute_data_type_lists_cognitos_order() {
    // docs/fidelity.md, "Schema, attribute and username refusals (issue 19)", row 15.
    assert_eq!(
        invalid(
            "CreateUserPool",
            json!({"PoolName": "p", "Schema": [{"Name": "tier", "AttributeDataType": "Strng"}]})
        ),
        "1 validation error detected: Value 'Strng' at 'schema.1.member.attributeDataType' \
         failed to satisfy constraint: Member must satisfy enum value set: \
         [Boolean, Number, String, DateTime]"
    );
}

#[test]
fn range_violations() {
    assert_eq!(
        invalid("ListUserPools", json!({"MaxResults": 61})),
        "1 validation error detected: Value '61' at 'maxResults' failed to satisfy \
         constraint: Member must have value less than or equal to 60"
    );
    assert_eq!(
        invalid("ListUserPools", json!({"MaxResults": 0})),
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy \
         constraint: Member must have value greater than or equal to 1"
    );
    assert!(validate_input(idp_op("ListUserPools"), &json!({"MaxResults": 60})).is_ok());
    // A long with a range, in cognito-identity.
    let op = find_operation(
        Service::CognitoIdentity,
        "GetOpenIdTokenForDeveloperIdentity",
    )
    .unwrap();
    let body = json!({"IdentityPoolId": "us-east-1:0000", "Logins": {"login.dev": "u"},
                      "TokenDuration": 86401});
    // cognito-identity names the violation ValidationException (see InputError::Validation).
    assert_eq!(
        validate_input(op, &body),
        Err(InputError::Validation(
            "1 validation error detected: Value '86401' at 'tokenDuration' failed to \
             satisfy constraint: Member must have value less than or equal to 86400"
                .to_string()
        ))
    );
}

#[test]
fn multiple_violations_are_all_reported() {
    let message = invalid(
        "CreateUserPool",
        json!({"MfaConfiguration": "MAYBE", "SmsVerificationMessage": "short"}),
    );
    assert_eq!(
        message,
        "4 validation errors detected: Value 'MAYBE' at 'mfaConfiguration' failed to \
         satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]; \
         Value null at 'poolName' failed to satisfy constraint: Member must not be null; \
         Value 'short' at 'smsVerificationMessage' failed to satisfy constraint: Member \
         must have length greater than or equal to 6; Value 'short' at \
         'smsVerificationMessage' failed to satisfy constraint: Member must satisfy \
         regular expression pattern: .*\\{####\\}.*"
    );
}

#[test]
fn nested_paths() {
    // List elements: name.N.member.field (1-based).
    let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "bob",
        "UserAttributes": [{"Name": "email", "Value": "a@b.c"}, {"Value": "x"}]});
    assert_eq!(
        invalid("AdminCreateUser", body),
        "1 validation error detected: Value null at 'userAttributes.2.member.name' \
         failed to satisfy constraint: Member must not be null"
    );
    // Nested structures.
    let body = json!({"PoolName": "p",
        "Policies": {"PasswordPolicy": {"MinimumLength": 5}}});
    assert_eq!(
        invalid("CreateUserPool", body),
        "1 validation error detected: Value '5' at \
         'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member \
         must have value greater than or equal to 6"
    );
    // Map values: name.<key>.
    let body = json!({"PoolName": "p", "UserPoolTags": {"team": "x".repeat(257)}});
    assert_eq!(
        invalid("CreateUserPool", body),
        format!(
            "1 validation error detected: Value '{}...' at 'userPoolTags.team' failed to \
             satisfy constraint: Member must have length less than or equal to 256",
            "x".repeat(64)
        )
    );
    // Map keys.
    let body = json!({"PoolName": "p", "UserPoolTags": {"": "v"}});
    assert_eq!(
        invalid("CreateUserPool", body),
        "1 validation error detected: Value '{=v}' at 'userPoolTags' failed to satisfy \
         constraint: Map keys must satisfy constraint: [Member must have length greater \
         than or equal to 1]"
    );
    // Null list elements.
    let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "bob",
        "DesiredDeliveryMediums": ["EMAIL", null]});
    assert_eq!(
        invalid("AdminCreateUser", body),
        "1 validation error detected: Value null at 'desiredDeliveryMediums.2.member' \
         failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn list_length() {
    // SchemaAttributesListType: 1..=50 entries.
    let body = json!({"PoolName": "p", "Schema": []});
    assert_eq!(
        invalid("CreateUserPool", body),
        "1 validation error detected: Value '[]' at 'schema' failed to satisfy \
         constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn wrong_json_types_are_serialization_errors() {
    assert_eq!(
        serialization("CreateUserPool", json!({"PoolName": 5})),
        "Expected string at 'poolName'"
    );
    assert_eq!(
        serialization("CreateUserPool", json!({"PoolName": "p", "Policies": []})),
        "Expected structure at 'policies'"
    );
    assert_eq!(
        serialization("ListUserPools", json!({"MaxResults": "10"})),
        "Expected integer at 'maxResults'"
    );
    assert_eq!(
        serialization("ListUserPools", json!({"MaxResults": 1.5})),
        "Expected integer at 'maxResults'"
    );
    assert_eq!(
        serialization("ListUserPools", json!({"MaxResults": 4_294_967_296_i64})),
        "Expected integer at 'maxResults'"
    );
    assert_eq!(
        serialization(
            "AdminCreateUser",
            json!({"UserPoolId": "a_b", "Username": "u", "UserAttributes": {"a": 1}})
        ),
        "Expected list at 'userAttributes'"
    );
    assert_eq!(
        serialization(
            "AdminCreateUser",
            json!({"UserPoolId": "a_b", "Username": "u", "ForceAliasCreation": "true"})
        ),
        "Expected boolean at 'forceAliasCreation'"
    );
    assert_eq!(
        serialization(
            "AdminCreateUser",
            json!({"UserPoolId": "a_b", "Username": "u", "ClientMetadata": {"k": 1}})
        ),
        "Expected string at 'clientMetadata.k'"
    );
    // The body itself must be an object.
    for body in [json!([]), json!("x"), json!(null), json!(1)] {
        assert!(matches!(
            validate_input(idp_op("ListUserPools"), &body),
            Err(InputError::Serialization(_))
        ));
    }
    // A type error wins over constraint violations.
    assert!(matches!(
        validate_input(idp_op("CreateUserPool"), &json!({"MfaConfiguration": 1})),
        Err(InputError::Serialization(_))
    ));
}

#[test]
fn sensitive_values_are_not_echoed() {
    let op = idp_op("SignUp");
    let body = json!({"ClientId": "client1", "Username": "bob",
                      "Password": "hunter2 with spaces"});
    let message = invalid("SignUp", body);
    assert_eq!(
        message,
        "1 validation error detected: Value at 'password' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\S]+"
    );
    assert!(!message.contains("hunter2"));

    let body = json!({"ClientId": "bad client", "Username": "bad user"});
    let message = match validate_input(op, &body) {
        Err(InputError::Invalid(message)) => message,
        other => panic!("{other:?}"),
    };
    assert!(message.starts_with("2 validation errors detected: Value at 'clientId'"));
    assert!(!message.contains("bad client") && !message.contains("bad user"));

    // Members of a sensitive structure.
    let body = json!({"ClientId": "c", "Username": "u",
                      "UserContextData": {"EncodedData": "s".repeat(131_073)}});
    let message = invalid("SignUp", body);
    assert!(
        message.contains("Value at 'userContextData.encodedData'"),
        "{message}"
    );
    assert!(!message.contains("sss"));

    // Sensitive list elements (AttributeValueType).
    let body = json!({"UserPoolId": "eu-west-1_abc", "Username": "bob",
        "UserAttributes": [{"Name": "custom:secret", "Value": "v".repeat(2049)}]});
    let message = invalid("AdminCreateUser", body);
    assert_eq!(
        message,
        "1 validation error detected: Value at 'userAttributes.1.member.value' failed to \
         satisfy constraint: Member must have length less than or equal to 2048"
    );

    // Maps of sensitive values are not echoed when the map itself is invalid.
    let op = find_operation(Service::CognitoIdentity, "GetId").unwrap();
    let logins: serde_json::Map<String, Value> = (0..11)
        .map(|i| (format!("provider{i}"), json!(format!("token-secret-{i}"))))
        .collect();
    let body = json!({"IdentityPoolId": "us-east-1:abc", "Logins": logins});
    let Err(InputError::Validation(message)) = validate_input(op, &body) else {
        panic!("expected a violation");
    };
    assert_eq!(
        message,
        "1 validation error detected: Value at 'logins' failed to satisfy constraint: \
         Member must have length less than or equal to 10"
    );
}

#[test]
fn debug_redacts_secrets() {
    let request = idp::InitiateAuthRequest {
        auth_flow: "USER_PASSWORD_AUTH".to_string(),
        client_id: "client-id-value".to_string(),
        auth_parameters: Some(
            [
                ("USERNAME".to_string(), "alice".to_string()),
                ("PASSWORD".to_string(), "hunter2-secret".to_string()),
            ]
            .into_iter()
            .collect(),
        ),
        ..Default::default()
    };
    let debug = format!("{request:?}");
    assert!(!debug.contains("hunter2-secret"), "{debug}");
    assert!(!debug.contains("alice"), "{debug}");
    assert!(debug.contains("auth_parameters: Some(***)"), "{debug}");
    assert!(debug.contains("USER_PASSWORD_AUTH"), "{debug}");
    assert!(debug.contains("session: None"), "{debug}");

    let request = idp::SignUpRequest {
        client_id: "c".to_string(),
        username: "alice".to_string(),
        password: Some("correct horse battery staple".to_string()),
        user_attributes: Some(vec![idp::AttributeType {
            name: "email".to_string(),
            value: Some("alice@example.com".to_string()),
        }]),
        ..Default::default()
    };
    let debug = format!("{request:?}");
    assert!(!debug.contains("correct horse"), "{debug}");
    assert!(!debug.contains("alice@example.com"), "{debug}");
    assert!(debug.contains("password: Some(***)"), "{debug}");
    assert!(debug.contains("name: \"email\""), "{debug}");

    // Map values that are sensitive (LoginsMap → IdentityProviderToken).
    let request = identity::GetIdInput {
        identity_pool_id: "us-east-1:abc".to_string(),
        logins: Some(
            [("accounts.google.com".to_string(), "eyJ-token".to_string())]
                .into_iter()
                .collect(),
        ),
        ..Default::default()
    };
    let debug = format!("{request:?}");
    assert!(!debug.contains("eyJ-token"), "{debug}");

    // Types without sensitive members derive Debug.
    let debug = format!("{:?}", idp::ListUserPoolsRequest::default());
    assert!(debug.contains("max_results: 0"), "{debug}");
}

#[test]
fn parse_create_user_pool() {
    let body = json!({
        "PoolName": "tessera-test",
        "Policies": {"PasswordPolicy": {
            "MinimumLength": 12, "RequireUppercase": true, "RequireLowercase": true,
            "RequireNumbers": true, "RequireSymbols": false,
            "TemporaryPasswordValidityDays": 7}},
        "DeletionProtection": "INACTIVE",
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "UsernameConfiguration": {"CaseSensitive": false},
        "MfaConfiguration": "OFF",
        "AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"}]},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": false},
        "Schema": [{"Name": "department", "AttributeDataType": "String", "Mutable": true,
                    "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "64"}}],
        "UserPoolTags": {"env": "test"},
        "LambdaConfig": null,
        "SomethingNew": {"ignored": true}
    });
    let request: idp::CreateUserPoolRequest = parse_input(idp_op("CreateUserPool"), body).unwrap();
    assert_eq!(request.pool_name, "tessera-test");
    let policy = request.policies.unwrap().password_policy.unwrap();
    assert_eq!(policy.minimum_length, Some(12));
    assert_eq!(policy.require_symbols, Some(false));
    assert_eq!(request.deletion_protection.as_deref(), Some("INACTIVE"));
    assert_eq!(
        request.auto_verified_attributes,
        Some(vec!["email".to_string()])
    );
    assert!(!request.username_configuration.unwrap().case_sensitive);
    let recovery = request.account_recovery_setting.unwrap();
    assert_eq!(recovery.recovery_mechanisms.unwrap()[0].priority, 1);
    let schema = request.schema.unwrap();
    assert_eq!(schema[0].name.as_deref(), Some("department"));
    assert_eq!(
        schema[0]
            .string_attribute_constraints
            .as_ref()
            .unwrap()
            .max_length
            .as_deref(),
        Some("64")
    );
    assert_eq!(request.user_pool_tags.unwrap()["env"], "test");
    assert!(request.lambda_config.is_none());
    assert!(idp::USER_POOL_MFA_TYPE_VALUES.contains(&"OPTIONAL"));

    // Serializing back uses the wire names and omits absent members.
    let round_trip = serde_json::to_value(idp::ListUserPoolsRequest {
        max_results: 10,
        next_token: None,
    })
    .unwrap();
    assert_eq!(round_trip, json!({"MaxResults": 10}));

    // Validation errors come first.
    let result: Result<idp::CreateUserPoolRequest, _> =
        parse_input(idp_op("CreateUserPool"), json!({"PoolName": ""}));
    assert!(matches!(result, Err(InputError::Invalid(_))));
}

#[test]
fn blob_length_counts_decoded_bytes() {
    // ImageFileType (SetUICustomization.ImageFile): max 131072 bytes.
    let op = idp_op("SetUICustomization");
    let ok = "A".repeat(131_072 / 3 * 4);
    assert!(validate_input(op, &json!({"UserPoolId": "a_b", "ImageFile": ok})).is_ok());
    let too_big = "A".repeat(174_768);
    let Err(InputError::Invalid(message)) =
        validate_input(op, &json!({"UserPoolId": "a_b", "ImageFile": too_big}))
    else {
        panic!("expected a violation");
    };
    assert_eq!(
        message,
        "1 validation error detected: Value at 'imageFile' failed to satisfy constraint: \
         Member must have length less than or equal to 131072"
    );
}

#[test]
fn input_error_message() {
    let error = InputError::Invalid("m".to_string());
    assert_eq!(error.message(), "m");
    assert_eq!(error.to_string(), "m");
}
