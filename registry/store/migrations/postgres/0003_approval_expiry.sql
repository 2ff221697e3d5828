-- Approvals expire, and a push they let through spends them: expires_at
-- is when an approval stops applying; spent_version is the version of the
-- subject the push it let through made, and spent_at when (both NULL
-- while it is unspent). Approvals made before this migration had no end:
-- they get the default week from when they were made.
ALTER TABLE approvals ADD COLUMN expires_at timestamptz;
UPDATE approvals SET expires_at = created_at + interval '168 hours';
ALTER TABLE approvals ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE approvals ADD COLUMN spent_version integer;
ALTER TABLE approvals ADD COLUMN spent_at timestamptz;
