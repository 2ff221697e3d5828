-- Approvals of breaking changes, as migrations/postgres/0002_approvals.sql
-- has them.
CREATE TABLE approvals (
    subject     TEXT      NOT NULL REFERENCES subjects (subject),
    coordinate  TEXT      NOT NULL,
    class       TEXT      NOT NULL,
    approved_by TEXT      NOT NULL,
    reason      TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (subject, coordinate, class)
);
