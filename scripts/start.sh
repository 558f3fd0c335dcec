#!/usr/bin/env bash
# npm start: the main job end to end, on embedded defaults. Starts the local Kannel lab
# (examples/local-kannel.sh) on free loopback ports, receives its delivery reports with
# `sms-kannel serve` into an SQLite store, sends one PIN as VISULOX would, and prints the
# PIN's `status` timeline. Everything it started is stopped when it ends, however it ends
# (SIGINT and SIGTERM included); its scratch folder is removed unless the run failed.
# Exit codes: 0 delivered, 69 no Kannel, 70 the lab or serve did not start, 75 no delivery
# report in 30 s, the send's own code when it failed; 130/143 when interrupted.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cli=("$(command -v node)" "$repo/bin/sms-kannel.cjs")
EX_UNAVAILABLE=69
EX_SOFTWARE=70
EX_TEMPFAIL=75

say() { echo "npm start: $*" >&2; }

kannel_missing() {
  [ -x /usr/sbin/bearerbox ] && [ -x /usr/sbin/smsbox ] && [ -x /usr/lib/kannel/test/fakesmsc ] && return 1
  return 0
}

if kannel_missing; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Kannel is not installed; installing it from Debian (apt-get install -y kannel kannel-extras)"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kannel kannel-extras >&2; } ||
      { say "could not install Kannel"; exit $EX_UNAVAILABLE; }
  else
    say "Kannel is not installed. As root, run: apt-get install -y kannel kannel-extras"
    say "(bearerbox and smsbox come with kannel, the fake SMSC with kannel-extras)"
    exit $EX_UNAVAILABLE
  fi
fi
[ -f "$repo/dist/cli.cjs" ] || node "$repo/scripts/build.js" || { say "the build failed"; exit $EX_SOFTWARE; }

lab=$(mktemp -d "${TMPDIR:-/tmp}/sms-kannel-start.XXXXXX") || { say "cannot make its scratch folder"; exit $EX_SOFTWARE; }
lab=$(cd "$lab" && pwd)
# The demo's settings only: sms-kannel runs in the fresh lab folder (no caller's ./.env) and
# with none of the caller's variables (SMSKANNEL_*, SMS_PROVIDER, SMSHTTP_*, VLX*, proxies...).
cd "$lab"
kept=" PATH HOME TMPDIR TZ LANG LC_ALL LC_CTYPE LC_MESSAGES LC_TIME TERM NO_COLOR "
# In a subshell: every exported variable but those goes, and the demo's config comes in.
own_env() {
  local name
  for name in $(compgen -e); do
    case $kept in *" $name "*) ;; *) unset "$name" 2>/dev/null || true ;; esac
  done
  export SMSKANNEL_CONFIG=$lab/sms-kannel.conf
}
read -r admin_port smsbox_port sendsms_port smsc_port serve_port < <(node -e '
const net = require("node:net")
const servers = []
const next = () => {
  if (servers.length === 5) {
    console.log(servers.map((server) => server.address().port).join(" "))
    for (const server of servers) server.close()
    return
  }
  const server = net.createServer().listen(0, "127.0.0.1", () => { servers.push(server); next() })
}
next()')
export SMS_KANNEL_LAB=$lab SMS_KANNEL_LAB_ADMIN_PORT=$admin_port SMS_KANNEL_LAB_SMSBOX_PORT=$smsbox_port \
  SMS_KANNEL_LAB_SENDSMS_PORT=$sendsms_port SMS_KANNEL_LAB_SMSC_PORT=$smsc_port SMS_KANNEL_LAB_RECEIVER_PORT=none

serve_pid=
cleanup() {
  local status=$?
  # A second Ctrl-C must not cut the cleanup short and leave Kannel running.
  trap - EXIT
  trap '' INT TERM
  if [ -n "$serve_pid" ]; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  "$repo/examples/local-kannel.sh" stop >/dev/null 2>&1 || true
  cd /
  # A failure keeps the logs to look at; success and interruption leave nothing.
  case $status in
    0 | 130 | 143) rm -rf "$lab" ;;
    *) say "logs kept in $lab" ;;
  esac
  say "stopped everything it started"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
say "lab $lab; ports: admin $admin_port, smsbox $smsbox_port, sendsms $sendsms_port, smsc $smsc_port, serve $serve_port"

"$repo/examples/local-kannel.sh" start >&2 || { say "the Kannel lab did not start"; exit $EX_SOFTWARE; }

# The embedded defaults: the lab's account, serve as the feedback URL, a store and a secret.
umask 077
cat > "$lab/sms-kannel.conf" <<EOF
smskannel.gwurl = http://127.0.0.1:$sendsms_port
smskannel.user = visulox
smskannel.password = change-me
smskannel.sender = VISULOX
smskannel.feedbackurl = http://127.0.0.1:$serve_port/smsKannelfeedback
smskannel.store = $lab/events.db
smskannel.secret = $(node -e 'console.log(require("node:crypto").randomBytes(16).toString("hex"))')
EOF

(own_env; exec "${cli[@]}" serve) 2> "$lab/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on' "$lab/serve.log" && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$lab/serve.log" >&2; say "serve did not start"; exit $EX_SOFTWARE; }
  sleep 0.1
done
say "serve: $(grep '^listening on' "$lab/serve.log")"

sequence=1
pin=$(node -e 'console.log(String(require("node:crypto").randomInt(1e6)).padStart(6, "0"))')
# The PIN goes in the environment, as VISULOX passes it, never in a process's arguments.
(own_env; export VLXSMS='+49 170 1234567' VLXPIN=$pin VLXPIN_SEQUENCE=$sequence VLXPIN_EXPIRATIONTIME=$(( $(date +%s) + 300 )); exec "${cli[@]}" --verbose)
say "PIN sent (sequence $sequence); waiting for its delivery reports"

for _ in $(seq 1 150); do
  if (own_env; exec "${cli[@]}" status "$sequence" --json) 2>/dev/null | grep -q '"result":"delivered"'; then
    (own_env; exec "${cli[@]}" status "$sequence")
    exit 0
  fi
  sleep 0.2
done
(own_env; exec "${cli[@]}" status "$sequence") || true
say "no delivery report within 30 s"
exit $EX_TEMPFAIL
