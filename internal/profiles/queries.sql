-- Effective periods of regulation profile versions recorded by an
-- administrator (issue 8, defect 3): laid over the catalogue's dates.
-- name: periods
SELECT profile, valid_from, valid_until, basis, set_by, set_at FROM profile_periods ORDER BY profile

-- name: upsert-period
INSERT INTO profile_periods (profile, valid_from, valid_until, basis, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (profile) DO UPDATE SET valid_from = excluded.valid_from, valid_until = excluded.valid_until,
    basis = excluded.basis, set_by = excluded.set_by, set_at = excluded.set_at
