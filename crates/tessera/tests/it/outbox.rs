//! The admin-only development outbox: `GET /tessera/outbox`.

use crate::harness::{AKID, Backend, SECRET, TestServer};

async fn get(url: &str, auth: Option<(&str, &str)>) -> (u16, Option<String>, serde_json::Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some((user, password)) = auth {
        req = req.basic_auth(user, Some(password));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    (
        status,
        challenge,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn outbox_is_admin_only() {
    let srv = TestServer::start(Backend::Sqlite).await.unwrap();
    let url = format!("{}/tessera/outbox", srv.url);

    let (status, challenge, v) = get(&url, None).await;
    assert_eq!(status, 401);
    assert!(challenge.unwrap().starts_with("Basic "));
    assert_eq!(v["__type"], "MissingAuthenticationTokenException");
    assert!(v.get("messages").is_none());

    let (status, _, v) = get(&url, Some((AKID, SECRET))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["messages"], serde_json::json!([]));

    let filtered = format!("{url}?poolId=us-east-1_nope&username=alice&destination=a%40b.c");
    let (status, _, v) = get(&filtered, Some((AKID, SECRET))).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["messages"].as_array().unwrap().is_empty());

    for (user, password) in [
        (AKID, "not-the-secret"),
        (AKID, ""),
        ("AKIDUNKNOWN000000000", SECRET),
    ] {
        let (status, _, v) = get(&url, Some((user, password))).await;
        assert_eq!(status, 403, "{user}");
        assert_eq!(v["__type"], "UnrecognizedClientException");
        assert!(!v.to_string().contains(SECRET));
    }

    // A SigV4 header that does not verify is refused too.
    let r = reqwest::Client::new()
        .get(&url)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={AKID}/20200101/us-east-1/cognito-idp/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=00"
            ),
        )
        .header("x-amz-date", "20200101T000000Z")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    srv.stop().await;
}
