//! The user's own operations with its access token.

use aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType;

use super::{PASSWORD, get_user_error, login, setup, srp_login, user};
use crate::harness::{TestServer, both, code, message};

both!(
    a_user_manages_itself_with_its_access_token,
    async |srv: &TestServer| {
        let (pool, client) = setup(srv).await;
        srv.idp
            .update_user_pool()
            .user_pool_id(&pool)
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .send()
            .await
            .unwrap();
        user(srv, &pool, "pat").await;
        let t = login(srv, &client, "pat", PASSWORD).await.unwrap();
        let access = t.access_token.unwrap();
        let c = &srv.idp;

        let me = c.get_user().access_token(&access).send().await.unwrap();
        assert_eq!(me.username, "pat");
        let attr = |me: &aws_sdk_cognitoidentityprovider::operation::get_user::GetUserOutput,
                    n: &str| {
            me.user_attributes
                .iter()
                .find(|a| a.name == n)
                .and_then(|a| a.value.clone())
        };
        assert_eq!(attr(&me, "email").as_deref(), Some("pat@example.com"));
        assert_eq!(attr(&me, "sub").map(|s| s.len()), Some(36));

        // A new email is unverified and gets a code; verifying it marks it verified.
        let out = c
            .update_user_attributes()
            .access_token(&access)
            .user_attributes(crate::users::attr("email", "pat@new.example.com"))
            .user_attributes(crate::users::attr("given_name", "Pat"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.code_delivery_details_list().len(), 1);
        let me = c.get_user().access_token(&access).send().await.unwrap();
        assert_eq!(attr(&me, "email_verified").as_deref(), Some("false"));
        assert_eq!(attr(&me, "given_name").as_deref(), Some("Pat"));
        let code_sent = srv.last_code("pat@new.example.com");
        let r = c
            .verify_user_attribute()
            .access_token(&access)
            .attribute_name("email")
            .code(if code_sent == "000000" {
                "111111"
            } else {
                "000000"
            })
            .send()
            .await;
        assert_eq!(code(r), "CodeMismatchException");
        c.verify_user_attribute()
            .access_token(&access)
            .attribute_name("email")
            .code(&code_sent)
            .send()
            .await
            .unwrap();
        let me = c.get_user().access_token(&access).send().await.unwrap();
        assert_eq!(attr(&me, "email_verified").as_deref(), Some("true"));
        // Asking for a code again sends one to the current email.
        let d = c
            .get_user_attribute_verification_code()
            .access_token(&access)
            .attribute_name("email")
            .send()
            .await
            .unwrap()
            .code_delivery_details
            .unwrap();
        assert_eq!(d.attribute_name.as_deref(), Some("email"));

        c.delete_user_attributes()
            .access_token(&access)
            .user_attribute_names("given_name")
            .send()
            .await
            .unwrap();
        let me = c.get_user().access_token(&access).send().await.unwrap();
        assert_eq!(attr(&me, "given_name"), None);

        // ChangePassword needs the right previous password.
        let r = c
            .change_password()
            .access_token(&access)
            .previous_password("Wrong1234!")
            .proposed_password("Changed1!")
            .send()
            .await;
        assert_eq!(message(r), "Incorrect username or password.");
        let r = c
            .change_password()
            .access_token(&access)
            .previous_password(PASSWORD)
            .proposed_password("short")
            .send()
            .await;
        assert_eq!(code(r), "InvalidPasswordException");
        c.change_password()
            .access_token(&access)
            .previous_password(PASSWORD)
            .proposed_password("Changed1!")
            .send()
            .await
            .unwrap();
        assert!(login(srv, &client, "pat", PASSWORD).await.is_err());
        // Both the password flows and SRP see the new password.
        login(srv, &client, "pat", "Changed1!").await.unwrap();
        srp_login(c, &pool, &client, "pat", "Changed1!", None)
            .await
            .unwrap();

        // DeleteUser: the user is gone and its token with it.
        c.delete_user().access_token(&access).send().await.unwrap();
        assert!(get_user_error(c, &access).await.is_some());
        let r = c
            .admin_get_user()
            .user_pool_id(&pool)
            .username("pat")
            .send()
            .await;
        assert_eq!(code(r), "UserNotFoundException");
        // Garbage is refused as an invalid token.
        assert_eq!(
            get_user_error(c, "not-a-token").await.as_deref(),
            Some("NotAuthorizedException: Invalid Access Token")
        );
    }
);
