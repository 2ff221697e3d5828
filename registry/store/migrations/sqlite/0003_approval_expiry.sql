-- Approvals expire, and a push they let through spends them, as
-- migrations/postgres/0003_approval_expiry.sql has it. Approvals made
-- before this migration had no end: they get the default week from when
-- they were made (times are microseconds, so a week is 604800000000).
ALTER TABLE approvals ADD COLUMN expires_at TIMESTAMP NOT NULL DEFAULT 0;
UPDATE approvals SET expires_at = created_at + 604800000000;
ALTER TABLE approvals ADD COLUMN spent_version INTEGER;
ALTER TABLE approvals ADD COLUMN spent_at TIMESTAMP;
