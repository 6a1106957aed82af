//! Sign-in through the upstream OpenID Provider, and how its misbehaviour is refused.

use super::*;

both!(oidc_sign_in, oidc);

async fn oidc(srv: TestServer, up: Upstream, _: Seen) {
    let s = setup(&srv, &up, false).await;
    up.set_user("User-1", "first@example.org", "First Name");
    // The sign-in page offers the provider.
    let mut b = Browser::new();
    let page = b
        .get(&url(
            &s.base,
            "/login",
            &[
                ("response_type", "code"),
                ("client_id", &s.client),
                ("redirect_uri", CALLBACK),
            ],
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Continue with MyOIDC"), "{}", page.body);
    assert!(page.body.contains("identity_provider=MyOIDC"));

    let tokens = sign_in(&s, &up, "User-1").await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "myoidc_user-1");
    assert_eq!(id["email"], "first@example.org");
    assert_eq!(id["name"], "First Name");
    assert_eq!(id["nonce"], "rp-nonce");
    assert_eq!(id["cognito:groups"], json!([format!("{}_MyOIDC", s.pool)]));
    let ident = &id["identities"][0];
    assert_eq!(ident["userId"], "User-1");
    assert_eq!(ident["providerName"], "MyOIDC");
    assert_eq!(ident["providerType"], "OIDC");
    assert_eq!(ident["issuer"], json!(up.issuer));
    assert_eq!(ident["primary"], "true");
    assert!(
        ident["dateCreated"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 1_600_000_000_000
    );
    let user = srv
        .idp
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("MyOIDC_User-1")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().unwrap().as_str(), "EXTERNAL_PROVIDER");
    let listed = srv
        .idp
        .list_users()
        .user_pool_id(&s.pool)
        .filter("cognito:user_status = \"EXTERNAL_PROVIDER\"")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.users().len(), 1);

    // A second sign-in applies the mapping again; the user is the same.
    up.set_user("User-1", "second@example.org", "Second Name");
    let again = sign_in(&s, &up, "User-1").await;
    let id2 = claims(again["id_token"].as_str().unwrap());
    assert_eq!(id2["sub"], id["sub"]);
    assert_eq!(id2["email"], "second@example.org");
    assert_eq!(id2["name"], "Second Name");

    // Refresh tokens and userInfo work for federated users.
    let refreshed = reqwest::Client::new()
        .post(format!("{}/oauth2/token", s.base))
        .basic_auth(&s.client, Some(&s.secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", again["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let info: Value = reqwest::Client::new()
        .get(format!("{}/oauth2/userInfo", s.base))
        .bearer_auth(again["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "second@example.org");

    // A replayed answer from the upstream: its state is spent.
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let first = back_from_upstream(&mut b, &up, &p, "User-1").await;
    assert_eq!(first.status, 302);
    let calls = *up.token_calls.lock().unwrap();
    let replay = back_from_upstream(&mut b, &up, &p, "User-1").await;
    assert_eq!(replay.status, 400, "{:?}", replay.location);
    assert!(replay.body.contains("Invalid state"));
    assert_eq!(
        *up.token_calls.lock().unwrap(),
        calls,
        "no upstream call for a replay"
    );
    // Login CSRF: the answer to someone else's sign-in, brought by a browser that did not
    // start it (no binding cookie, or its own), is refused before any upstream call and
    // without spending the state: the browser that started it still finishes.
    let p = to_upstream(&mut b, &s, &up).await;
    let calls = *up.token_calls.lock().unwrap();
    let mut victim = Browser::new();
    let planted = back_from_upstream(&mut victim, &up, &p, "Mallory").await;
    assert_eq!(planted.status, 400, "{:?}", planted.location);
    assert!(
        planted.body.contains("not started in this browser"),
        "{}",
        planted.body
    );
    assert!(!victim.cookies.contains_key("tessera_session"));
    let mut other = Browser::new();
    to_upstream(&mut other, &s, &up).await;
    assert!(other.cookies.contains_key("tessera_upstream"));
    let planted = back_from_upstream(&mut other, &up, &p, "Mallory").await;
    assert_eq!(planted.status, 400, "{:?}", planted.location);
    assert_eq!(*up.token_calls.lock().unwrap(), calls, "no upstream call");
    let done = back_from_upstream(&mut b, &up, &p, "User-1").await;
    assert!(done.param("code").is_some(), "{:?}", done.location);
    // The same answer sent twice at once: one sign-in.
    let p = to_upstream(&mut b, &s, &up).await;
    let code = "racing-code".to_string();
    up.codes.lock().unwrap().insert(
        code.clone(),
        Issued {
            sub: "User-1".into(),
            nonce: p["nonce"].clone(),
            challenge: p["code_challenge"].clone(),
            redirect_uri: p["redirect_uri"].clone(),
        },
    );
    let target = url(
        &p["redirect_uri"],
        "",
        &[("code", &code), ("state", &p["state"])],
    );
    let racers = (0..8).map(|_| {
        let t = target.clone();
        // Tabs of the one browser that started the sign-in.
        let cookies = b.cookies.clone();
        async move {
            let mut b = Browser::new();
            b.cookies = cookies;
            b.get(&t).await
        }
    });
    let answers = all(racers).await;
    let won = answers
        .iter()
        .filter(|a| a.status == 302 && a.param("code").is_some())
        .count();
    assert_eq!(
        won,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );

    // A token with another nonce, or from another issuer: back to the client with an error.
    for tweak in ["nonce", "issuer"] {
        {
            let mut t = up.tweaks.lock().unwrap();
            *t = Tweaks::default();
            match tweak {
                "nonce" => t.nonce = Some("someone-elses".into()),
                _ => t.issuer = Some("http://evil.example".into()),
            }
        }
        let mut b = Browser::new();
        let p = to_upstream(&mut b, &s, &up).await;
        let a = back_from_upstream(&mut b, &up, &p, "User-1").await;
        assert_eq!(a.status, 302, "{tweak}");
        assert!(
            a.location.as_deref().unwrap().starts_with(CALLBACK),
            "{tweak}"
        );
        assert_eq!(
            a.param("error").as_deref(),
            Some("invalid_request"),
            "{tweak}"
        );
        assert!(a.param("code").is_none());
    }
    *up.tweaks.lock().unwrap() = Tweaks::default();
    // The upstream refusing the code: Cognito's words.
    let mut b = Browser::new();
    let p = to_upstream(&mut b, &s, &up).await;
    let a = b
        .get(&url(
            &p["redirect_uri"],
            "",
            &[("code", "unknown"), ("state", &p["state"])],
        ))
        .await;
    assert_eq!(
        a.param("error_description").as_deref(),
        Some("MyOIDC Error - 400 error getting token")
    );
    // A state that is not ours.
    let forged = b
        .get(&url(
            &p["redirect_uri"],
            "",
            &[("code", "x"), ("state", "forged")],
        ))
        .await;
    assert_eq!(forged.status, 400);
    srv.stop().await;
}
