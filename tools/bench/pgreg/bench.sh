#!/bin/bash
# usage: bench.sh BIN BACKEND(pg|sqlite) LABEL CLIENTS... ; env INSTANCES=3 for three App processes on one DB
set -u
BIN=$1; BK=$2; LABEL=$3; shift 3
DUR=${DUR:-10s}
D=/tmp/pgreg/run-$LABEL; rm -rf $D; mkdir -p $D
PGBASE='postgres://postgres:postgres@127.0.0.1:5432/tenderdesk_pgreg?sslmode=disable'
if [ $BK = pg ]; then
  S=b_$LABEL
  PGOPTIONS="-c client_min_messages=warning" psql "$PGBASE" -qc "DROP SCHEMA IF EXISTS $S CASCADE; CREATE SCHEMA $S" >/dev/null
  DB="$PGBASE&search_path=$S"
else
  DB=$D/data
fi
N=${INSTANCES:-1}
URLS=()
for i in $(seq 1 $N); do
  port=$((18190+i))
  TENDERDESK_ADMIN_PASSWORD=bench-Pass-12345 $BIN serve --addr 127.0.0.1:$port --db "$DB" --log-level error --clamd off >$D/serve$i.log 2>&1 &
  echo $! >> $D/pids
  for j in $(seq 1 60); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.5; done
  URLS+=(http://127.0.0.1:$port)
done
TOKEN=$($BIN token create --login admin --db "$DB" 2>/dev/null | tail -1)
# CPU seconds (user+sys) of the desk processes and of the PostgreSQL backends of this database
cpu() { local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
pgpids() { [ $BK = pg ] && psql -At "$PGBASE" -c "select pid from pg_stat_activity where datname='tenderdesk_pgreg' and backend_type='client backend' and application_name <> 'psql' and pid<>pg_backend_pid()" ; }
for c in "$@"; do
  echo "== $LABEL clients=$c instances=$N load=$(cut -d' ' -f1-3 /proc/loadavg)"
  SP=""; if [ $BK = pg ]; then /tmp/pgreg/sample.sh $D/samples-$c.txt $(( ${DUR%s} + 1 )) & SP=$!; fi
  PP="$(pgpids)"; s0=$(cpu $(cat $D/pids)); p0=$(cpu $PP)
  if [ $N = 1 ]; then
    /tmp/pgreg/tdload -url ${URLS[0]} -token $TOKEN -c $c -d $DUR -json > $D/load-$c.json
    cat $D/load-$c.json
  else
    per=$((c/N)); LP=""; for u in "${URLS[@]}"; do /tmp/pgreg/tdload -url $u -token $TOKEN -c $per -d $DUR -json > $D/load-$c-${u##*:}.json & LP="$LP $!"; done; wait $LP
    cat $D/load-$c-*.json
  fi
  PP2="$(pgpids)"; s1=$(cpu $(cat $D/pids)); p1=$(cpu $PP2); pn=$(cpu $(comm -13 <(echo "$PP"|sort) <(echo "$PP2"|sort)))
  [ -n "$SP" ] && wait $SP
  echo "   cpu ticks(1/100 s): desk=$((s1-s0)) pg-backends=$((p1-p0+0))(+new $pn)  load after=$(cut -d' ' -f1-3 /proc/loadavg)"
done
for p in $(cat $D/pids); do kill $p; done
wait 2>/dev/null
