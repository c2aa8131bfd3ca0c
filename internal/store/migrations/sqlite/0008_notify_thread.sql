-- The registration notice of an email appeal threads under the reporter's
-- message (issue 5): In-Reply-To and References carry this Message-ID
-- (without brackets); empty for other notices.
ALTER TABLE outbox ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
