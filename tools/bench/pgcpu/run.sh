#!/bin/bash
# usage: run.sh BIN LABEL CLIENTS... ; env PERF=1 to perf-record PG backends during the 64-client row
set -u
BIN=$1; LABEL=$2; shift 2
DUR=${DUR:-10s}
D=/tmp/pgcpu/run-$LABEL; rm -rf $D; mkdir -p $D
PGBASE='postgres://postgres:postgres@127.0.0.1:5432/tenderdesk_pgcpu?sslmode=disable'
S=b_$LABEL
PGOPTIONS="-c client_min_messages=warning" psql "$PGBASE" -qc "DROP SCHEMA IF EXISTS $S CASCADE; CREATE SCHEMA $S" >/dev/null
DB="$PGBASE&search_path=$S"
port=18291
TENDERDESK_ADMIN_PASSWORD=bench-Pass-12345 $BIN serve --addr 127.0.0.1:$port --db "$DB" --log-level error --clamd off >$D/serve.log 2>&1 &
SPID=$!
for j in $(seq 1 60); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.5; done
[ -n "${PRESQL:-}" ] && psql "$PGBASE" -c "SET search_path=$S; $PRESQL"
TOKEN=$($BIN token create --login admin --db "$DB" 2>/dev/null | tail -1)
cpu() { local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
pgpids() { psql -At "$PGBASE" -c "select pid from pg_stat_activity where datname='tenderdesk_pgcpu' and backend_type='client backend' and application_name <> 'psql' and pid<>pg_backend_pid()" ; }
cnt() { psql -At "$PGBASE" -c "select count(*) from $S.appeals"; }
# warm: open the pool
/tmp/pgcpu/tdload -url http://127.0.0.1:$port -token $TOKEN -c 64 -d 2s -json > $D/warm.json
for c in "$@"; do
  echo "== $LABEL clients=$c load=$(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)"
  PP="$(pgpids)"; s0=$(cpu $SPID); p0=$(cpu $PP); n0=$(cnt)
  if [ "${PERF:-}" = 1 ] && [ $c = 64 ]; then perf record -g -o $D/perf.data -p $(echo $PP | tr ' ' ',') -- sleep 8 >/dev/null 2>&1 & PF=$!; fi
  /tmp/pgcpu/tdload -url http://127.0.0.1:$port -token $TOKEN -c $c -d $DUR -json > $D/load-$c.json
  cat $D/load-$c.json; echo
  PP2="$(pgpids)"; s1=$(cpu $SPID); p1=$(cpu $PP2); n1=$(cnt); pn=$(cpu $(comm -13 <(echo "$PP"|sort) <(echo "$PP2"|sort)))
  n=$((n1-n0))
  echo "   appeals=$n cpu ticks: desk=$((s1-s0)) pg=$((p1-p0)) (+new $pn)  per reg ms: desk=$(echo "scale=2; $((s1-s0))*10/$n" | bc) pg=$(echo "scale=2; $((p1-p0+pn))*10/$n" | bc)  load after=$(cut -d' ' -f1-3 /proc/loadavg)"
  [ "${PERF:-}" = 1 ] && [ $c = 64 ] && wait $PF
done
[ -n "${STATS:-}" ] && psql "$PGBASE" -c "select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where schemaname='$S' and (n_tup_ins+n_tup_upd)>0 order by 2 desc" -c "select funcname, calls, total_time, self_time from pg_stat_user_functions where schemaname='$S'"
kill $SPID; wait 2>/dev/null
