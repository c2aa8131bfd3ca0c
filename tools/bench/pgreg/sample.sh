#!/bin/bash
# sample.sh OUT SECONDS: pg_stat_activity of the bench database every 50 ms
PGBASE='postgres://postgres:postgres@127.0.0.1:5432/tenderdesk_pgreg?sslmode=disable'
timeout $2 psql -At -F'|' "$PGBASE" > $1 2>/dev/null <<'SQL'
SELECT clock_timestamp()::time, CASE WHEN state = 'idle in transaction' THEN 'InTxWaitingForClient' ELSE coalesce(wait_event_type,'CPU') END, coalesce(wait_event,'-'), regexp_replace(left(query,50),'\s+',' ','g') FROM pg_stat_activity WHERE datname='tenderdesk_pgreg' AND (state like 'active%' OR state = 'idle in transaction') AND pid<>pg_backend_pid() UNION ALL SELECT clock_timestamp()::time, 'TICK','-','-'
\watch 0.05
SQL
