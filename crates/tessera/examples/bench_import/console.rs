//! Issue 22's admin console pages with the imported users.

use super::*;

/// Issue 22's speed line: the admin console's pages with the pool's million users, the server
/// otherwise idle. Each page is asked `N` times in a row after two warm-ups; wall time per
/// page (median, as the client sees it) and the server's CPU per page.
pub(crate) async fn console_pages(backend: Backend, srv: &Server, pool: &str) {
    const N: usize = 20;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = http
        .post(format!("{}/console/login", srv.url))
        .form(&[("access_key_id", AKID), ("secret_access_key", SECRET)])
        .send()
        .await
        .unwrap();
    let cookie = signed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a console session cookie")
        .to_string();
    let pages = [
        ("overview", "/console".to_string()),
        (
            "pool, first page of users",
            format!("/console/pools/{pool}"),
        ),
        (
            "pool, users by email prefix",
            format!("/console/pools/{pool}?filter=email+%5E%3D+%22imp1-4999%22"),
        ),
        (
            "a user's page",
            format!("/console/pools/{pool}/user?username=imp1-499999"),
        ),
        ("settings", format!("/console/pools/{pool}/settings")),
        ("app clients", format!("/console/pools/{pool}/clients")),
        ("groups", format!("/console/pools/{pool}/groups")),
        (
            "resource servers",
            format!("/console/pools/{pool}/resource-servers"),
        ),
        ("domain", format!("/console/pools/{pool}/domain")),
        (
            "identity providers",
            format!("/console/pools/{pool}/providers"),
        ),
        ("identity pools", "/console/identity-pools".to_string()),
    ];
    for (name, path) in pages {
        let mut walls = Vec::with_capacity(N);
        let mut cpu = 0.0;
        for i in 0..N + 2 {
            let c0 = cpu_secs(srv.pid);
            let t = Instant::now();
            let r = http
                .get(format!("{}{path}", srv.url))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let _ = r.bytes().await.unwrap();
            let wall = t.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(status, 200, "{name}");
            if i >= 2 {
                walls.push(wall);
                cpu += cpu_secs(srv.pid) - c0;
            }
        }
        walls.sort_by(f64::total_cmp);
        println!(
            "RESULT {} console {name}: {:.1} ms median wall (max {:.1}), server CPU {:.1} ms per page",
            backend.name(),
            walls[N / 2],
            walls[N - 1],
            cpu * 1000.0 / N as f64
        );
    }
}
