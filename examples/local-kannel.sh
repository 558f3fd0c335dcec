#!/usr/bin/env bash
# Starts a local Kannel (bearerbox, smsbox, fakesmsc) and a DLR receiver on loopback, to
# try sms-kannel without a phone. Needs: apt-get install -y kannel kannel-extras python3
#
#   examples/local-kannel.sh start      # sendsms on http://127.0.0.1:13013, DLRs to :18080
#   examples/local-kannel.sh messages   # what the fake SMSC received (waits up to 5 s)
#   examples/local-kannel.sh dlrs [SEQ] # the delivery reports Kannel called back with; with
#                                       # SEQ, that PIN's, waiting up to 15 s for its final one
#   examples/local-kannel.sh stop
#
# `messages` and `dlrs` print only data on stdout; with nothing to show they say so on
# stderr and exit 75 (try again in a moment), so `dlrs | sms-kannel feedback` fails loudly.
#
# Environment: SMS_KANNEL_LAB (folder, default /tmp/sms-kannel-lab), and the ports
# SMS_KANNEL_LAB_ADMIN_PORT (13000), SMS_KANNEL_LAB_SMSBOX_PORT (13001),
# SMS_KANNEL_LAB_SENDSMS_PORT (13013), SMS_KANNEL_LAB_SMSC_PORT (10000) and
# SMS_KANNEL_LAB_RECEIVER_PORT (18080; "none" starts no receiver, for `sms-kannel serve`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=${SMS_KANNEL_LAB:-/tmp/sms-kannel-lab}
admin_port=${SMS_KANNEL_LAB_ADMIN_PORT:-13000}
smsbox_port=${SMS_KANNEL_LAB_SMSBOX_PORT:-13001}
sendsms_port=${SMS_KANNEL_LAB_SENDSMS_PORT:-13013}
smsc_port=${SMS_KANNEL_LAB_SMSC_PORT:-10000}
receiver_port=${SMS_KANNEL_LAB_RECEIVER_PORT:-18080}
EX_TEMPFAIL=75

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
  # The ports are set by key, so the example file stays a plain kannel.conf.
  sed -e "s|@LAB@|$lab|g" \
      -e "s|^admin-port = .*|admin-port = $admin_port|" \
      -e "s|^smsbox-port = .*|smsbox-port = $smsbox_port|" \
      -e "s|^bearerbox-port = .*|bearerbox-port = $smsbox_port|" \
      -e "s|^sendsms-port = .*|sendsms-port = $sendsms_port|" \
      -e "s|^port = .*|port = $smsc_port|" \
      "$here/kannel.conf" > "$lab/kannel.conf"
  if [ "$receiver_port" != none ]; then
    # A DLR receiver that answers 200 and writes each callback's path and query to dlr.log.
    nohup python3 -c '
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        with open(sys.argv[1], "a") as log: log.write(self.path + "\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Receiver).serve_forever()
' "$lab/dlr.log" "$receiver_port" > "$lab/receiver.out" 2>&1 & echo $! > "$lab/receiver.pid"
  fi
  nohup /usr/sbin/bearerbox "$lab/kannel.conf" > "$lab/bearerbox.out" 2>&1 & echo $! > "$lab/bearerbox.pid"
  wait_for_port "$smsbox_port"
  # smsbox must start after bearerbox listens, or it exits with a PANIC.
  nohup /usr/sbin/smsbox "$lab/kannel.conf" > "$lab/smsbox.out" 2>&1 & echo $! > "$lab/smsbox.pid"
  wait_for_port "$sendsms_port"
  # fakesmsc needs an open stdin; `sleep` holds a pipe open for it.
  nohup bash -c "sleep infinity | /usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r $smsc_port" > "$lab/fakesmsc.out" 2>&1 & echo $! > "$lab/fakesmsc.pid"
  for _ in $(seq 1 100); do grep -q 'Fakesmsc client connected' "$lab/bearerbox.log" 2>/dev/null && break; sleep 0.1; done
  local receiver="DLR receiver http://127.0.0.1:$receiver_port"
  [ "$receiver_port" = none ] && receiver="no DLR receiver"
  echo "Kannel is up: sendsms http://127.0.0.1:$sendsms_port/cgi-bin/sendsms (user visulox), $receiver"
}

# The direct children of a process, from /proc (procps may not be installed).
children_of() {
  local stat pid ppid
  for stat in /proc/[0-9]*/stat; do
    read -r pid _ _ ppid _ < "$stat" 2>/dev/null || continue
    [ "$ppid" = "$1" ] && echo "$pid"
  done
  return 0
}

# Stops each process it started (by its pid, and the children of the fakesmsc pipe), and
# waits until each is gone, so no port stays taken.
stop() {
  local pids=()
  for name in fakesmsc smsbox bearerbox receiver; do
    if [ -f "$lab/$name.pid" ]; then
      local pid
      pid=$(cat "$lab/$name.pid")
      for child in $(children_of "$pid"); do pids+=("$child"); done
      pids+=("$pid")
      rm -f "$lab/$name.pid"
    fi
  done
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  echo "stopped"
}

# fakesmsc writes what it got a moment after Kannel accepted it: wait up to 5 s for a first.
messages() {
  for _ in $(seq 1 50); do
    grep -o 'Got message [0-9]*: <.*' "$lab/fakesmsc.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no messages after 5 s in $lab/fakesmsc.out" >&2
  return $EX_TEMPFAIL
}

# With a sequence: its reports once a final one (delivered 1, failed 2, rejected 16) is in.
dlrs() {
  local seq=${1:-}
  if [ -z "$seq" ]; then
    [ -s "$lab/dlr.log" ] && cat "$lab/dlr.log" && return 0
    echo "no DLRs yet in $lab/dlr.log" >&2
    return $EX_TEMPFAIL
  fi
  for _ in $(seq 1 150); do
    if grep -E "[?&]seq=$seq&" "$lab/dlr.log" 2>/dev/null | grep -qE '[?&]dlr=(1|2|16)&'; then
      grep -E "[?&]seq=$seq&" "$lab/dlr.log"
      return 0
    fi
    sleep 0.1
  done
  echo "no final DLR for sequence $seq after 15 s in $lab/dlr.log" >&2
  return $EX_TEMPFAIL
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  messages) messages ;;
  dlrs) dlrs "${2:-}" ;;
  *) echo "usage: $0 start|stop|messages|dlrs [SEQ]" >&2; exit 64 ;;
esac
