-- Failed sign-ins, for the lockout. Keyed by the user's sub when the user exists and by the
-- name typed when it does not, so that a missing user is counted and locked out exactly like
-- a real one (PreventUserExistenceErrors: neither the answer nor its timing may differ).
CREATE TABLE sign_in_failures (
    pool_id  TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    lock_key TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, lock_key)
);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (last_ms);
