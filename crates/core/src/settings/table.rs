//! The declaration itself: every member of the four inputs and what Tessera does with it.

use super::{Scope, Setting, Support};

const fn honoured(scope: Scope, path: &'static str, how: &'static str) -> Setting {
    Setting {
        scope,
        path,
        support: Support::Honoured { how },
        inert: &[],
    }
}

const fn mapped(
    scope: Scope,
    path: &'static str,
    what: &'static str,
    reason: &'static str,
) -> Setting {
    Setting {
        scope,
        path,
        support: Support::MappedTo { what, reason },
        inert: &[],
    }
}

const fn stored(
    scope: Scope,
    path: &'static str,
    reason: &'static str,
    inert: &'static [&'static str],
) -> Setting {
    Setting {
        scope,
        path,
        support: Support::StoredOnly { reason },
        inert,
    }
}

use Scope::{Client as C, Pool as P};

const TRIGGER: &str = "the `[[trigger]]` target the deployment maps the function ARN to";
const TRIGGER_WHY: &str = "Lambda is AWS's; the trigger fires with Cognito's event JSON at that \
                           webhook or command, and an unmapped ARN fails as an unreachable \
                           function does";
const NO_THREAT_PROTECTION: &str = "threat protection (advanced security: risk scores, \
                                    compromised-credential checks, adaptive authentication) is \
                                    not implemented";
const NO_LINK: &str = "confirmation by link (CONFIRM_WITH_LINK) is not implemented: Tessera always \
                       sends a code with EmailMessage/EmailSubject";

/// The declaration: every setting of the four inputs and what Tessera does with it.
pub const SETTINGS: &[Setting] = &[
    // --- User pools -----------------------------------------------------------------------
    honoured(
        P,
        "AccountRecoverySetting",
        "ForgotPassword sends the code to the first verified channel in priority order; \
         admin_only refuses self-service resets",
    ),
    stored(
        P,
        "AcrConfiguration",
        "authentication-context (acr) settings: the member has no fields in the vendored \
         model, so there is nothing to apply",
        &["{}"],
    ),
    honoured(
        P,
        "AdminCreateUserConfig.AllowAdminCreateUserOnly",
        "SignUp and the hosted sign-up page are refused when true",
    ),
    honoured(
        P,
        "AdminCreateUserConfig.InviteMessageTemplate",
        "the text of AdminCreateUser's invitation email and SMS",
    ),
    stored(
        P,
        "AdminCreateUserConfig.UnusedAccountValidityDays",
        "Cognito no longer uses it once PasswordPolicy.TemporaryPasswordValidityDays is set; \
         Tessera always sets that (default 7) and enforces it instead",
        &["7"],
    ),
    honoured(
        P,
        "AliasAttributes",
        "verified email, phone number or preferred_username sign in as the user",
    ),
    honoured(
        P,
        "AutoVerifiedAttributes",
        "the attributes SignUp and attribute changes send a verification code to",
    ),
    stored(
        P,
        "DcrConfiguration",
        "dynamic client registration (RFC 7591) is not implemented: no registration endpoint \
         is served",
        &[],
    ),
    honoured(
        P,
        "DeletionProtection",
        "DeleteUserPool is refused while ACTIVE",
    ),
    honoured(
        P,
        "DeviceConfiguration.ChallengeRequiredOnNewDevice",
        "when true a remembered device's DEVICE_SRP_AUTH stands in for the MFA factor; when \
         false MFA is asked on every device",
    ),
    honoured(
        P,
        "DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt",
        "ConfirmDevice leaves the device not remembered until UpdateDeviceStatus; any \
         DeviceConfiguration turns device tracking on",
    ),
    mapped(
        P,
        "EmailConfiguration",
        "the deployment's email sender (`[messages]`: SMTP with `[messages.smtp] from`, or the \
         development outbox)",
        "every pool's email leaves through the one sender the deployment configures, as the \
         pool's From (or else the address of its SourceArn's SES identity) with its \
         ReplyToEmailAddress as Reply-To; configuration sets and the sending account are \
         AWS settings",
    ),
    honoured(
        P,
        "EmailVerificationMessage",
        "kept in step with VerificationMessageTemplate.EmailMessage",
    ),
    honoured(
        P,
        "EmailVerificationSubject",
        "kept in step with VerificationMessageTemplate.EmailSubject",
    ),
    mapped(
        P,
        "IssuerConfiguration",
        "Tessera's issuer, `<public URL>/<pool id>`",
        "both issuer types name amazonaws.com hosts; tokens carry the issuer of the Tessera \
         that signs them, as its openid-configuration says",
    ),
    stored(
        P,
        "KeyConfiguration",
        "chooses the AWS KMS key that encrypts the pool's data at AWS; Tessera's data is in \
         its own database (secrets sealed with the server key) and KMS is not reachable",
        &[],
    ),
    mapped(P, "LambdaConfig.CreateAuthChallenge", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.CustomEmailSender",
        TRIGGER,
        "Lambda is AWS's; codes reach the target encrypted with the `[[kms_key]]` of \
         KMSKeyID",
    ),
    mapped(P, "LambdaConfig.CustomMessage", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.CustomSMSSender",
        TRIGGER,
        "Lambda is AWS's; codes reach the target encrypted with the `[[kms_key]]` of \
         KMSKeyID",
    ),
    mapped(P, "LambdaConfig.DefineAuthChallenge", TRIGGER, TRIGGER_WHY),
    stored(
        P,
        "LambdaConfig.InboundFederation",
        "fires on federated sign-in, and Tessera has no external identity providers yet",
        &[],
    ),
    mapped(
        P,
        "LambdaConfig.KMSKeyID",
        "the `[[kms_key]]` with the same id in the deployment's configuration",
        "KMS is AWS's; that key encrypts the codes given to the custom sender triggers",
    ),
    mapped(P, "LambdaConfig.PostAuthentication", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PostConfirmation", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PreAuthentication", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PreSignUp", TRIGGER, TRIGGER_WHY),
    mapped(P, "LambdaConfig.PreTokenGeneration", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.PreTokenGenerationConfig",
        TRIGGER,
        "Lambda is AWS's; the event version (V1_0, V2_0, V3_0) is honoured",
    ),
    mapped(P, "LambdaConfig.UserMigration", TRIGGER, TRIGGER_WHY),
    mapped(
        P,
        "LambdaConfig.VerifyAuthChallengeResponse",
        TRIGGER,
        TRIGGER_WHY,
    ),
    honoured(
        P,
        "MfaConfiguration",
        "OFF, OPTIONAL or ON decide the MFA challenge after the password",
    ),
    honoured(
        P,
        "Policies.PasswordPolicy",
        "length, character classes, history and the temporary password's validity are \
         checked",
    ),
    honoured(
        P,
        "Policies.SignInPolicy",
        "AllowedFirstAuthFactors limits USER_AUTH's first factors",
    ),
    honoured(P, "PoolName", "the pool's name"),
    honoured(
        P,
        "Schema",
        "standard and custom attributes, their types, constraints, mutability and required \
         flags",
    ),
    honoured(P, "SmsAuthenticationMessage", "the text of SMS MFA codes"),
    mapped(
        P,
        "SmsConfiguration",
        "the deployment's SMS sender (`[messages.sms_webhook]`, or the development outbox)",
        "SNS roles, external ids, regions and End User Messaging settings are AWS's; as in \
         Cognito, SMS MFA needs SnsCallerArn and ExternalId (or EumsSms.CallerArn) to be \
         set, but text messages leave through the one sender the deployment configures",
    ),
    honoured(
        P,
        "SmsVerificationMessage",
        "kept in step with VerificationMessageTemplate.SmsMessage",
    ),
    honoured(
        P,
        "UserAttributeUpdateSettings",
        "listed attributes keep their old value until the new one is verified",
    ),
    stored(
        P,
        "UserPoolAddOns",
        NO_THREAT_PROTECTION,
        &[r#"{"AdvancedSecurityMode":"OFF"}"#],
    ),
    honoured(P, "UserPoolId", "names the pool to update"),
    honoured(
        P,
        "UserPoolTags",
        "the pool's tags, as ListTagsForResource and TagResource see them",
    ),
    stored(
        P,
        "UserPoolTier",
        "Cognito's pricing tier gates features; Tessera has no tiers and offers what it \
         implements at every tier",
        &[r#""ESSENTIALS""#],
    ),
    honoured(
        P,
        "UsernameAttributes",
        "email and/or phone number are the username",
    ),
    honoured(
        P,
        "UsernameConfiguration",
        "CaseSensitive false makes usernames and sign-in names match in any case",
    ),
    stored(
        P,
        "VerificationMessageTemplate.DefaultEmailOption",
        NO_LINK,
        &[r#""CONFIRM_WITH_CODE""#],
    ),
    honoured(
        P,
        "VerificationMessageTemplate.EmailMessage",
        "the text of emailed verification codes",
    ),
    stored(
        P,
        "VerificationMessageTemplate.EmailMessageByLink",
        NO_LINK,
        &[],
    ),
    honoured(
        P,
        "VerificationMessageTemplate.EmailSubject",
        "the subject of emailed verification codes",
    ),
    stored(
        P,
        "VerificationMessageTemplate.EmailSubjectByLink",
        NO_LINK,
        &[],
    ),
    honoured(
        P,
        "VerificationMessageTemplate.SmsMessage",
        "the text of verification codes sent by SMS",
    ),
    // --- App clients ----------------------------------------------------------------------
    honoured(
        C,
        "AccessTokenValidity",
        "the access token's lifetime, in TokenValidityUnits",
    ),
    honoured(
        C,
        "AllowedOAuthFlows",
        "the grants /oauth2/authorize and /oauth2/token accept",
    ),
    honoured(
        C,
        "AllowedOAuthFlowsUserPoolClient",
        "managed login serves the client only when true",
    ),
    honoured(
        C,
        "AllowedOAuthScopes",
        "the scopes a managed-login or client-credentials token may carry",
    ),
    stored(
        C,
        "AnalyticsConfiguration",
        "Amazon Pinpoint analytics: Tessera sends no analytics events",
        &[],
    ),
    honoured(
        C,
        "AuthSessionValidity",
        "minutes a challenge Session stays usable",
    ),
    honoured(
        C,
        "CallbackURLs",
        "redirect_uri must be one of them, exactly",
    ),
    honoured(C, "ClientId", "names the client to update"),
    honoured(C, "ClientName", "the client's name"),
    honoured(
        C,
        "ClientSecret",
        "the secret the client proves (SECRET_HASH, token endpoint); stored sealed",
    ),
    stored(
        C,
        "DefaultRedirectURI",
        "checked as Cognito checks it (one of CallbackURLs); /oauth2/authorize takes \
         redirect_uri from the request, as Cognito's requires it, and does not fall back to it",
        &[],
    ),
    stored(
        C,
        "EnablePropagateAdditionalUserContextData",
        "passes UserContextData on to threat protection, which is not implemented",
        &["false"],
    ),
    honoured(
        C,
        "EnableTokenRevocation",
        "RevokeToken and /oauth2/revoke work only when true",
    ),
    honoured(
        C,
        "ExplicitAuthFlows",
        "the sign-in flows InitiateAuth and AdminInitiateAuth accept",
    ),
    honoured(
        C,
        "GenerateSecret",
        "a client secret is generated when true",
    ),
    honoured(
        C,
        "IdTokenValidity",
        "the ID token's lifetime, in TokenValidityUnits",
    ),
    honoured(C, "LogoutURLs", "/logout's logout_uri must be one of them"),
    honoured(
        C,
        "PreventUserExistenceErrors",
        "ENABLED answers for a missing user as for a wrong password",
    ),
    honoured(
        C,
        "ReadAttributes",
        "the attributes ID tokens and userInfo carry for this client",
    ),
    honoured(
        C,
        "RefreshTokenRotation",
        "ENABLED rotates refresh tokens, with the retry grace period",
    ),
    honoured(
        C,
        "RefreshTokenValidity",
        "the refresh token's lifetime, in TokenValidityUnits",
    ),
    honoured(
        C,
        "SupportedIdentityProviders",
        "managed login offers them: COGNITO's sign-in form and a button per identity \
         provider; /oauth2/authorize takes only these; unknown names are refused",
    ),
    honoured(
        C,
        "TokenValidityUnits",
        "units of the three token validities",
    ),
    honoured(C, "UserPoolId", "the client's pool"),
    honoured(
        C,
        "WriteAttributes",
        "the attributes this client may set in SignUp and UpdateUserAttributes",
    ),
];
