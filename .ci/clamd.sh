#!/usr/bin/env bash
# Start a ClamAV clamd for the tests of uploads (issue 11, Q26) with a LOCAL
# signature database: one .ndb line holding the EICAR test string's hex
# (Name:TargetType:Offset:HexSignature). No freshclam, no network. Installs
# Debian's clamav-daemon when clamd is missing. Prints the address to export
# as TENDERDESK_TEST_CLAMD (unix:/path/to/socket).
# Production gets the real databases with freshclam: docs/uploads.md.
set -euo pipefail
dir="${CLAMD_DIR:-/tmp/tenderdesk-clamd}"
sock="$dir/clamd.sock"
if [ ! -x /usr/sbin/clamd ]; then
  echo "installing clamav-daemon (Debian package)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq clamav-daemon >/dev/null
fi
mkdir -p "$dir/db"
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf 'Tenderdesk.Test.EICAR:0:*:%s\n' "$(printf '%s' "$eicar" | od -An -tx1 | tr -d ' \n')" >"$dir/db/tenderdesk-test.ndb"
cat >"$dir/clamd.conf" <<CONF
LocalSocket $sock
FixStaleSocket yes
DatabaseDirectory $dir/db
PidFile $dir/clamd.pid
LogFile $dir/clamd.log
Foreground no
StreamMaxLength 200M
MaxFileSize 200M
MaxScanSize 400M
CONF
ping() { [ -S "$sock" ] && printf 'zPING\0' | timeout 2 socat - "UNIX-CONNECT:$sock" 2>/dev/null | tr -d '\0' | grep -q PONG; }
ping_py() { [ -S "$sock" ] && python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect('$sock'); s.sendall(b'zPING\0'); sys.exit(0 if s.recv(16).startswith(b'PONG') else 1)" 2>/dev/null; }
alive() { if command -v socat >/dev/null; then ping; else ping_py; fi; }
if ! alive; then
  if [ -f "$dir/clamd.pid" ] && kill -0 "$(cat "$dir/clamd.pid")" 2>/dev/null; then
    kill "$(cat "$dir/clamd.pid")" || true
    sleep 1
  fi
  /usr/sbin/clamd -c "$dir/clamd.conf" >&2
  for _ in $(seq 1 60); do alive && break; sleep 0.5; done
  alive || { echo "FATAL: clamd did not answer on $sock; log:" >&2; tail -n 20 "$dir/clamd.log" >&2; exit 1; }
fi
echo "unix:$sock"
