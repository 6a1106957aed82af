-- The CSV file uploaded for a user import job (the job is a pool document). Gone with the
-- pool; deleted when the job ends.
CREATE TABLE import_files (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    job_id  TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (pool_id, job_id)
);
