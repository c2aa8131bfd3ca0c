#!/bin/bash
# CPU ticks of an idle desk over 10 s
D=/tmp/pgreg/run-idle; rm -rf $D; mkdir -p $D
TENDERDESK_ADMIN_PASSWORD=bench-Pass-12345 /tmp/pgreg/td-new serve --addr 127.0.0.1:18199 --db $D/data --log-level error --clamd off >$D/log 2>&1 &
P=$!; sleep 4; a=$(awk '{print $14+$15}' /proc/$P/stat); sleep 10; b=$(awk '{print $14+$15}' /proc/$P/stat); kill $P; wait $P 2>/dev/null; echo "$((b-a)) ticks in 10 s"
