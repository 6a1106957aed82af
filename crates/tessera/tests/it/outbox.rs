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

// The pool's EmailConfiguration names the sender: `From` (else the SES identity's address)
// and `ReplyToEmailAddress` travel with the message, to the outbox as to SMTP.
crate::harness::both!(messages_carry_the_pools_sender, async |srv: &TestServer| {
    use aws_sdk_cognitoidentityprovider::types::{EmailConfigurationType, EmailSendingAccountType};
    let c = &srv.idp;
    let pool = c
        .create_user_pool()
        .pool_name("sender")
        .email_configuration(
            EmailConfigurationType::builder()
                .email_sending_account(EmailSendingAccountType::Developer)
                .source_arn("arn:aws:ses:us-east-1:123456789012:identity/noreply@example.org")
                .from("Example Team <team@example.org>")
                .reply_to_email_address("help@example.org")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let invite = async |name: &str| {
        c.admin_create_user()
            .user_pool_id(&pool)
            .username(name)
            .user_attributes(
                aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                    .name("email")
                    .value(format!("{name}@example.com"))
                    .build()
                    .unwrap(),
            )
            .desired_delivery_mediums(
                aws_sdk_cognitoidentityprovider::types::DeliveryMediumType::Email,
            )
            .send()
            .await
            .unwrap();
        let sent = srv.outbox();
        let last = sent.last().unwrap();
        assert_eq!(last["destination"], format!("{name}@example.com"));
        (last["from"].clone(), last["replyTo"].clone())
    };
    assert_eq!(
        invite("ana").await,
        (
            serde_json::json!("Example Team <team@example.org>"),
            serde_json::json!("help@example.org")
        )
    );
    // Without From, the verified identity's address; without either, the deployment's.
    c.update_user_pool()
        .user_pool_id(&pool)
        .email_configuration(
            EmailConfigurationType::builder()
                .email_sending_account(EmailSendingAccountType::Developer)
                .source_arn("arn:aws:ses:us-east-1:123456789012:identity/noreply@example.org")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        invite("ben").await,
        (
            serde_json::json!("noreply@example.org"),
            serde_json::Value::Null
        )
    );
    c.update_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        invite("cy").await,
        (serde_json::Value::Null, serde_json::Value::Null)
    );
});
