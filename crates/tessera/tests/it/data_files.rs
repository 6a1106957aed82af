//! The data folder and every file in it are the server's alone, whatever the umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType;

use crate::harness::{Spawn, idp_client, spawn_binary};
use crate::users::attr;

/// The permission bits, in octal as `ls` and `chmod` write them.
fn mode(path: &Path) -> String {
    let mode = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode();
    format!("{:04o}", mode & 0o777)
}

#[tokio::test]
async fn a_new_data_folder_and_its_files_are_private_under_umask_022() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let bin = spawn_binary(Spawn {
        args: vec!["--data-dir".into(), dir.clone().into()],
        umask: Some("022"),
        // Generated, so admin-credentials.json is written too.
        generate_admin: true,
    });
    let (akid, secret) = bin.generated_admin.clone().unwrap();
    let c = idp_client(&bin.url, "us-east-1", &akid, &secret);
    let pool = c
        .create_user_pool()
        .pool_name("files")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    // A user in the database and a confirmation code in the outbox.
    c.sign_up()
        .client_id(&client)
        .username("ana")
        .password("Passw0rd!")
        .user_attributes(attr("email", "ana@example.com"))
        .send()
        .await
        .unwrap();

    // Checked while the server runs: SQLite's -wal and -shm files exist only then.
    assert_eq!(mode(&dir), "0700", "the data folder");
    let names = [
        "tessera.db",
        "tessera.db-wal",
        "tessera.db-shm",
        "outbox.jsonl",
        "server.key",
        "admin-credentials.json",
    ];
    for name in names {
        assert_eq!(mode(&dir.join(name)), "0600", "{name}");
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), "0600", "{}", path.display());
    }
    let stderr = bin.kill();
    assert!(!stderr.contains("other users than the owner"), "{stderr}");
}

#[tokio::test]
async fn an_existing_folder_open_to_others_is_warned_about_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = spawn_binary(Spawn {
        args: vec!["--data-dir".into(), dir.clone().into()],
        umask: Some("022"),
        ..Spawn::default()
    });
    // Files the server creates in it are still private.
    assert_eq!(mode(&dir.join("tessera.db")), "0600");
    let stderr = bin.kill();
    let warning = stderr
        .lines()
        .find(|l| l.contains("other users than the owner"))
        .unwrap_or_else(|| panic!("no warning in:\n{stderr}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains(&dir.display().to_string()), "{warning}");
    assert!(warning.contains("0755"), "{warning}");
    assert_eq!(mode(&dir), "0755");
}
