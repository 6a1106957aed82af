//! The archive's version and payload lines, without a store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn header(format: &str, version: u32) -> Header {
    Header {
        format: format.into(),
        version,
        created_ms: 0,
        kdf: Kdf {
            algorithm: "argon2id".into(),
            m_kib: KDF_M_KIB,
            t: KDF_T,
            p: 1,
            salt: String::new(),
        },
        cipher: "AES-256-GCM".into(),
    }
}

#[test]
fn versions_one_and_two_are_read_a_newer_one_is_refused() {
    assert_eq!(VERSION, 2);
    assert!(check_header(&header(FORMAT, 1)).is_ok());
    assert!(check_header(&header(FORMAT, 2)).is_ok());
    for refused in [header(FORMAT, 3), header(FORMAT, 0), header("other", 1)] {
        match check_header(&refused) {
            Err(CoreError::InvalidParameter(m)) => {
                assert!(m.contains("reads tessera-export 1 to 2"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }
}

const MEMBER: &str = r#"{"kind":"member","pool_id":"us-east-1_a","group":"g","sub":"s"}"#;
const IDENTITY: &str = r#"{"kind":"identity","pool_id":"us-east-1:x","identity_id":"us-east-1:y","created_ms":1,"modified_ms":1,"logins":[]}"#;

#[test]
fn other_records_go_to_the_store_that_reads_them() {
    let text = format!("{MEMBER}\n\n{IDENTITY}\n");
    let (items, records) = parse_payload(&text, &["identity_pool", "identity"]).unwrap();
    assert!(matches!(items.as_slice(), [Item::Member { .. }]));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["identity_id"], "us-east-1:y");
    // A version 1 payload has none; a store that reads none refuses them as unreadable.
    let (items, none) = parse_payload(MEMBER, &[]).unwrap();
    assert_eq!((items.len(), none.len()), (1, 0));
    match parse_payload(&text, &[]) {
        Err(CoreError::InvalidParameter(m)) => assert!(m.contains("cannot be read"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Written back one line each, as read.
    let mut out = Vec::new();
    write_records(&records, &mut out).unwrap();
    let back: Value = serde_json::from_slice(out.strip_suffix(b"\n").unwrap()).unwrap();
    assert_eq!(back, records[0]);
}
