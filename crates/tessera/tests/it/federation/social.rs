//! Sign in with Apple, Facebook and Login with Amazon against the in-process upstream.

use super::*;

both!(sign_in_with_apple, apple);
both!(facebook_sign_in, facebook);
both!(login_with_amazon, amazon);

async fn apple(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, true).await;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        pkcs8.as_ref(),
    )
    .unwrap();
    use aws_lc_rs::signature::KeyPair;
    up.tweaks.lock().unwrap().apple_key = Some(pair.public_key().as_ref().to_vec());
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
    );
    let created = srv
        .idp
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name("SignInWithApple")
        .provider_type(
            aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::SignInWithApple,
        )
        .provider_details("client_id", UP_CLIENT)
        .provider_details("team_id", "TEAM123456")
        .provider_details("key_id", "KEY1234567")
        .provider_details("private_key", &pem)
        .provider_details("authorize_scopes", "email name")
        .attribute_mapping("name", "name")
        .attribute_mapping("given_name", "firstName")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert!(
        !created
            .provider_details
            .unwrap()
            .contains_key("private_key")
    );
    let client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("apple")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK)
        .supported_identity_providers("SignInWithApple")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let (client_id, secret) = (client.client_id.unwrap(), client.client_secret.unwrap());
    let mut b = Browser::new();
    let a = b
        .get(&url(
            &s.base,
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &client_id),
                ("redirect_uri", CALLBACK),
                ("scope", "openid profile"),
                ("identity_provider", "SignInWithApple"),
            ],
        ))
        .await;
    let loc = a.location.unwrap();
    let p = params_of(&loc);
    // Apple sends the name and email only in a form post.
    assert_eq!(p["response_mode"], "form_post");
    assert_eq!(p["scope"], "email name");
    let code = "apple-code".to_string();
    up.codes.lock().unwrap().insert(
        code.clone(),
        Issued {
            sub: "001234.apple".into(),
            nonce: p["nonce"].clone(),
            challenge: p["code_challenge"].clone(),
            redirect_uri: p["redirect_uri"].clone(),
        },
    );
    let user =
        r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"ada@privaterelay.example"}"#;
    let done = b
        .post(
            &p["redirect_uri"],
            &[("code", &code), ("state", &p["state"]), ("user", user)],
        )
        .await;
    let code = done
        .param("code")
        .unwrap_or_else(|| panic!("{:?} {}", done.location, done.body));
    let r: Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = claims(r["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "SignInWithApple_001234.apple");
    assert_eq!(id["name"], "Ada Lovelace");
    assert_eq!(id["given_name"], "Ada");
    assert_eq!(id["identities"][0]["providerType"], "SignInWithApple");
    assert!(id["identities"][0]["issuer"].is_null());
    srv.stop().await;
}

async fn facebook(srv: TestServer, up: Upstream, _: Seen) {
    without_id_token(srv, up, "Facebook", "10224", "public_profile,email").await;
}

async fn amazon(srv: TestServer, up: Upstream, _: Seen) {
    without_id_token(srv, up, "LoginWithAmazon", "amzn1.account.AF2", "profile").await;
}

/// Facebook (the code exchanged with a GET, `id`) and Login with Amazon (a POST,
/// `user_id`): no ID token, the user from the attributes endpoint.
async fn without_id_token(srv: TestServer, up: Upstream, ty: &str, user_id: &str, scopes: &str) {
    let s = setup(&srv, &up, true).await;
    up.tweaks.lock().unwrap().facebook = true;
    let id_claim = if ty == "Facebook" { "id" } else { "user_id" };
    up.users.lock().unwrap().insert(
        user_id.into(),
        json!({ id_claim: user_id, "email": "fb@example.org", "name": "Fay Book" }),
    );
    srv.idp
        .create_identity_provider()
        .user_pool_id(&s.pool)
        .provider_name(ty)
        .provider_type(aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType::from(ty))
        .provider_details("client_id", UP_CLIENT)
        .provider_details("client_secret", UP_SECRET)
        .provider_details("authorize_scopes", scopes)
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap();
    let client = srv
        .idp
        .create_user_pool_client()
        .user_pool_id(&s.pool)
        .client_name("social")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls(CALLBACK)
        .supported_identity_providers(ty)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let mut b = Browser::new();
    let a = b
        .get(&url(
            &s.base,
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &client),
                ("redirect_uri", CALLBACK),
                ("identity_provider", ty),
            ],
        ))
        .await;
    let p = params_of(&a.location.unwrap());
    assert!(!p.contains_key("nonce"), "no ID token, no nonce");
    let done = back_from_upstream(&mut b, &up, &p, user_id).await;
    let code = done
        .param("code")
        .unwrap_or_else(|| panic!("{:?} {}", done.location, done.body));
    let r: Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = claims(r["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], format!("{ty}_{user_id}"));
    assert_eq!(id["email"], "fb@example.org");
    srv.stop().await;
}
