//! StartUserImportJob under concurrency: one job started by several callers at once runs
//! once.

use aws_sdk_cognitoidentityprovider::types::UserImportJobStatusType;

use super::import::{create_job, finished, upload};
use crate::harness::{TestServer, both, code, together};

const CALLERS: usize = 8;
const USERS: usize = 40;

// Eight StartUserImportJob calls for one job, released together: exactly one starts it; the
// others find it past Created and get PreconditionNotMetException, which the API reference
// lists for StartUserImportJob ("This exception is thrown when a precondition is not met",
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_StartUserImportJob.html),
// never ConcurrentModificationException, which it does not list. The users are imported once.
both!(
    parallel_starts_run_the_job_once,
    async |srv: &TestServer| {
        let (pool, _) = crate::users::pool_and_client(srv).await;
        let job = create_job(srv, &pool, "raced").await;
        let job_id = job.job_id().unwrap().to_string();
        let mut csv = String::from("cognito:username,email,email_verified,cognito:mfa_enabled\n");
        for i in 0..USERS {
            csv.push_str(&format!("racer{i},racer{i}@example.com,true,\n"));
        }
        assert_eq!(upload(&job, &csv).await, reqwest::StatusCode::OK);

        let results = together(CALLERS, |_| {
            let (idp, pool, job_id) = (srv.idp.clone(), pool.clone(), job_id.clone());
            async move {
                let r = idp
                    .start_user_import_job()
                    .user_pool_id(&pool)
                    .job_id(&job_id)
                    .send()
                    .await;
                match r {
                    Ok(out) => Ok(out.user_import_job().and_then(|j| j.status().cloned())),
                    Err(e) => Err(code(Err::<(), _>(e))),
                }
            }
        })
        .await;
        let started: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(started.len(), 1, "{results:?}");
        assert_eq!(
            started[0].as_ref(),
            Some(&UserImportJobStatusType::Pending),
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| e == "PreconditionNotMetException"),
            "{results:?}"
        );

        let done = finished(srv, &pool, &job_id).await;
        assert_eq!(done.status(), Some(&UserImportJobStatusType::Succeeded));
        assert_eq!(done.imported_users(), USERS as i64);
        assert_eq!(done.skipped_users(), 0);
        assert_eq!(done.failed_users(), 0);
        // Once more after the end: still refused, and nothing imported twice.
        let r = srv
            .idp
            .start_user_import_job()
            .user_pool_id(&pool)
            .job_id(&job_id)
            .send()
            .await;
        assert_eq!(code(r), "PreconditionNotMetException");
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = srv
                .idp
                .list_users()
                .user_pool_id(&pool)
                .set_pagination_token(token)
                .send()
                .await
                .unwrap();
            names.extend(
                page.users()
                    .iter()
                    .filter_map(|u| u.username().map(str::to_string)),
            );
            token = page.pagination_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        names.sort();
        let mut expected: Vec<_> = (0..USERS).map(|i| format!("racer{i}")).collect();
        expected.sort();
        assert_eq!(names, expected);
    }
);
