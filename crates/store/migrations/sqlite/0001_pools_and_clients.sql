-- User pools and app clients. Settings documents are JSON text (the pool/client as
-- Cognito describes it); identifying and queried fields have their own columns.
-- Later capabilities add their own tables keyed by pool_id (see docs/adr/0003).
CREATE TABLE user_pools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,
    config      TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    version     BIGINT NOT NULL
);

CREATE TABLE user_pool_clients (
    client_id     TEXT PRIMARY KEY,
    pool_id       TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    client_name   TEXT NOT NULL,
    client_secret TEXT,
    config        TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    modified_ms   BIGINT NOT NULL,
    version       BIGINT NOT NULL
);
CREATE INDEX user_pool_clients_by_pool ON user_pool_clients (pool_id, client_id);
