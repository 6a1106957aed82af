-- Managed login: the pool's small settings documents (domains, resource servers, terms, UI
-- customisation, branding) as JSON beside their key, and single-use authorization codes.
-- Everything cascades from the pool.
CREATE TABLE pool_documents (
    pool_id     TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    doc_key     TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (pool_id, kind, doc_key)
);
-- A domain names one pool across the whole deployment (requests are routed by it).
CREATE UNIQUE INDEX pool_documents_domains ON pool_documents (doc_key) WHERE kind = 'domain';

-- Authorization codes by SHA-256 digest; taking one deletes it, so a code works once.
CREATE TABLE oauth_codes (
    code_hash  TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    expires_ms BIGINT NOT NULL,
    payload    TEXT NOT NULL
);
CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_ms);

-- The scopes an OAuth sign-in granted (space-separated); NULL for API sign-ins, whose
-- tokens carry aws.cognito.signin.user.admin.
ALTER TABLE token_families ADD COLUMN scopes TEXT;
