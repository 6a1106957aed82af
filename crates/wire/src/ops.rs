//! The operations of both Cognito services, as modelled by botocore.
//!
//! The table itself is generated (`generated::IDP_OPERATIONS`,
//! `generated::IDENTITY_OPERATIONS`); this module gives it a typed API.

use crate::generated;

/// A Cognito service Tessera speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Amazon Cognito user pools (`cognito-idp`, API 2016-04-18).
    CognitoIdp,
    /// Amazon Cognito identity pools (`cognito-identity`, API 2014-06-30).
    CognitoIdentity,
}

impl Service {
    /// The prefix of this service's `X-Amz-Target` header values.
    pub fn target_prefix(self) -> &'static str {
        match self {
            Service::CognitoIdp => "AWSCognitoIdentityProviderService",
            Service::CognitoIdentity => "AWSCognitoIdentityService",
        }
    }

    /// The SigV4 signing name (service component of the credential scope).
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::CognitoIdp => "cognito-idp",
            Service::CognitoIdentity => "cognito-identity",
        }
    }

    /// Both services.
    pub fn all() -> [Service; 2] {
        [Service::CognitoIdp, Service::CognitoIdentity]
    }
}

/// An operation of a service model.
#[derive(Debug)]
pub struct Operation {
    pub service: Service,
    /// Operation name, as in `X-Amz-Target` (`CreateUserPool`).
    pub name: &'static str,
    /// False iff the model marks the operation as callable without SigV4
    /// (`authtype: "none"` or `auth: ["smithy.api#noAuth"]`).
    pub signed: bool,
    /// Input shape name.
    pub input: Option<&'static str>,
    /// Output shape name.
    pub output: Option<&'static str>,
    /// Modelled exception shape names.
    pub errors: &'static [&'static str],
}

impl Operation {
    /// Whether the model lists `exception` among this operation's errors.
    pub fn may_return(&self, exception: &str) -> bool {
        self.errors.contains(&exception)
    }
}

/// Every operation of a service, sorted by name.
pub fn operations(service: Service) -> &'static [Operation] {
    generated::operation_table(service)
}

/// An operation by (exact, case-sensitive) name.
pub fn find_operation(service: Service, name: &str) -> Option<&'static Operation> {
    let table = operations(service);
    let index = table.binary_search_by(|op| op.name.cmp(name)).ok()?;
    table.get(index)
}

/// Splits an X-Amz-Target value "AWSCognitoIdentityProviderService.CreateUserPool".
///
/// Returns `None` if the prefix is not one of the services' or the operation part is
/// empty. The operation name is not checked against the model (see [`find_operation`]).
pub fn split_target(target: &str) -> Option<(Service, &str)> {
    let (prefix, operation) = target.split_once('.')?;
    if operation.is_empty() {
        return None;
    }
    let service = Service::all()
        .into_iter()
        .find(|s| s.target_prefix() == prefix)?;
    Some((service, operation))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_operation_is_present() {
        assert_eq!(operations(Service::CognitoIdp).len(), 141);
        assert_eq!(operations(Service::CognitoIdentity).len(), 23);
        for service in Service::all() {
            let ops = operations(service);
            assert!(ops.windows(2).all(|w| w[0].name < w[1].name), "sorted");
            for op in ops {
                assert_eq!(op.service, service);
                assert!(std::ptr::eq(find_operation(service, op.name).unwrap(), op));
                let input = op.input.expect("every Cognito operation has an input");
                assert!(generated::find_shape(service, input).is_some(), "{input}");
                if let Some(output) = op.output {
                    assert!(generated::find_shape(service, output).is_some(), "{output}");
                }
                for error in op.errors {
                    assert!(generated::find_shape(service, error).is_some(), "{error}");
                }
            }
        }
        for name in [
            "CreateUserPool",
            "AdminCreateUser",
            "InitiateAuth",
            "GetTokensFromRefreshToken",
            "ListUserPools",
        ] {
            assert!(
                find_operation(Service::CognitoIdp, name).is_some(),
                "{name}"
            );
        }
        for name in ["GetId", "GetCredentialsForIdentity", "CreateIdentityPool"] {
            assert!(
                find_operation(Service::CognitoIdentity, name).is_some(),
                "{name}"
            );
        }
        assert!(find_operation(Service::CognitoIdp, "GetId").is_none());
        assert!(find_operation(Service::CognitoIdp, "createuserpool").is_none());
        assert!(find_operation(Service::CognitoIdp, "").is_none());
    }

    #[test]
    fn signed_flags_follow_the_model() {
        let idp = |name| find_operation(Service::CognitoIdp, name).unwrap().signed;
        let identity = |name| {
            find_operation(Service::CognitoIdentity, name)
                .unwrap()
                .signed
        };
        for name in [
            "SignUp",
            "InitiateAuth",
            "GetUser",
            "RespondToAuthChallenge",
            "ConfirmSignUp",
            "ForgotPassword",
            "RevokeToken",
            "GetTokensFromRefreshToken",
        ] {
            assert!(!idp(name), "{name} must be unsigned");
        }
        for name in [
            "CreateUserPool",
            "ListUserPools",
            "AdminCreateUser",
            "AdminInitiateAuth",
            "DescribeUserPoolClient",
        ] {
            assert!(idp(name), "{name} must be signed");
        }
        for name in [
            "GetId",
            "GetCredentialsForIdentity",
            "GetOpenIdToken",
            "UnlinkIdentity",
        ] {
            assert!(!identity(name), "{name} must be unsigned");
        }
        assert!(identity("CreateIdentityPool"));
        assert!(identity("GetOpenIdTokenForDeveloperIdentity"));
        let unsigned = |s| operations(s).iter().filter(|op| !op.signed).count();
        assert_eq!(unsigned(Service::CognitoIdp), 34);
        assert_eq!(unsigned(Service::CognitoIdentity), 4);
    }

    #[test]
    fn operation_metadata() {
        let op = find_operation(Service::CognitoIdp, "CreateUserPool").unwrap();
        assert_eq!(op.input, Some("CreateUserPoolRequest"));
        assert_eq!(op.output, Some("CreateUserPoolResponse"));
        assert!(op.may_return("InvalidParameterException"));
        assert!(op.may_return("LimitExceededException"));
        assert!(!op.may_return("UserNotFoundException"));
        assert!(!op.may_return(""));
        let op = find_operation(Service::CognitoIdentity, "DeleteIdentityPool").unwrap();
        assert_eq!(op.output, None);
    }

    #[test]
    fn service_constants() {
        assert_eq!(
            Service::CognitoIdp.target_prefix(),
            "AWSCognitoIdentityProviderService"
        );
        assert_eq!(
            Service::CognitoIdentity.target_prefix(),
            "AWSCognitoIdentityService"
        );
        assert_eq!(Service::CognitoIdp.signing_name(), "cognito-idp");
        assert_eq!(Service::CognitoIdentity.signing_name(), "cognito-identity");
        assert_eq!(
            Service::all(),
            [Service::CognitoIdp, Service::CognitoIdentity]
        );
    }

    #[test]
    fn split_target_cases() {
        assert_eq!(
            split_target("AWSCognitoIdentityProviderService.CreateUserPool"),
            Some((Service::CognitoIdp, "CreateUserPool"))
        );
        assert_eq!(
            split_target("AWSCognitoIdentityService.GetId"),
            Some((Service::CognitoIdentity, "GetId"))
        );
        assert_eq!(split_target("AWSCognitoIdentityProviderService."), None);
        assert_eq!(split_target("AWSCognitoIdentityProviderService"), None);
        assert_eq!(split_target("DynamoDB_20120810.GetItem"), None);
        assert_eq!(split_target(".CreateUserPool"), None);
        assert_eq!(split_target(""), None);
        // Prefixes are case-sensitive, as on AWS.
        assert_eq!(
            split_target("awscognitoidentityproviderservice.CreateUserPool"),
            None
        );
    }
}
