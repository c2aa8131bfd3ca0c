#!/bin/bash
# one round: peer, base (main db154b1), new (pgcpu), base, new again, peer
cd /tmp/pgcpu
PGBASE='postgres://postgres:postgres@127.0.0.1:5432/tenderdesk_pgcpu?sslmode=disable'
peer() { PGOPTIONS="-c client_min_messages=warning" psql "$PGBASE" -qc "DROP SCHEMA IF EXISTS b_ceil CASCADE; CREATE SCHEMA b_ceil"
  for c in 1 16 64; do echo "== peer raw INSERT clients=$c load=$(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)"; ./tdload -ceiling -db "$PGBASE&search_path=b_ceil" -c $c -d 10s; done; }
date -u
peer
./run.sh /tmp/pgcpu/td-base base 1 16 64
./run.sh /tmp/pgcpu/td-new new 1 16 64
./run.sh /tmp/pgcpu/td-base base2 64
./run.sh /tmp/pgcpu/td-new new2 64
peer
date -u
