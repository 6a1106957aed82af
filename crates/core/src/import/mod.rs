//! User import jobs (`GetCSVHeader`, `CreateUserImportJob`, `StartUserImportJob`,
//! `StopUserImportJob`, `DescribeUserImportJob`, `ListUserImportJobs`), as the developer
//! guide's "Importing users into user pools from a CSV file" describes them.
//!
//! A job is a pool document (`DocKind::ImportJob`). Its file is uploaded to the job's
//! `PreSignedUrl`, which Tessera serves itself (`PUT /tessera/import/<pool>/<job>`, signed
//! with the server key, valid 15 minutes) and keeps in `import_files` until the job ends. A
//! started job runs in the background on the node that started it, a batch of rows per
//! transaction, writing its counts and a heartbeat after each batch; a job whose heartbeat
//! stops (its node died) is reported Failed with what it had imported, never left running
//! silently. Per-row outcomes are logged as Cognito writes them to CloudWatch
//! (`[FAILED] Line Number 3 - ...`), with line numbers and never user data.

mod csv;
mod lines;

use csv::{RowOutcome, auto_verified, check_header, csv_header, split_line};

use std::sync::Arc;

pub use crate::users::imported_hash::FirebaseScrypt;
pub use lines::LinesReport;

use serde::{Deserialize, Serialize};
use tessera_wire::idp::{CreateUserImportJobRequest, UserImportJobType};

use crate::store::{DocKind, DocumentRecord, StoreError};
use crate::{CoreError, Tessera};

/// How long the upload URL is valid (the guide: 15 minutes).
const UPLOAD_URL_MS: i64 = 15 * 60_000;
/// A job not started this long after its creation is Expired (the guide: "24-48 hours").
const EXPIRE_MS: i64 = 24 * 3_600_000;
/// A running job whose heartbeat is older than this has lost its node.
const STALE_MS: i64 = 60_000;
/// The file limits of the guide.
pub const MAX_FILE_BYTES: usize = 100 * 1024 * 1024;
const MAX_ROWS: usize = 500_000;
const MAX_ROW_CHARS: usize = 16_000;
/// Rows per transaction.
const BATCH: usize = 500;

/// While requests are being served, a job on a store whose engine works in this process
/// (SQLite) rests this many times as long as its last batch took, so it takes at most a share
/// of the CPU from them (the batch's time grows with the contention, and the rest with it).
/// Alone it runs at full speed. On PostgreSQL a batch's time is mostly the database's, on
/// other cores, and resting would only slow the job. docs/adr/0025.
const REST_PER_BATCH_TIME: f64 = 2.5;

/// Requests that must arrive during a batch for the job to rest after it even if none is in
/// flight when it ends (one is a DescribeUserImportJob poll).
const BUSY_REQUESTS: u64 = 2;

/// The longest rest, so that heartbeats stay far apart from `STALE_MS`.
const MAX_REST: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a job rests after a batch: requests are being served (one is in flight as the
/// batch ends, or `BUSY_REQUESTS` arrived during it), and the store's engine works in this
/// process.
fn should_rest(arrived: u64, in_flight: u64, in_process: bool) -> bool {
    in_process && (arrived >= BUSY_REQUESTS || in_flight > 0)
}

/// The rest after a batch that took `batch`.
fn rest_after(batch: std::time::Duration) -> std::time::Duration {
    batch.mul_f64(REST_PER_BATCH_TIME).min(MAX_REST)
}

const USERNAME: &str = "cognito:username";
const MFA_ENABLED: &str = "cognito:mfa_enabled";
const PASSWORD_HASH: &str = "password_hash";

/// Cognito's completion messages (the guide's sample responses).
const STOPPED_MESSAGE: &str = "The Import Job was stopped by the developer.";
const TOO_MANY_FAILED: &str = "Too many users have failed or been skipped during the import.";
const SUCCEEDED_MESSAGE: &str = "Import Job Completed Successfully.";

/// A job as stored: the API's view and what the runner needs besides.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct JobDoc {
    job: UserImportJobType,
    #[serde(default)]
    uploaded: bool,
    /// Set while Pending / InProgress / Stopping by the node running it.
    #[serde(default)]
    heartbeat_ms: i64,
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn not_found(job_id: &str) -> CoreError {
    CoreError::ResourceNotFound(format!("Import job {job_id} not found."))
}

fn precondition(message: impl Into<String>) -> CoreError {
    CoreError::PreconditionNotMet(message.into())
}

/// Why an upload was refused (the upload endpoint answers these as S3 would: 403 / 404 / 409 / 413).
#[derive(Debug, PartialEq, Eq)]
pub enum UploadRefusal {
    /// A bad or expired signature.
    Forbidden,
    NotFound,
    /// The job is past `Created`.
    Conflict,
    TooLarge,
}

impl Tessera {
    /// `GetCSVHeader`: the pool's attributes in schema order (but `sub`), then
    /// `cognito:mfa_enabled` and `cognito:username` (the guide's sample response).
    pub async fn get_csv_header(&self, pool_id: &str) -> Result<Vec<String>, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        Ok(csv_header(&pool))
    }

    fn upload_signature(&self, pool_id: &str, job_id: &str, expires_ms: i64) -> String {
        hex::encode(
            self.sealer.stable_digest(
                format!("import upload\n{pool_id}\n{job_id}\n{expires_ms}").as_bytes(),
            ),
        )
    }

    fn upload_url(&self, pool_id: &str, job_id: &str, expires_ms: i64) -> String {
        format!(
            "{}/tessera/import/{pool_id}/{job_id}?expires={expires_ms}&signature={}",
            self.settings.public_url.trim_end_matches('/'),
            self.upload_signature(pool_id, job_id, expires_ms)
        )
    }

    /// `CreateUserImportJob`.
    pub async fn create_user_import_job(
        &self,
        req: CreateUserImportJobRequest,
    ) -> Result<UserImportJobType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        let now = self.clock.now_millis();
        let job_id = format!(
            "import-{}",
            crate::rand::random_string(self.rng.as_ref(), crate::ids::ALNUM, 10)
        );
        let job = UserImportJobType {
            job_name: Some(req.job_name),
            job_id: Some(job_id.clone()),
            user_pool_id: Some(pool.id.clone()),
            pre_signed_url: Some(self.upload_url(&pool.id, &job_id, now + UPLOAD_URL_MS)),
            creation_date: Some(seconds(now)),
            status: Some("Created".into()),
            cloud_watch_logs_role_arn: Some(req.cloud_watch_logs_role_arn),
            imported_users: Some(0),
            skipped_users: Some(0),
            failed_users: Some(0),
            password_hashing_algorithm: req.password_hashing_algorithm,
            ..Default::default()
        };
        let doc = JobDoc {
            job: job.clone(),
            uploaded: false,
            heartbeat_ms: 0,
        };
        self.store
            .insert_document(&DocumentRecord {
                pool_id: pool.id.clone(),
                kind: DocKind::ImportJob,
                key: job_id,
                doc: to_json(&doc)?,
                created_ms: now,
                modified_ms: now,
                version: 1,
            })
            .await?;
        Ok(job)
    }

    /// Reads a job, first settling what time alone decides: a job never started expires, a
    /// running job whose node stopped beating fails.
    async fn load_job(
        &self,
        pool_id: &str,
        job_id: &str,
    ) -> Result<(DocumentRecord, JobDoc), CoreError> {
        let rec = self
            .store
            .get_document(pool_id, DocKind::ImportJob, job_id)
            .await?
            .ok_or_else(|| not_found(job_id))?;
        let doc: JobDoc = from_json(&rec.doc)?;
        let now = self.clock.now_millis();
        let status = doc.job.status.clone().unwrap_or_default();
        let settle = match status.as_str() {
            "Created" if now - rec.created_ms > EXPIRE_MS => Some((
                "Expired",
                Some("The user import job has expired.".to_string()),
            )),
            "Pending" | "InProgress" | "Stopping" if now - doc.heartbeat_ms > STALE_MS => Some((
                "Failed",
                Some(format!(
                    "The import stopped when the server running it stopped; {} users were imported.",
                    doc.job.imported_users.unwrap_or(0)
                )),
            )),
            _ => None,
        };
        let Some((next, message)) = settle else {
            return Ok((rec, doc));
        };
        self.finish_job(pool_id, job_id, |d| {
            d.job.status = Some(next.into());
            d.job.completion_message = message.clone();
            if next != "Expired" {
                d.job.completion_date = Some(seconds(now));
            }
        })
        .await?;
        let rec = self
            .store
            .get_document(pool_id, DocKind::ImportJob, job_id)
            .await?
            .ok_or_else(|| not_found(job_id))?;
        let doc = from_json(&rec.doc)?;
        Ok((rec, doc))
    }

    /// Applies `change` to the job (retrying lost races a few times); the job after it.
    async fn change_job(
        &self,
        pool_id: &str,
        job_id: &str,
        mut change: impl FnMut(&mut JobDoc) -> Result<(), CoreError>,
    ) -> Result<JobDoc, CoreError> {
        for _ in 0..5 {
            let rec = self
                .store
                .get_document(pool_id, DocKind::ImportJob, job_id)
                .await?
                .ok_or_else(|| not_found(job_id))?;
            let mut doc: JobDoc = from_json(&rec.doc)?;
            change(&mut doc)?;
            let next = DocumentRecord {
                doc: to_json(&doc)?,
                modified_ms: self.clock.now_millis(),
                version: rec.version + 1,
                ..rec.clone()
            };
            if self.store.update_document(&next, rec.version).await? {
                return Ok(doc);
            }
        }
        Err(CoreError::ConcurrentModification(format!(
            "Import job {job_id} was changed by another request; try again."
        )))
    }

    /// Ends a job (`change` sets the final status) and deletes its file.
    async fn finish_job(
        &self,
        pool_id: &str,
        job_id: &str,
        mut change: impl FnMut(&mut JobDoc),
    ) -> Result<JobDoc, CoreError> {
        let doc = self
            .change_job(pool_id, job_id, |d| {
                change(d);
                Ok(())
            })
            .await?;
        self.store.delete_import_file(pool_id, job_id).await?;
        Ok(doc)
    }

    /// `DescribeUserImportJob`.
    pub async fn describe_user_import_job(
        &self,
        pool_id: &str,
        job_id: &str,
    ) -> Result<UserImportJobType, CoreError> {
        self.load_pool(pool_id).await?;
        Ok(self.load_job(pool_id, job_id).await?.1.job)
    }

    /// `ListUserImportJobs`: newest first, as the guide says.
    pub async fn list_user_import_jobs(
        &self,
        pool_id: &str,
        max_results: i32,
        pagination_token: Option<&str>,
    ) -> Result<(Vec<UserImportJobType>, Option<String>), CoreError> {
        self.load_pool(pool_id).await?;
        // Every job of the pool (jobs are few), ordered newest first, then a page.
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list_documents(pool_id, DocKind::ImportJob, after.as_deref(), 100)
                .await?;
            let n = page.len();
            after = page.last().map(|r| r.key.clone());
            all.extend(page);
            if n < 100 {
                break;
            }
        }
        all.sort_by(|a, b| (b.created_ms, &b.key).cmp(&(a.created_ms, &a.key)));
        let start = match pagination_token {
            Some(t) => all
                .iter()
                .position(|r| r.key == t)
                .ok_or_else(|| CoreError::InvalidParameter("Invalid pagination token.".into()))?,
            None => 0,
        };
        let limit = max_results.clamp(1, 50) as usize;
        let mut jobs = Vec::new();
        for r in all.iter().skip(start).take(limit) {
            jobs.push(self.load_job(pool_id, &r.key).await?.1.job);
        }
        let next = all.get(start + limit).map(|r| r.key.clone());
        Ok((jobs, next))
    }

    /// Whether an upload URL's signature and expiry hold (before its body is read).
    pub fn check_upload(
        &self,
        pool_id: &str,
        job_id: &str,
        expires_ms: i64,
        signature: &str,
    ) -> Result<(), UploadRefusal> {
        let expected = self.upload_signature(pool_id, job_id, expires_ms);
        let same = aws_lc_rs::constant_time::verify_slices_are_equal(
            expected.as_bytes(),
            signature.as_bytes(),
        )
        .is_ok();
        if !same || self.clock.now_millis() > expires_ms {
            return Err(UploadRefusal::Forbidden);
        }
        Ok(())
    }

    /// The upload to a job's PreSignedUrl.
    pub async fn upload_import_file(
        &self,
        pool_id: &str,
        job_id: &str,
        expires_ms: i64,
        signature: &str,
        content: &[u8],
    ) -> Result<(), UploadRefusal> {
        self.check_upload(pool_id, job_id, expires_ms, signature)?;
        if content.len() > MAX_FILE_BYTES {
            return Err(UploadRefusal::TooLarge);
        }
        let (_, doc) = self
            .load_job(pool_id, job_id)
            .await
            .map_err(|_| UploadRefusal::NotFound)?;
        if doc.job.status.as_deref() != Some("Created") {
            return Err(UploadRefusal::Conflict);
        }
        self.store
            .put_import_file(pool_id, job_id, content)
            .await
            .map_err(|_| UploadRefusal::NotFound)?;
        let marked = self
            .change_job(pool_id, job_id, |d| {
                if d.job.status.as_deref() != Some("Created") {
                    return Err(precondition("started meanwhile"));
                }
                d.uploaded = true;
                Ok(())
            })
            .await;
        match marked {
            Ok(_) => Ok(()),
            Err(_) => {
                // Started (or ended) between the check and the write: a job that has ended
                // keeps no file.
                if let Ok((_, d)) = self.load_job(pool_id, job_id).await
                    && is_terminal(d.job.status.as_deref())
                {
                    let _ = self.store.delete_import_file(pool_id, job_id).await;
                }
                Err(UploadRefusal::Conflict)
            }
        }
    }

    /// `StartUserImportJob`: the job becomes Pending and runs in the background.
    pub async fn start_user_import_job(
        self: &Arc<Self>,
        pool_id: &str,
        job_id: &str,
    ) -> Result<UserImportJobType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let (_, doc) = self.load_job(pool_id, job_id).await?;
        let status = doc.job.status.clone().unwrap_or_default();
        if status != "Created" {
            return Err(precondition(format!(
                "Import job {job_id} cannot be started: its status is {status}."
            )));
        }
        if !doc.uploaded {
            // aws-amplify/amplify-js#6416: "No csv file was uploaded for import-9sHxosU7BP".
            return Err(precondition(format!(
                "No csv file was uploaded for {job_id}"
            )));
        }
        if auto_verified(&pool).is_empty() {
            return Err(precondition(
                "The user pool has no auto-verified attributes (email or phone_number): imported users could not reset their passwords.",
            ));
        }
        let now = self.clock.now_millis();
        let started = self
            .change_job(pool_id, job_id, |d| {
                if d.job.status.as_deref() != Some("Created") {
                    return Err(precondition(format!(
                        "Import job {job_id} cannot be started: it was started already."
                    )));
                }
                d.job.status = Some("Pending".into());
                d.job.start_date = Some(seconds(now));
                d.heartbeat_ms = now;
                Ok(())
            })
            .await?;
        let me = self.clone();
        let (pool_id, job_id) = (pool_id.to_string(), job_id.to_string());
        let task = tokio::spawn(async move {
            if let Err(e) = me.run_import(&pool_id, &job_id).await {
                tracing::error!(pool_id = %pool_id, job_id = %job_id, error = %e, "import job failed");
                let message = match &e {
                    CoreError::ResourceNotFound(_) => "The user pool has been deleted.".to_string(),
                    CoreError::InvalidParameter(m) => m.clone(),
                    _ => "The import failed because of an internal error.".to_string(),
                };
                let now = me.clock.now_millis();
                let _ = me
                    .finish_job(&pool_id, &job_id, |d| {
                        if !is_terminal(d.job.status.as_deref()) {
                            d.job.status = Some("Failed".into());
                            d.job.completion_message = Some(message.clone());
                            d.job.completion_date = Some(seconds(now));
                        }
                    })
                    .await;
            }
        });
        let mut running = crate::lock::mutex(&self.background);
        running.retain(|h| !h.is_finished());
        running.push(task);
        drop(running);
        Ok(started.job)
    }

    /// `StopUserImportJob`: a job not running yet stops at once; a running one at its next
    /// batch.
    pub async fn stop_user_import_job(
        &self,
        pool_id: &str,
        job_id: &str,
    ) -> Result<UserImportJobType, CoreError> {
        self.load_pool(pool_id).await?;
        self.load_job(pool_id, job_id).await?;
        let now = self.clock.now_millis();
        let doc = self
            .change_job(pool_id, job_id, |d| {
                match d.job.status.as_deref() {
                    Some("Created") | Some("Pending") => {
                        d.job.status = Some("Stopped".into());
                        d.job.completion_message = Some(STOPPED_MESSAGE.into());
                        d.job.completion_date = Some(seconds(now));
                    }
                    Some("InProgress") => d.job.status = Some("Stopping".into()),
                    other => {
                        return Err(precondition(format!(
                            "Import job {job_id} cannot be stopped: its status is {}.",
                            other.unwrap_or_default()
                        )));
                    }
                }
                Ok(())
            })
            .await?;
        if doc.job.status.as_deref() == Some("Stopped") {
            self.store.delete_import_file(pool_id, job_id).await?;
        }
        Ok(doc.job)
    }

    /// The job's work: every row of the file, a batch at a time.
    async fn run_import(&self, pool_id: &str, job_id: &str) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let content = self
            .store
            .get_import_file(pool_id, job_id)
            .await?
            .ok_or_else(|| CoreError::InvalidParameter("The uploaded file is gone.".into()))?;
        let text = std::str::from_utf8(&content).map_err(|_| {
            CoreError::InvalidParameter("The .csv file is not UTF-8: it cannot be parsed.".into())
        })?;
        if text.starts_with('\u{feff}') {
            return Err(CoreError::InvalidParameter(
                "The .csv file starts with a byte order mark: save it as UTF-8 without one.".into(),
            ));
        }
        let mut lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header_line)) = lines.next() else {
            return Err(CoreError::InvalidParameter(
                "The .csv file is empty.".into(),
            ));
        };
        let header = split_line(header_line);
        check_header(&pool, &header)?;
        let (_, job) = self.load_job(pool_id, job_id).await?;
        let algorithm = job.job.password_hashing_algorithm.clone();
        if let Some(alg) = &algorithm
            && !header.iter().any(|h| h == PASSWORD_HASH)
        {
            return Err(CoreError::InvalidParameter(format!(
                "The .csv file has no password_hash column, which the job's PasswordHashingAlgorithm ({alg}) requires."
            )));
        }
        let rows: Vec<(usize, &str)> = lines.map(|(i, l)| (i + 1, l)).collect();
        if rows.len() > MAX_ROWS {
            return Err(CoreError::InvalidParameter(format!(
                "The .csv file has {} users; at most {MAX_ROWS} can be imported by one job.",
                rows.len()
            )));
        }
        let mfa_mode = pool
            .config
            .mfa_configuration
            .clone()
            .unwrap_or_else(|| "OFF".into());
        // Only a job still Pending starts (StopUserImportJob may have stopped it).
        let began = self
            .change_job(pool_id, job_id, |d| {
                if d.job.status.as_deref() != Some("Pending") {
                    return Err(precondition("not pending"));
                }
                d.job.status = Some("InProgress".into());
                d.heartbeat_ms = self.clock.now_millis();
                Ok(())
            })
            .await;
        if let Err(CoreError::PreconditionNotMet(_)) = began {
            return Ok(());
        }
        began?;
        let (mut imported, mut skipped, mut failed) = (0i64, 0i64, 0i64);
        for (n, batch) in rows.chunks(BATCH).enumerate() {
            let last = (n + 1) * BATCH >= rows.len();
            let began = std::time::Instant::now();
            let requests_before = self
                .requests
                .began
                .load(std::sync::atomic::Ordering::Relaxed);
            let mut users = Vec::new();
            let mut lines_of_users = Vec::new();
            for (line, text) in batch {
                match self.row_to_user(&pool, &header, text, &mfa_mode, algorithm.as_deref()) {
                    RowOutcome::User(u) => {
                        users.push(*u);
                        lines_of_users.push(*line);
                    }
                    RowOutcome::Failed(why) => {
                        failed += 1;
                        tracing::info!(job_id = %job_id, "[FAILED] Line Number {line} - {why}");
                    }
                }
            }
            let inserted = self.store.insert_users_if_absent(&users).await?;
            for ((user, ok), line) in users.iter().zip(inserted).zip(lines_of_users) {
                if ok {
                    imported += 1;
                    tracing::debug!(job_id = %job_id, "[SUCCEEDED] Line Number {line} - The import succeeded.");
                } else if self
                    .store
                    .get_user_by_username(pool_id, &user.username_key)
                    .await?
                    .is_some()
                {
                    skipped += 1;
                    tracing::info!(job_id = %job_id, "[SKIPPED] Line Number {line} - The user already exists.");
                } else {
                    failed += 1;
                    tracing::info!(job_id = %job_id, "[FAILED] Line Number {line} - Another user already has this email address or phone number.");
                }
            }
            let now = self.clock.now_millis();
            let doc = self
                .change_job(pool_id, job_id, |d| {
                    d.job.imported_users = Some(imported);
                    d.job.skipped_users = Some(skipped);
                    d.job.failed_users = Some(failed);
                    d.heartbeat_ms = now;
                    Ok(())
                })
                .await?;
            // Settled by another node meanwhile (a heartbeat that looked lost): stop here.
            if matches!(
                doc.job.status.as_deref(),
                Some("Failed" | "Stopped" | "Expired")
            ) {
                return Ok(());
            }
            if doc.job.status.as_deref() == Some("Stopping") {
                self.finish_job(pool_id, job_id, |d| {
                    d.job.status = Some("Stopped".into());
                    d.job.completion_message = Some(STOPPED_MESSAGE.into());
                    d.job.completion_date = Some(seconds(now));
                })
                .await?;
                return Ok(());
            }
            if self.server_stopping(job_id, imported) {
                return Ok(());
            }
            // While requests are served, rest after the whole batch (its progress write
            // included); a shutdown that came meanwhile is seen at once, a stop at the next
            // batch's heartbeat.
            let counts = &self.requests;
            let arrived = counts
                .began
                .load(std::sync::atomic::Ordering::Relaxed)
                .saturating_sub(requests_before);
            let in_flight = counts.in_flight.load(std::sync::atomic::Ordering::Relaxed);
            if !last && should_rest(arrived, in_flight, self.store.bulk_work_in_process()) {
                tokio::time::sleep(rest_after(began.elapsed())).await;
                if self.server_stopping(job_id, imported) {
                    return Ok(());
                }
            }
            // Sign-ins and other requests go first between batches.
            tokio::task::yield_now().await;
        }
        let now = self.clock.now_millis();
        // Cognito's threshold is not documented; here a job fails when more rows failed or
        // were skipped than were imported (docs/fidelity.md).
        let too_many = failed + skipped > imported;
        self.finish_job(pool_id, job_id, |d| {
            if too_many {
                d.job.status = Some("Failed".into());
                d.job.completion_message = Some(TOO_MANY_FAILED.into());
            } else {
                d.job.status = Some("Succeeded".into());
                d.job.completion_message = Some(SUCCEEDED_MESSAGE.into());
            }
            d.job.completion_date = Some(seconds(now));
        })
        .await?;
        self.store.bulk_loaded().await?;
        Ok(())
    }
}

/// A status no job leaves.
fn is_terminal(status: Option<&str>) -> bool {
    matches!(status, Some("Succeeded" | "Failed" | "Stopped" | "Expired"))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, CoreError> {
    serde_json::to_string(v).map_err(|e| CoreError::Storage(StoreError::Backend(e.to_string())))
}

impl Tessera {
    /// Whether the server is stopping, so a job leaves off here (its counts are written; it
    /// reads as Failed once its heartbeat is old).
    fn server_stopping(&self, job_id: &str, imported: i64) -> bool {
        let stopping = self.stopping.load(std::sync::atomic::Ordering::SeqCst);
        if stopping {
            tracing::warn!(job_id = %job_id, imported, "import job interrupted: the server is stopping");
        }
        stopping
    }
}

fn from_json<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T, CoreError> {
    serde_json::from_str(s)
        .map_err(|e| CoreError::Storage(StoreError::Backend(format!("corrupt import job: {e}"))))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_job_rests_only_while_requests_are_served_by_an_in_process_engine() {
        // A request in flight, or two arrivals during the batch, on SQLite.
        assert!(should_rest(0, 1, true));
        assert!(should_rest(BUSY_REQUESTS, 0, true));
        // Its own DescribeUserImportJob poll alone is not load.
        assert!(!should_rest(1, 0, true));
        assert!(!should_rest(0, 0, true));
        // PostgreSQL works elsewhere: never.
        assert!(!should_rest(100, 16, false));
    }

    #[test]
    fn the_rest_follows_the_batch_and_is_capped() {
        assert_eq!(
            rest_after(Duration::from_millis(20)),
            Duration::from_millis(50)
        );
        assert_eq!(rest_after(Duration::from_secs(60)), MAX_REST);
        assert!(MAX_REST.as_millis() * 4 < STALE_MS as u128);
    }

    #[test]
    fn a_request_counts_as_in_flight_until_it_is_dropped() {
        let counts = std::sync::Arc::new(crate::RequestCounts::default());
        let a = crate::RequestInFlight::begin(&counts);
        let b = crate::RequestInFlight::begin(&counts);
        assert_eq!(
            counts.in_flight.load(std::sync::atomic::Ordering::Relaxed),
            2
        );
        drop(a);
        drop(b);
        assert_eq!(
            counts.in_flight.load(std::sync::atomic::Ordering::Relaxed),
            0
        );
        assert_eq!(counts.began.load(std::sync::atomic::Ordering::Relaxed), 2);
    }
}
