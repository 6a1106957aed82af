//! Known answers from the real clients (`vectors.json`, made by `e2e/srp/vectors.mjs` with
//! amazon-cognito-identity-js and re-checked with pycognito by `e2e/srp/check.sh`), and the
//! edge cases around them.

#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crypto_bigint::{U256, U3072};
use serde::Deserialize;

use super::group::{Fe, Group};
use super::*;

#[derive(Deserialize)]
struct Vectors {
    k: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    user_pool_id: String,
    pool_name: String,
    user_id_for_srp: String,
    password: String,
    salt_bytes: String,
    salt_hex: String,
    x: String,
    verifier: String,
    srp_a: String,
    b: String,
    big_b: String,
    srp_b: String,
    u: String,
    s_padded: String,
    key: String,
    secret_block: String,
    timestamp: String,
    timestamp_epoch: i64,
    signature: String,
    cases: Vec<String>,
}

fn vectors() -> Vectors {
    serde_json::from_str(include_str!("vectors.json")).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn first() -> Vector {
    vectors().vectors.remove(0)
}

/// What `expected_signature` gives for a vector with the timestamp replaced.
fn signature_at(v: &Vector, timestamp: &str) -> Result<[u8; 32], SrpError> {
    expected_signature(
        &v.pool_name,
        &v.user_id_for_srp,
        &unhex(&v.verifier),
        &unhex(&v.b),
        &v.srp_a,
        &STANDARD.decode(&v.secret_block).unwrap(),
        timestamp,
    )
}

#[test]
fn k_matches_the_clients() {
    warm_up();
    let k = Group::get().k.retrieve();
    assert_eq!(
        hex::encode(to_group_bytes(&k)),
        format!("{:0>768}", vectors().k)
    );
}

#[test]
fn known_answers_from_amazon_cognito_identity_js() {
    let all = vectors();
    assert!(all.vectors.len() >= 3);
    for v in &all.vectors {
        let name = v.name.as_str();
        assert_eq!(pool_name(&v.user_pool_id), v.pool_name, "{name}: pool name");
        let salt = unhex(&v.salt_bytes);
        assert_eq!(salt.len(), SALT_LEN, "{name}");
        assert_eq!(to_hex(&salt), v.salt_hex, "{name}: SALT");
        let x = private_key(&v.pool_name, &v.user_id_for_srp, &v.password, &salt);
        assert_eq!(hex::encode(x), v.x, "{name}: x");
        let verifier = verifier(&v.pool_name, &v.user_id_for_srp, &v.password, &salt);
        assert_eq!(verifier.len(), GROUP_LEN, "{name}");
        assert_eq!(hex::encode(&verifier), v.verifier, "{name}: verifier");

        let b = unhex(&v.b);
        assert_eq!(b.len(), EPHEMERAL_LEN, "{name}");
        let big_b = server_public(&verifier, &b).unwrap();
        assert_eq!(hex::encode(&big_b), v.big_b, "{name}: B");
        assert_eq!(to_hex(&big_b), v.srp_b, "{name}: SRP_B");

        let a = parse_a(&v.srp_a).unwrap();
        let u = scrambler(&a.padded, &big_b).unwrap();
        assert_eq!(hex::encode(u), v.u, "{name}: u");
        let v_fe = parse_verifier(&verifier).unwrap();
        let s = premaster_secret(&a.value, &v_fe, &u, &parse_ephemeral(&b).unwrap()).unwrap();
        assert_eq!(hex::encode(pad(&s)), v.s_padded, "{name}: S");

        let key = password_authentication_key(&verifier, &b, &v.srp_a).unwrap();
        assert_eq!(hex::encode(key), v.key, "{name}: key");
        let block = STANDARD.decode(&v.secret_block).unwrap();
        let claim = claim_signature(&key, &v.pool_name, &v.user_id_for_srp, &block, &v.timestamp);
        assert_eq!(
            STANDARD.encode(claim),
            v.signature,
            "{name}: claim signature"
        );

        let expected = signature_at(v, &v.timestamp).unwrap();
        assert_eq!(expected, claim, "{name}: expected_signature");
        assert!(signature_matches(&expected, &v.signature), "{name}");

        assert_eq!(
            parse_timestamp(&v.timestamp),
            Some(v.timestamp_epoch),
            "{name}"
        );
        assert_eq!(format_timestamp(v.timestamp_epoch), v.timestamp, "{name}");
    }
}

#[test]
fn vectors_cover_the_pad_hex_edge_cases() {
    let cases: Vec<String> = vectors()
        .vectors
        .into_iter()
        .flat_map(|v| v.cases)
        .collect();
    for case in [
        "salt_leading_zero_byte",
        "salt_top_bit",
        "srp_a_odd_length",
        "A_leading_zero_byte",
        "B_leading_zero_byte",
        "S_leading_zero_byte",
        "u_leading_zero_byte",
        "u_top_bit",
        "non_ascii",
        "alias_sign_in",
    ] {
        assert!(cases.iter().any(|c| c == case), "no vector has {case}");
    }
}

#[test]
fn a_wrong_password_gives_another_signature() {
    let v = first();
    let salt = unhex(&v.salt_bytes);
    let wrong = verifier(&v.pool_name, &v.user_id_for_srp, "not the password", &salt);
    let b = unhex(&v.b);
    let block = STANDARD.decode(&v.secret_block).unwrap();
    let sig = expected_signature(
        &v.pool_name,
        &v.user_id_for_srp,
        &wrong,
        &b,
        &v.srp_a,
        &block,
        &v.timestamp,
    )
    .unwrap();
    assert!(!signature_matches(&sig, &v.signature));
    // Nor does another pool or user id with the right verifier.
    let right = unhex(&v.verifier);
    let other_pool = expected_signature(
        "Other",
        &v.user_id_for_srp,
        &right,
        &b,
        &v.srp_a,
        &block,
        &v.timestamp,
    )
    .unwrap();
    assert!(!signature_matches(&other_pool, &v.signature));
}

#[test]
fn the_signature_covers_the_canonical_timestamp() {
    let v = first();
    assert_eq!(v.timestamp, "Tue Sep 3 06:29:23 UTC 2024");
    let canonical = signature_at(&v, &v.timestamp).unwrap();
    // Cognito renders what it parsed: a padded day or a wrong weekday signs something else
    // than the client signed.
    for variant in [
        "Tue Sep 03 06:29:23 UTC 2024",
        "Wed Sep 3 06:29:23 UTC 2024",
        "tue sep 3 06:29:23 utc 2024",
        "Tue Sep 3 6:29:23 UTC 2024",
    ] {
        assert_eq!(signature_at(&v, variant).unwrap(), canonical, "{variant}");
        assert!(signature_matches(&canonical, &v.signature));
        let as_sent = password_authentication_key(&unhex(&v.verifier), &unhex(&v.b), &v.srp_a)
            .map(|key| {
                claim_signature(
                    &key,
                    &v.pool_name,
                    &v.user_id_for_srp,
                    &STANDARD.decode(&v.secret_block).unwrap(),
                    variant,
                )
            })
            .unwrap();
        assert_ne!(as_sent, canonical, "{variant}");
    }
    assert_ne!(
        signature_at(&v, "Tue Sep 3 06:29:24 UTC 2024").unwrap(),
        canonical
    );
    assert_eq!(
        signature_at(&v, "2024-09-03T06:29:23Z"),
        Err(SrpError::InvalidTimestamp)
    );
}

#[test]
fn invalid_client_publics_are_refused() {
    let v = first();
    let n_hex = hex::encode(Fe::MODULUS.as_ref().to_be_bytes());
    let above_n = "f".repeat(2 * GROUP_LEN);
    for (a, err) in [
        ("", SrpError::MalformedA),
        ("xyz", SrpError::MalformedA),
        ("0x1234", SrpError::MalformedA),
        (" 1234", SrpError::MalformedA),
        ("0", SrpError::InvalidA),
        ("0000", SrpError::InvalidA),
        (n_hex.as_str(), SrpError::InvalidA),
        (above_n.as_str(), SrpError::InvalidA),
        (&format!("1{}", "0".repeat(768)), SrpError::ATooLong),
    ] {
        assert_eq!(check_client_public(a).err(), Some(err.clone()), "{a:.20}");
        assert_eq!(signature_at_a(&v, a).err(), Some(err), "{a:.20}");
    }
    // Leading zeros and upper case change nothing.
    let canonical = signature_at_a(&v, &v.srp_a).unwrap();
    assert_eq!(
        signature_at_a(&v, &format!("000{}", v.srp_a)).unwrap(),
        canonical
    );
    assert_eq!(
        signature_at_a(&v, &v.srp_a.to_uppercase()).unwrap(),
        canonical
    );
    assert!(check_client_public(&format!("{:0>768}", "ff")).is_ok());
}

fn signature_at_a(v: &Vector, srp_a: &str) -> Result<[u8; 32], SrpError> {
    expected_signature(
        &v.pool_name,
        &v.user_id_for_srp,
        &unhex(&v.verifier),
        &unhex(&v.b),
        srp_a,
        b"block",
        &v.timestamp,
    )
}

#[test]
fn malformed_verifiers_and_ephemerals_are_refused() {
    let b = [7u8; EPHEMERAL_LEN];
    let n = Fe::MODULUS.as_ref().to_be_bytes().as_ref().to_vec();
    let mut too_long = vec![1u8];
    too_long.extend_from_slice(&[0u8; GROUP_LEN]);
    for v in [vec![], vec![0u8; GROUP_LEN], n, too_long] {
        assert_eq!(server_public(&v, &b), Err(SrpError::MalformedVerifier));
    }
    // Shorter and zero-prefixed verifiers are numbers like any other.
    let mut prefixed = vec![0u8; 3];
    prefixed.push(5);
    assert_eq!(
        server_public(&[5], &b).unwrap(),
        server_public(&prefixed, &b).unwrap()
    );
    for b in [vec![], vec![1u8; 31], vec![1u8; 33], vec![0u8; 32]] {
        assert_eq!(server_public(&[5], &b), Err(SrpError::MalformedEphemeral));
    }
}

#[test]
fn signature_matches_only_the_exact_bytes() {
    let expected = [0x5au8; 32];
    let good = STANDARD.encode(expected);
    assert!(signature_matches(&expected, &good));
    let mut flipped = expected;
    flipped[31] ^= 1;
    assert!(!signature_matches(&expected, &STANDARD.encode(flipped)));
    assert!(!signature_matches(
        &expected,
        &STANDARD.encode(&expected[..31])
    ));
    assert!(!signature_matches(&expected, "not base64!"));
    assert!(!signature_matches(&expected, ""));
}

#[test]
fn pad_hex_matches_the_clients() {
    assert_eq!(pad(&[]), [0]);
    assert_eq!(pad(&[0, 0]), [0]);
    assert_eq!(pad(&[0x7f]), [0x7f]);
    assert_eq!(pad(&[0x80]), [0, 0x80]);
    assert_eq!(pad(&[0, 0, 0x12, 0x34]), [0x12, 0x34]);
    assert_eq!(pad(&[0, 0xc8]), [0, 0xc8]);
    assert_eq!(to_hex(&[0, 0, 1]), "01");
    assert_eq!(to_hex(&[0xAB, 0xCD]), "00abcd");
    assert_eq!(to_hex(&[]), "00");
}

#[test]
fn the_generator_table_agrees_with_plain_exponentiation() {
    let g = Fe::new(&U3072::from_u8(2));
    let mut exponents = vec![[0u8; 32], [0xff; 32], [0x80; 32]];
    let mut one = [0u8; 32];
    one[31] = 1;
    exponents.push(one);
    for i in 0..4u8 {
        let e: [u8; 32] =
            std::array::from_fn(|j| (j as u8).wrapping_mul(37).wrapping_add(i.wrapping_mul(91)));
        exponents.push(e);
    }
    for e in exponents {
        let plain = g.pow(&U256::from_be_slice(&e));
        assert_eq!(
            Group::get().g_pow(&e).retrieve(),
            plain.retrieve(),
            "{}",
            hex::encode(e)
        );
        assert_eq!(bench_modexp(&e), to_group_bytes(&plain.retrieve()).to_vec());
        assert_eq!(bench_modexp_crypto_bigint(&e), bench_modexp(&e));
    }
}

#[test]
fn timestamps_parse_and_render() {
    assert_eq!(format_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
    assert_eq!(parse_timestamp("Thu Jan 1 00:00:00 UTC 1970"), Some(0));
    assert_eq!(
        format_timestamp(951_825_599),
        "Tue Feb 29 11:59:59 UTC 2000"
    );
    assert_eq!(format_timestamp(-1), "Wed Dec 31 23:59:59 UTC 1969");
    assert_eq!(
        format_timestamp(4_107_542_400),
        "Mon Mar 1 00:00:00 UTC 2100"
    );
    // One-digit fields and a wrong weekday are read (Cognito's parser is lenient).
    assert_eq!(
        parse_timestamp("Mon Sep 03 6:29:23 UTC 2024"),
        parse_timestamp("Tue Sep 3 06:29:23 UTC 2024")
    );
    // Every day of several years round-trips.
    let start = parse_timestamp("Sat Jan 1 00:00:00 UTC 2000").unwrap();
    for day in 0..(366 * 4 + 400) {
        let t = start + day * 86_400 + (day * 7919) % 86_400;
        assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t), "{t}");
    }
    for bad in [
        "",
        "Tue Sep 3 06:29:23 UTC",
        "Tue Sep 3 06:29:23 UTC 2024 ",
        "Tue  Sep 3 06:29:23 UTC 2024",
        "Tue Sep 3 06:29:23 GMT 2024",
        "Tue Sep 3 06:29:23 +0000 2024",
        "Tue Sep 3 06:29 UTC 2024",
        "Tue Sep 3 06:29:23:01 UTC 2024",
        "Tue Sep 3 24:00:00 UTC 2024",
        "Tue Sep 3 06:60:00 UTC 2024",
        "Tue Sep 3 06:29:60 UTC 2024",
        "Tue Sep 0 06:29:23 UTC 2024",
        "Tue Sep 31 06:29:23 UTC 2024",
        "Wed Feb 29 06:29:23 UTC 2023",
        "Tue Sep 003 06:29:23 UTC 2024",
        "Tue Sep 3 06:29:23 UTC 24",
        "Tue Sep 3 06:29:23 UTC 20245",
        "Tue Sep +3 06:29:23 UTC 2024",
        "Tuesday Sep 3 06:29:23 UTC 2024",
        "Tue September 3 06:29:23 UTC 2024",
        "Xyz Sep 3 06:29:23 UTC 2024",
    ] {
        assert_eq!(parse_timestamp(bad), None, "{bad:?}");
    }
    assert!(parse_timestamp("Thu Feb 29 06:29:23 UTC 2024").is_some());
}

#[test]
fn errors_do_not_echo_values() {
    let secret_looking = "deadbeef".repeat(200);
    let err = check_client_public(&secret_looking).unwrap_err();
    assert!(!err.to_string().contains("deadbeef"));
    for err in [
        SrpError::MalformedA,
        SrpError::ATooLong,
        SrpError::InvalidA,
        SrpError::MalformedVerifier,
        SrpError::MalformedEphemeral,
        SrpError::ZeroU,
        SrpError::InvalidTimestamp,
    ] {
        assert!(!err.to_string().is_empty());
    }
}
