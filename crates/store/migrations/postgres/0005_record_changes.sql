-- The change feed: records (pools, clients, users, a pool's groups) that every node must
-- drop from its in-memory cache. Read by time written, like token_revocations; entries go
-- after ten minutes. No foreign key: a deleted pool's entry must outlive the pool.
CREATE TABLE record_changes (
    kind       TEXT NOT NULL,
    pool_id    TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX record_changes_by_time ON record_changes (created_ms);
