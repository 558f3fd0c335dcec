/** The prose after each command's options in --help; the options themselves are in cli.ts. */
import { EXIT_CODE_TABLE } from './core/errors.js'

export const EXIT_HELP = ['', 'Exit codes:', ...EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${String(code).padStart(2)}  ${meaning}`)].join('\n')

export const SEND_HELP = `
With no subcommand, sms-kannel sends: that is how the VISULOX PIN wrapper calls it.
The number comes from VLXSMS (or --to), the text from VLXPIN_TEXT (or --text); when
VLXPIN_TEXT is empty, smskannel.template is filled from VLXPIN, VLXPIN_SEQUENCE,
VLXPIN_EXPIRATIONTIME and friends. The password comes from SMSKANNEL_PASSWORD, a .env
or config file, or --password-file: never from a flag.

Settings, lowest to highest precedence: defaults < config file < .env < environment
(SMSKANNEL_GWURL, REGEXP_SMS, ...) < flags. See them with: sms-kannel config

Examples:
  sms-kannel config --check                     # is the gateway a Kannel, are the credentials right?
  SMS_PROVIDER=sms4de sms-kannel config --check # SMS4.de: credentials and balance (SMS4DE_* settings)
  sms-kannel send --to '+49 170 1234567' --text 'Test from sms-kannel'
  sms-kannel send --to +491701234567 --text 'PIN 1234' --dry-run
  VLXSMS=+491701234567 VLXPIN_TEXT='PIN: 1234' sms-kannel   # what the wrapper does
${EXIT_HELP}`

export const FEEDBACK_HELP = `
Each QUERY argument, or each line of stdin when there are none, becomes one event record:
a JSON object on one line of stdout. A line may be a bare query string, a URL, an
Apache/nginx access-log line (requests to other paths are skipped), or a bearerbox
access-log "Receive DLR" line.

With --replay the arguments are files (plain or .gz) for cron: each run continues where
the last one stopped, survives log rotation and truncation, never stores a report twice,
skips a file that is not there yet (access.log.1 before the first rotation) with a note,
and ends with a summary (--json: one object with lines, new, duplicates, bad).

With smskannel.secret set, a report whose token is missing or wrong is refused here as
serve refuses it (exit 65 at the end); --accept-unsigned stores such history from before
the secret. Access-log requests answered with a non-2xx status are skipped and counted.

Examples:
  sms-kannel feedback 'seq=4711&msgid=6f1c...&dlr=1&reply=&smscmsgid=...'
  sms-kannel feedback --store /var/lib/sms-kannel/events.db < saved-dlrs.txt
  sms-kannel feedback --replay /var/log/apache2/access.log /var/log/apache2/access.log.1.gz --json
  sms-kannel feedback --replay access.log --forward http://vlx:8080/smsKannelfeedback
  sms-kannel feedback --param dlr=d,reply=A 'd=1&A=ACK%2F'    # another dlr-url template
  sms-kannel feedback --poll --since 24 --store events.db     # SMS4.de: ask about recent sends
${EXIT_HELP}`

export const SERVE_HELP = `
Listens on 127.0.0.1 and the port written in smskannel.feedbackurl unless --listen says
otherwise (a feedback URL without a port, a reverse proxy's, needs --listen), and answers
Kannel's callbacks at that URL's path (default /smsKannelfeedback):
  200  stored (or stored before: Kannel repeats callbacks)
  400  not a delivery report          403  token missing or wrong (with smskannel.secret)
  503  the store cannot take it; Kannel retries if http-request-retry is set
GET /healthz: 200, or 503 while callbacks would get 503; GET /metrics in the Prometheus
text format. SIGTERM, SIGINT or SIGHUP: finish what is in flight, stop (forwarding is
aborted; its reports stay pending).
With --durability full (the default) each callback's journal line (<store>.journal.*, or
--journal PATH) is fsynced before its 200; what a crash leaves there is stored at the next
start. With a postgres:// store the journal is $STATE_DIRECTORY/serve.journal by default,
and while the database is down callbacks are answered 200 from the journal alone and
stored when it is back.

With smskannel.secret set, send adds a token (HMAC-SHA256 over message id and sequence)
to the dlr-url and serve refuses callbacks without it. Without a secret serve warns.

Examples:
  sms-kannel serve --store /var/lib/sms-kannel/events.db
  sms-kannel serve --listen 127.0.0.1:8080 --forward http://vlx:8081/smsKannelfeedback
${EXIT_HELP}`

export const REPORT_HELP = `
Reads the store (smskannel.store) that send, feedback and serve write. Each PIN counts in
the interval its send (or, without a send record, its first report) falls in, with what
its reports say by now. rate = delivered / (delivered + failed); pending = no final report.
Latency runs from the send to the delivered report: p50, p90, p99.

Examples:
  sms-kannel report                                   # the last 24 hours, by hour
  sms-kannel report --since 7d --html /var/www/pins.html
  sms-kannel report --since 2026-11-01 --until 2026-12-01 --by day --csv > november.csv
${EXIT_HELP}`

export const CHECK_HELP = `
A plugin for Nagios, Icinga, Naemon or Sensu: one status line on stdout, performance data
after "|". Its exit codes follow the plugin convention, not the sysexits codes of the
other sms-kannel commands:
  0  OK        within the thresholds, or no PINs in the window (nobody logged in)
  1  WARNING   a --warn-* threshold crossed
  2  CRITICAL  a --crit-rate, --crit-latency or --max-pending threshold crossed
  3  UNKNOWN   could not check: bad flags, configuration or store (missing, unreadable)

Example:
  sms-kannel check --window 15m --warn-rate 95 --crit-rate 80 --warn-latency 30s --max-pending 5
`

export const STORE_HELP = `
migrate creates the store smskannel.store names, or upgrades its schema; every command
sms-kannel does that on first use too, exactly once even when several nodes start at once.
copy moves history between stores (an SQLite file and a PostgreSQL database, either way):
every send, report, replay checkpoint and reject the target lacks, by key; run it again
and it adds nothing. The password of a postgres:// URL comes from PGPASSWORD or ~/.pgpass
here: never put it on the command line.

Examples:
  sms-kannel store migrate --store postgres://sms@db.example/sms
  PGPASSWORD=... sms-kannel store copy /var/lib/sms-kannel/events.db postgres://sms@db.example/sms
${EXIT_HELP}`
