-- Plan reasons in Kazakh too (issue 8, GLOSSARY review D6): the console
-- shows them in the reader's language. Reasons of plans applied before
-- have none; they show in Russian.
ALTER TABLE plan_reasons ADD COLUMN kk TEXT NOT NULL DEFAULT '';
