-- The admin console's sessions: a session is live while its row is (sign-out deletes it, so
-- a copied cookie stops working at once; the cookie itself is sealed and names the row).
-- Not tied to any pool: an operator signed in with an admin key belongs to none.
CREATE TABLE console_sessions (
    id         TEXT PRIMARY KEY,
    who        TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_ms);
