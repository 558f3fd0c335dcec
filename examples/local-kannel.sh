#!/usr/bin/env bash
# Starts a local Kannel (bearerbox, smsbox, fakesmsc) and a DLR receiver on loopback, to
# try sms-kannel without a phone. Needs: apt-get install -y kannel kannel-extras python3
#
#   examples/local-kannel.sh start      # sendsms on http://127.0.0.1:13013, DLRs to :18080
#   examples/local-kannel.sh messages   # what the fake SMSC received
#   examples/local-kannel.sh dlrs       # the delivery reports Kannel called back with
#   examples/local-kannel.sh stop
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=${SMS_KANNEL_LAB:-/tmp/sms-kannel-lab}

wait_for_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1; see $lab/*.log" >&2
  return 1
}

start() {
  mkdir -p "$lab"
  sed "s|@LAB@|$lab|g" "$here/kannel.conf" > "$lab/kannel.conf"
  # A DLR receiver that answers 200 and writes each callback's path and query to dlr.log.
  nohup python3 -c '
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        with open(sys.argv[1], "a") as log: log.write(self.path + "\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", 18080), Receiver).serve_forever()
' "$lab/dlr.log" > "$lab/receiver.out" 2>&1 & echo $! > "$lab/receiver.pid"
  nohup /usr/sbin/bearerbox "$lab/kannel.conf" > "$lab/bearerbox.out" 2>&1 & echo $! > "$lab/bearerbox.pid"
  wait_for_port 13001
  # smsbox must start after bearerbox listens, or it exits with a PANIC.
  nohup /usr/sbin/smsbox "$lab/kannel.conf" > "$lab/smsbox.out" 2>&1 & echo $! > "$lab/smsbox.pid"
  wait_for_port 13013
  # fakesmsc needs an open stdin; `sleep` holds a pipe open for it.
  nohup bash -c "sleep infinity | /usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r 10000" > "$lab/fakesmsc.out" 2>&1 & echo $! > "$lab/fakesmsc.pid"
  for _ in $(seq 1 100); do grep -q 'Fakesmsc client connected' "$lab/bearerbox.log" 2>/dev/null && break; sleep 0.1; done
  echo "Kannel is up: sendsms http://127.0.0.1:13013/cgi-bin/sendsms (user visulox), DLR receiver http://127.0.0.1:18080"
}

stop() {
  for name in fakesmsc smsbox bearerbox receiver; do
    if [ -f "$lab/$name.pid" ]; then
      pkill -P "$(cat "$lab/$name.pid")" 2>/dev/null || true
      kill "$(cat "$lab/$name.pid")" 2>/dev/null || true
      rm -f "$lab/$name.pid"
    fi
  done
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  messages) grep -o 'Got message [0-9]*: <.*' "$lab/fakesmsc.out" || echo "no messages yet" ;;
  dlrs) cat "$lab/dlr.log" 2>/dev/null || echo "no DLRs yet" ;;
  *) echo "usage: $0 start|stop|messages|dlrs" >&2; exit 64 ;;
esac
