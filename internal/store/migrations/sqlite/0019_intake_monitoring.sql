-- Monitoring and system-log intake (issue 14, Q27): probes run by the desk,
-- Alertmanager webhooks, syslog and JSON log lines.

-- intake_events: every accepted alert, check failure/recovery or burst of
-- matching log lines, stored before it is answered (nothing accepted is
-- lost); processed_at is set in the transaction that applies it to its
-- signal, so a crash between the two re-applies it at the next start.
CREATE TABLE intake_events (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL CHECK (source IN ('probe', 'alertmanager', 'syslog')),
    alert_key    TEXT NOT NULL,
    module       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('firing', 'resolved', 'logged')),
    at           TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    title        TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}',
    count        INTEGER NOT NULL DEFAULT 1,
    signal_id    INTEGER,
    outcome      TEXT NOT NULL DEFAULT '',
    processed_at TEXT
);
CREATE INDEX intake_events_pending ON intake_events(id) WHERE processed_at IS NULL;
CREATE INDEX intake_events_signal ON intake_events(signal_id, id);

-- intake_signals: one per source and module while the module's incident is
-- open: the one appeal that source registered on it, and how many alerts,
-- checks or lines it stands for. first_at is the failure's start (the
-- first failed check, the alert's startsAt); resolved_at, once every alert
-- of it has resolved, is the fix-time candidate a specialist confirms.
CREATE TABLE intake_signals (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    module      TEXT NOT NULL,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    appeal_id   INTEGER NOT NULL REFERENCES appeals(id),
    status      TEXT NOT NULL CHECK (status IN ('firing', 'resolved', 'logged')),
    title       TEXT NOT NULL,
    first_at    TEXT NOT NULL,
    last_at     TEXT NOT NULL,
    resolved_at TEXT,
    count       INTEGER NOT NULL
);
CREATE INDEX intake_signals_module ON intake_signals(source, module, id);
CREATE INDEX intake_signals_incident ON intake_signals(incident_id, id);

-- intake_alerts: the alerts of a signal by their key (Alertmanager's
-- fingerprint, "probe:ID", "rule:ID"), each firing or resolved.
CREATE TABLE intake_alerts (
    signal_id  INTEGER NOT NULL REFERENCES intake_signals(id),
    alert_key  TEXT NOT NULL,
    status     TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    count      INTEGER NOT NULL,
    PRIMARY KEY (signal_id, alert_key)
);

-- Alertmanager label → module mapping (label value → the portal module).
CREATE TABLE intake_module_map (
    label  TEXT NOT NULL,
    value  TEXT NOT NULL,
    module TEXT NOT NULL,
    PRIMARY KEY (label, value)
);

-- Log rules: lines of at most this severity (RFC 5424 0 emergency … 7
-- debug) matching the pattern become an appeal of the module.
CREATE TABLE intake_log_rules (
    id         INTEGER PRIMARY KEY,
    module     TEXT NOT NULL,
    severity   INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 7),
    pattern    TEXT NOT NULL,
    app        TEXT NOT NULL DEFAULT '',
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

-- Probes: HTTP(S) checks of the portal's modules the desk runs itself.
CREATE TABLE intake_probes (
    id              INTEGER PRIMARY KEY,
    module          TEXT NOT NULL,
    url             TEXT NOT NULL,
    interval_ms     INTEGER NOT NULL,
    timeout_ms      INTEGER NOT NULL,
    expect_status   INTEGER NOT NULL,
    expect_body     TEXT NOT NULL DEFAULT '',
    cert_min_days   INTEGER NOT NULL DEFAULT 0,
    threshold       INTEGER NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    failing_since   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    alerted         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Probe results: the time series behind the uptime chart.
CREATE TABLE intake_probe_results (
    id          INTEGER PRIMARY KEY,
    probe_id    INTEGER NOT NULL REFERENCES intake_probes(id),
    at          TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    latency_ms  INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    cert_expiry TEXT
);
CREATE INDEX intake_probe_results_probe ON intake_probe_results(probe_id, at);

-- Appeals that trigger point rules of the extension engine (issue 14):
-- Q49 could_not_participate, Q50 unreliable_register, Q51
-- discussion_questions, E29.6 unreliable_list, E29.5 results_affected,
-- E29.3 last_day_acceptance_affected, recorded on an appeal and fed to the
-- planner of its incident.
CREATE TABLE appeal_triggers (
    id              INTEGER PRIMARY KEY,
    appeal_id       INTEGER NOT NULL REFERENCES appeals(id),
    kind            TEXT NOT NULL,
    procedure_id    TEXT NOT NULL DEFAULT '',
    lot             TEXT NOT NULL DEFAULT '',
    supplier        TEXT NOT NULL DEFAULT '',
    excluded_at     TEXT,
    draft_sent      INTEGER NOT NULL DEFAULT 0,
    act_approved_at TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX appeal_triggers_appeal ON appeal_triggers(appeal_id, id);
