-- The knowledge base of answers agreed with the authorized body (Q21):
-- staff draft, the authority approves; only approved answers are public.
-- Texts by language as JSON objects {"ru": …, "kk": …, "en": …}.
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'withdrawn')),
    question    TEXT NOT NULL DEFAULT '{}',
    answer      TEXT NOT NULL DEFAULT '{}',
    created_by  INTEGER REFERENCES users(id),
    approved_by INTEGER REFERENCES users(id),
    approved_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX kb_articles_status ON kb_articles(status, id);
