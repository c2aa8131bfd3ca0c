-- Issue 12 (sign12): the yearly information (Q44) and the written reports
-- (Q36.10, Q37.13) are signed with an EDS. signature_id is the stored
-- signature (signatures.id) over the document as it is now: 0 none. Editing
-- a written report after it was signed drops the link (the signature stays
-- stored, but no longer covers the report); the annual information cannot
-- change once signed.
ALTER TABLE analyses ADD COLUMN signature_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE authority_reports ADD COLUMN signature_id BIGINT NOT NULL DEFAULT 0;
