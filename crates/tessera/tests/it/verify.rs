//! The `tessera-verify` library against tokens Tessera issues and the JWKS it serves.

use std::sync::Arc;
use std::time::Duration;

use tessera_core::clock::ManualClock;
use tessera_verify::{Config, TokenUse, Verifier, VerifyError};

use crate::auth::{PASSWORD, header, login, setup, user};
use crate::harness::{TestServer, both_clocked};

both_clocked!(
    tessera_tokens_verify_and_rotated_keys_are_fetched,
    async |srv: &TestServer, clock: Arc<ManualClock>| {
        let (pool, client) = setup(srv).await;
        user(srv, &pool, "vic").await;
        let t = login(srv, &client, "vic", PASSWORD).await.unwrap();
        let access = t.access_token.unwrap();
        let id = t.id_token.unwrap();

        let mut cfg = Config::tessera(&srv.url, &pool)
            .token_use(TokenUse::Access)
            .audience(&client)
            .scope("aws.cognito.signin.user.admin");
        cfg.jwks_min_refresh = Duration::ZERO;
        // The server's clock runs 61 s ahead of the verifier's after the rotation below.
        cfg.leeway = Duration::from_secs(120);
        let v = Verifier::new(cfg.clone());
        let c = v.verify(&access).await.unwrap();
        assert_eq!(c.str("username"), Some("vic"));
        assert_eq!(
            v.verify(&id).await.unwrap_err(),
            VerifyError::WrongTokenUse("id".into())
        );

        let ids = Verifier::new(
            Config::tessera(&srv.url, &pool)
                .token_use(TokenUse::Id)
                .audience(&client),
        );
        assert_eq!(
            ids.verify(&id).await.unwrap().str("email"),
            Some("vic@example.com")
        );
        let others = Verifier::new(
            Config::tessera(&srv.url, &pool)
                .token_use(TokenUse::Id)
                .audience("someone-else"),
        );
        assert_eq!(
            others.verify(&id).await.unwrap_err(),
            VerifyError::WrongAudience
        );

        // A token with its payload swapped for another's does not verify.
        let parts: Vec<&str> = access.split('.').collect();
        let id_parts: Vec<&str> = id.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], id_parts[1], parts[2]);
        assert_eq!(
            ids.verify(&forged).await.unwrap_err(),
            VerifyError::BadSignature
        );

        // After `tessera keys rotate`, new tokens name a kid the verifier has not seen: it
        // fetches the JWKS again and accepts them.
        tessera::rotate_keys(&srv.settings, Some(&pool))
            .await
            .unwrap();
        clock.advance_millis(61_000);
        let after = login(srv, &client, "vic", PASSWORD).await.unwrap();
        let new_access = after.access_token.unwrap();
        assert_ne!(header(&new_access)["kid"], header(&access)["kid"]);
        v.verify(&new_access).await.unwrap();
        v.verify(&access).await.unwrap();
    }
);
