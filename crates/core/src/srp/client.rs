//! The client half of Cognito's SRP, as amazon-cognito-identity-js computes it: Tessera's
//! own tests and the load generator sign in with it (the AWS SDK for Rust has no SRP).
//! Not used by the server.
//!
//! `A = g^a`; `S = (B - k*g^x)^(a + u*x)`, one exponentiation with the 513-bit exponent
//! `a + u*x` computed exactly (no reduction); then the same key derivation and claim signature
//! as the server.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crypto_bigint::ctutils::CtLt;
use crypto_bigint::{U256, U512, U576, U3072};

use super::group::{Fe, Group};
use super::{
    GROUP_LEN, SrpError, claim_signature, derive_key, format_timestamp, left_pad, pad, private_key,
    scrambler, to_group_bytes,
};

/// `SRP_A` for the secret `a`, as the clients send it (minimal lower-case hex).
pub fn client_public(a: &[u8; 32]) -> String {
    let big_a = to_group_bytes(&Group::get().g_pow(a).retrieve());
    let hex = hex::encode(big_a);
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_string()
    }
}

/// `PASSWORD_CLAIM_SIGNATURE` (base64) for the PASSWORD_VERIFIER challenge, from the
/// challenge parameters (`SALT`, `SRP_B`, `SECRET_BLOCK`, `USER_ID_FOR_SRP`), the password,
/// the secret `a` and the unix time the client claims (`TIMESTAMP` is
/// [`format_timestamp`] of it).
#[allow(clippy::too_many_arguments)]
pub fn client_signature(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt_hex: &str,
    srp_b_hex: &str,
    a: &[u8; 32],
    secret_block_b64: &str,
    now_secs: i64,
) -> Result<String, SrpError> {
    let group = Group::get();
    let salt = hex::decode(salt_hex).map_err(|_| SrpError::MalformedVerifier)?;
    let even_b = if srp_b_hex.len() % 2 == 1 {
        format!("0{srp_b_hex}")
    } else {
        srp_b_hex.to_string()
    };
    let b_bytes = hex::decode(even_b).map_err(|_| SrpError::MalformedVerifier)?;
    let b_value = U3072::from_be_slice(&left_pad::<GROUP_LEN>(&b_bytes));
    if !b_value.ct_lt(Fe::MODULUS.as_ref()).to_bool() || !b_value.is_nonzero().to_bool() {
        return Err(SrpError::MalformedVerifier);
    }
    let big_b = Fe::new(&b_value);
    let big_a = to_group_bytes(&group.g_pow(a).retrieve());
    let u = scrambler(&pad(&big_a), &to_group_bytes(&b_value))?;
    let x = private_key(pool_name, user_id_for_srp, password, &salt);
    let base = big_b.sub(&group.k.mul(&group.g_pow(&x)));
    let ux: U512 = U256::from_be_slice(&u).concatenating_mul(&U256::from_be_slice(&x));
    let exponent: U576 = ux
        .resize::<{ U576::LIMBS }>()
        .wrapping_add(&U256::from_be_slice(a).resize::<{ U576::LIMBS }>());
    let s = base.pow(&exponent);
    let key = derive_key(&pad(&u), &pad(&to_group_bytes(&s.retrieve())));
    let block = STANDARD
        .decode(secret_block_b64)
        .map_err(|_| SrpError::MalformedEphemeral)?;
    let sig = claim_signature(
        &key,
        pool_name,
        user_id_for_srp,
        &block,
        &format_timestamp(now_secs),
    );
    Ok(STANDARD.encode(sig))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_client_and_the_server_agree() {
        let pool = "AbC123";
        let salt = [0x42u8; 16];
        let v = super::super::verifier(pool, "alice", "Passw0rd!", &salt);
        let b = [7u8; 32];
        let big_b = super::super::server_public(&v, &b).unwrap();
        let a = [9u8; 32];
        let srp_a = client_public(&a);
        let block = STANDARD.encode(b"secret block");
        let now = 1_700_000_000;
        let ts = format_timestamp(now);
        let expected =
            super::super::expected_signature(pool, "alice", &v, &b, &srp_a, b"secret block", &ts)
                .unwrap();
        let hex_salt = super::super::to_hex(&salt);
        let hex_b = super::super::to_hex(&big_b);
        let good = client_signature(
            pool,
            "alice",
            "Passw0rd!",
            &hex_salt,
            &hex_b,
            &a,
            &block,
            now,
        )
        .unwrap();
        assert!(super::super::signature_matches(&expected, &good));
        let bad =
            client_signature(pool, "alice", "wrong", &hex_salt, &hex_b, &a, &block, now).unwrap();
        assert!(!super::super::signature_matches(&expected, &bad));
    }
}
