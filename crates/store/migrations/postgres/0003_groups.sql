-- Groups and memberships. Group names are case-sensitive (collation "C", byte order,
-- so keyset pages by name are exact). A membership goes with its group, its user or its
-- pool; groups go with their pool.
CREATE TABLE user_pool_groups (
    pool_id     TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    group_name  TEXT COLLATE "C" NOT NULL,
    description TEXT,
    precedence  INTEGER,
    role_arn    TEXT,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (pool_id, group_name)
);

CREATE TABLE user_groups (
    pool_id    TEXT NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    sub        TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub),
    FOREIGN KEY (pool_id, group_name) REFERENCES user_pool_groups (pool_id, group_name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_groups_by_user ON user_groups (pool_id, sub, group_name);
