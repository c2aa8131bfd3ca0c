#!/bin/bash
PGBASE='postgres://postgres:postgres@127.0.0.1:5432/tenderdesk_pgreg?sslmode=disable'
date -u
echo "idle desk: $(./idle.sh)"
PGOPTIONS="-c client_min_messages=warning" psql "$PGBASE" -qc "DROP SCHEMA IF EXISTS b_ceil CASCADE; CREATE SCHEMA b_ceil"
for c in 1 16 64; do echo "== ceiling pg clients=$c load=$(cut -d' ' -f1-3 /proc/loadavg)"; ./tdload -ceiling -db "$PGBASE&search_path=b_ceil" -c $c -d 10s; done
./bench.sh /tmp/pgreg/td-old pg old 1 16 64
./bench.sh /tmp/pgreg/td-new pg new 1 16 64
./bench.sh /tmp/pgreg/td-new sqlite sqnew 64
./bench.sh /tmp/pgreg/td-old sqlite sqold 64
INSTANCES=3 ./bench.sh /tmp/pgreg/td-old pg old3 63
INSTANCES=3 ./bench.sh /tmp/pgreg/td-new pg new3 63
for c in 1 16 64; do echo "== ceiling pg clients=$c load=$(cut -d' ' -f1-3 /proc/loadavg)"; ./tdload -ceiling -db "$PGBASE&search_path=b_ceil" -c $c -d 10s; done
date -u
