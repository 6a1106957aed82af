-- Identity pools (the cognito-identity service), beside the user pools and independent of
-- them. A pool is its JSON document (the pool as DescribeIdentityPool returns it, its roles,
-- role mappings and principal-tag maps); identities and their linked logins cascade from it.
CREATE TABLE identity_pools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    version     BIGINT NOT NULL
);

CREATE TABLE identities (
    identity_id TEXT PRIMARY KEY,
    pool_id     TEXT NOT NULL REFERENCES identity_pools(id) ON DELETE CASCADE,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL
);
-- ListIdentities pages by (pool, id).
CREATE UNIQUE INDEX identities_by_pool ON identities (pool_id, identity_id);

-- A login (provider + the user's id there) belongs to at most one identity of a pool: the
-- primary key is what makes two concurrent GetId calls for one user agree on one identity.
CREATE TABLE identity_logins (
    pool_id     TEXT NOT NULL,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    identity_id TEXT NOT NULL REFERENCES identities(identity_id) ON DELETE CASCADE,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX identity_logins_by_identity ON identity_logins (identity_id, provider, subject);

-- The identity issuer's signing keys (sealed with the server key, base64).
CREATE TABLE identity_signing_keys (
    kid            TEXT PRIMARY KEY,
    created_ms     BIGINT NOT NULL,
    private_sealed TEXT NOT NULL,
    public_jwk     TEXT NOT NULL
);
