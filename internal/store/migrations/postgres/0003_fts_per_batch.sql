-- Nothing to do on PostgreSQL: its search column is generated. This file keeps
-- the migration numbers of both dialects in step (SQLite's 0003 moves
-- full-text indexing of new appeals from a row trigger to the writer).
SELECT 1;
