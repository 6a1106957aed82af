-- Signing keys, refresh-token families and the revocation feed. Everything cascades from
-- the pool. Sealed key material is base64 text (sealed with the server key, which is not
-- in the database).
CREATE TABLE signing_keys (
    pool_id         TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    kid             TEXT NOT NULL,
    created_ms      BIGINT NOT NULL,
    private_sealed  TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    retire_after_ms BIGINT,
    PRIMARY KEY (pool_id, kid)
);

-- One row per sign-in. Not tied to the user row: a deleted user's revocations must last.
CREATE TABLE token_families (
    pool_id                 TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    origin_jti              TEXT NOT NULL,
    sub                     TEXT NOT NULL,
    client_id               TEXT NOT NULL,
    auth_time               BIGINT NOT NULL,
    created_ms              BIGINT NOT NULL,
    expires_ms              BIGINT NOT NULL,
    revoked_ms              BIGINT,
    generation              BIGINT NOT NULL,
    previous_valid_until_ms BIGINT NOT NULL,
    PRIMARY KEY (pool_id, origin_jti)
);
CREATE INDEX token_families_by_user ON token_families (pool_id, sub);
CREATE INDEX token_families_by_expiry ON token_families (expires_ms);

-- Revoked families, read by every node (by time written) into its in-memory set.
CREATE TABLE token_revocations (
    pool_id    TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    origin_jti TEXT NOT NULL,
    until_ms   BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX token_revocations_by_time ON token_revocations (created_ms);
CREATE INDEX token_revocations_by_until ON token_revocations (until_ms);
