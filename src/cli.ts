import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { CONFIG_KEYS, PROVIDER_NAMES, mergeConfigSources, type ConfigKey, type SourceValues } from './core/config.js'
import { parseDurationMs } from './core/duration.js'
import { EXIT, OutputClosedError, SmsKannelError, type ExitCode } from './core/errors.js'
import { isPostgresUrl, storeUrlPasswords } from './core/store-location.js'
import { createReporter, type Reporter } from './shell/output.js'
import { argumentLines, createProgressLine, emptyLines, stdinLines } from './shell/input-lines.js'
import { CHECK_HELP, EXIT_HELP, FEEDBACK_HELP, REPORT_HELP, SEND_HELP, SERVE_HELP, STORE_HELP } from './help-text.js'

declare const SMS_KANNEL_VERSION: string | undefined
const VERSION = typeof SMS_KANNEL_VERSION === 'string' ? SMS_KANNEL_VERSION : '0.0.0-dev'

interface ConfigFlag {
  flags: string
  key: ConfigKey
  parse?: (value: string) => string
  choices?: string[]
}

/** Flags that set configuration keys; the password deliberately has none (argv is public). */
const CONFIG_FLAGS: readonly ConfigFlag[] = [
  { flags: '--gwurl <url>', key: 'smskannel.gwurl' },
  { flags: '--postquery <path>', key: 'smskannel.postquery' },
  { flags: '--user <name>', key: 'smskannel.user' },
  { flags: '--password-file <file>', key: 'smskannel.passwordfile' },
  { flags: '--sender <from>', key: 'smskannel.sender' },
  { flags: '--feedbackurl <url>', key: 'smskannel.feedbackurl' },
  { flags: '--timeout <duration>', key: 'smskannel.timeout', parse: parseTimeoutFlag },
  { flags: '--method <method>', key: 'smskannel.method', choices: ['post', 'get'] },
  { flags: '--dlr-mask <mask>', key: 'smskannel.dlrmask' },
  { flags: '--max-parts <n>', key: 'smskannel.maxparts' },
  { flags: '--country <code>', key: 'smskannel.country' },
  { flags: '--template <text>', key: 'smskannel.template' },
  { flags: '--store <file>', key: 'smskannel.store' },
  { flags: '--listen <host:port>', key: 'smskannel.listen' },
  { flags: '--ca <file>', key: 'smskannel.ca' },
  { flags: '--insecure', key: 'smskannel.insecure' },
  { flags: '--proxy <url>', key: 'smskannel.proxy' },
  { flags: '--retry-unsafe', key: 'smskannel.retryunsafe' },
  { flags: '--durability <level>', key: 'smskannel.durability', choices: ['full', 'normal'] },
  { flags: '--journal <path>', key: 'smskannel.journal' },
  { flags: '--provider <name>', key: 'sms.provider', choices: [...PROVIDER_NAMES] },
]
const SEND_KEYS = CONFIG_FLAGS.map((flag) => flag.key).filter((key) => key !== 'smskannel.listen' && key !== 'smskannel.durability' && key !== 'smskannel.journal')
const STORE_KEYS: ConfigKey[] = ['smskannel.store', 'smskannel.feedbackurl', 'smskannel.timeout']

/**
 * What an option does in one command, where that differs from its general description;
 * `json: false` leaves --json out where it would do nothing. test/docs.test.ts keeps the
 * README's option tables in step with every command's --help.
 */
type OptionHelp = { [key in ConfigKey]?: string } & { json?: string | false; verbose?: string }

const FORWARD_TIMEOUT_HELP = 'with --forward: how long each forwarded report may take: 500ms, 10s, 10'

function parseTimeoutFlag(value: string): string {
  if (parseDurationMs(value) === undefined) throw new InvalidArgumentError('expected a duration such as 500ms, 10s or 10 (seconds).')
  return value
}

/** A month back is as far as a poll makes sense; the store keeps sends longer. */
const MAX_POLL_HOURS = 24 * 31

function parseHoursFlag(value: string): number {
  const hours = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!(hours > 0 && hours <= MAX_POLL_HOURS)) throw new InvalidArgumentError(`expected a number of hours up to ${MAX_POLL_HOURS}, such as 48.`)
  return hours
}

function parseUrlFlag(value: string): URL {
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url
  } catch {
    // Falls through to the message below.
  }
  throw new InvalidArgumentError('expected an http:// or https:// URL.')
}

interface CommonOptions {
  config?: string
  envFile?: string
  json?: boolean
  verbose?: boolean
  [flag: string]: unknown
}

function addConfigOptions(command: Command, keys: readonly ConfigKey[], help: OptionHelp = {}): Command {
  command
    .option('-c, --config <file>', 'config file: key = value lines, or the `visulox config -name sms` table (default: $SMSKANNEL_CONFIG, then /etc/sms-kannel/sms-kannel.conf if present)')
    .option('--env-file <file>', '.env file with SMSKANNEL_* variables (default: ./.env if present)')
  for (const flag of CONFIG_FLAGS.filter((candidate) => keys.includes(candidate.key))) {
    const option = new Option(flag.flags, `${help[flag.key] ?? CONFIG_KEYS[flag.key].describe} [${flag.key}]`)
    if (flag.parse) option.argParser(flag.parse)
    if (flag.choices) option.choices(flag.choices)
    command.addOption(option)
  }
  if (help.json !== false) command.option('--json', help.json ?? 'print results as JSON on stdout')
  return command.option('-v, --verbose', help.verbose ?? 'explain each step on stderr (secrets stay hidden)')
}

function flagValues(options: CommonOptions): SourceValues {
  const values: SourceValues = {}
  for (const flag of CONFIG_FLAGS) {
    const value = options[new Option(flag.flags).attributeName()]
    // A bare switch (--insecure) sets its key to true.
    if (typeof value === 'string' || value === true) values[flag.key] = { value: String(value), where: `flag ${flag.flags.split(' ')[0]}` }
  }
  return values
}

async function gatherSources(options: CommonOptions, report: Reporter) {
  const { gatherConfigSources } = await import('./shell/config-sources.js')
  const gathered = await gatherConfigSources({ configPath: options.config, envFilePath: options.envFile, env: process.env, flags: flagValues(options), cwd: process.cwd() })
  for (const warning of gathered.warnings) report.warn(warning)
  report.addSecrets(...storeUrlPasswords(mergeConfigSources(gathered.sources)['smskannel.store']?.value.trim()))
  return gathered
}

/** Tests fix the clock through this variable; nothing else reads it. */
/**
 * A replay allocates a lot of short-lived garbage for minutes. V8 doubles its young
 * generation whenever enough has survived since the last growth, so memory rose with the
 * length of the run: 4M lines peaked at 100 MB, against 74 MB with growth off (same speed,
 * 62.5 s against 64.1 s). The flag is read each time V8 would grow; if a later V8 ignored
 * it, only memory would change.
 */
async function keepYoungGenerationSmall(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8')
  setFlagsFromString('--semi-space-growth-factor=1')
}

/** The host's zone, TZ respected: what people read (status, the SMS text) is local time. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

function wallClock(): Date {
  const fixed = process.env['SMS_KANNEL_TEST_NOW']
  return fixed ? new Date(fixed) : new Date()
}

function buildProgram(report: Reporter): Command {
  const program = new Command('sms-kannel')
    .description('Send MFA PIN text messages through a Kannel SMS gateway (drop-in for VISULOX SMSviaKannel.tcl), and turn its delivery reports into events.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nRun "sms-kannel <command> --help" for a command's options.\n${EXIT_HELP}`)

  const sendCommand = addConfigOptions(
    new Command('send')
      .description('send one SMS (the default command)')
      .option('--to <number>', 'recipient number (default: $VLXSMS)')
      .option('--text <text>', 'message text (default: $VLXPIN_TEXT, else smskannel.template)')
      .option('--dry-run', 'check everything and print the request instead of sending it'),
    SEND_KEYS,
    {
      'smskannel.store': 'record this send in the event store (SQLite file or postgres:// URL), for status',
      json: 'print the result as one JSON object on stdout: outcome, message id, gateway, tries, warnings',
      verbose: 'explain each step on stderr: number, text, request, reply (secrets stay hidden)',
    },
  )
    .addHelpText('after', SEND_HELP)
    .action(async (options: CommonOptions & { to?: string; text?: string; dryRun?: boolean }) => {
      const [{ send, summariseSend }, { httpClientFor }, { loadNumberParser }, { randomFillSync }, { uuidV7 }, gathered] = await Promise.all([
        import('./commands/send.js'),
        import('./shell/http.js'),
        import('./shell/phone-numbers.js'),
        import('node:crypto'),
        import('./core/message-id.js'),
        gatherSources(options, report),
      ])
      const result = await send(
        {
          sources: gathered.sources,
          env: process.env,
          to: options.to,
          text: options.text,
          dryRun: Boolean(options.dryRun),
          messageId: uuidV7(Date.now(), randomFillSync(new Uint8Array(10))),
          timeZone: localTimeZone,
        },
        {
          http: (config) => httpClientFor(config, process.env),
          report,
          loadNumberParser,
          now: () => performance.now(),
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          wallClock,
          recordSend: async (storePath, record) => {
            // The PIN matters more than its record: warn, never fail the send.
            const warning = isPostgresUrl(storePath)
              ? await (await import('./shell/pg-store.js')).recordSendInPostgres(storePath, record)
              : await (await import('./shell/send-spool.js')).recordSendOrSpool(storePath, record)
            if (warning) report.warn(warning)
          },
        },
      )
      result.durationMs = Math.round(result.durationMs)
      if (options.json) report.data(result)
      else if (result.request) report.text(JSON.stringify(result.request, null, 2))
      // Quiet for the wrapper (no terminal), one line for a person.
      if (report.isTerminal || report.isVerbose || result.outcome === 'dry-run') report.success(summariseSend(result))
      process.exitCode = EXIT.ok
    })

  const configCommand = addConfigOptions(
    new Command('config')
      .description('print the effective configuration and where each value comes from (password hidden)')
      .option('--check', 'also check that the gateway answers as the provider should (Kannel\'s smsbox, SMS4.de\'s balance query, http.check-url) and the credentials work (sends nothing)'),
    SEND_KEYS,
    {
      'smskannel.timeout': 'how long each gateway check may take: 500ms, 10s, 10',
      json: 'print the files read, the effective values and the checks as one JSON object on stdout',
      verbose: 'with --check: print each gateway\'s reply on stderr',
    },
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (options: CommonOptions & { check?: boolean }) => {
      const [{ showConfig, formatConfigTable }, { httpClientFor }, gathered] = await Promise.all([
        import('./commands/config.js'),
        import('./shell/http.js'),
        gatherSources(options, report),
      ])
      const result = await showConfig({ sources: gathered.sources, check: Boolean(options.check) }, { http: (config) => httpClientFor(config, process.env), report })
      const checks = result.checks.map((check) => (check.result === 'ok' ? { gateway: check.gateway, result: check.result, ...check.details, warnings: check.warnings } : { gateway: check.gateway, result: check.result, exitCode: check.error.exitCode, error: check.error.message }))
      if (options.json) report.data({ files: gathered.files, effective: result.effective, checks })
      else for (const line of formatConfigTable(result.effective)) report.text(line)
      for (const check of result.checks) {
        if (check.result === 'ok') {
          report.success(check.summary)
          for (const warning of check.warnings) report.warn(warning)
        } else report.error(`${check.gateway}: ${check.error.message}`, check.error.hint)
      }
      const failed = result.checks.find((check) => check.result === 'failed')
      process.exitCode = failed && failed.result === 'failed' ? failed.error.exitCode : EXIT.ok
    })

  const feedbackCommand = addConfigOptions(
    new Command('feedback')
      .description('turn Kannel delivery reports (query strings, URLs, access-log lines) into event records')
      .argument('[query...]', 'DLR query strings, URLs or log lines; with --replay, files (default: stdin lines)')
      .option('--replay', 'the arguments are files to replay into the store, resuming where the last run stopped')
      .option('--poll', 'ask SMS4.de about recent sends without a final report and store its answers (for cron)')
      .option('--since <hours>', 'with --poll: how far back to ask, in hours (default 48)', parseHoursFlag)
      .option('--forward <url>', 're-deliver each new report\'s query string by GET to this URL (retried next run until a 2xx)', parseUrlFlag)
      .option('--rejects <file>', 'with --replay: where bad lines go (default: <store>.rejects; ./sms-kannel.rejects for PostgreSQL)')
      .option('--accept-unsigned', 'with smskannel.secret: also store reports without a valid token (history from before the secret); logged and counted')
      .option('--param <name=queryname>', 'parameter name of another dlr-url template, e.g. dlr=d,reply=A (repeatable)', (value: string, previous: string[] = []) => [...previous, value]),
    STORE_KEYS,
    {
      'smskannel.store': 'event store the reports go into, an SQLite file or a postgres:// URL (needed by --replay, --poll and --forward)',
      'smskannel.feedbackurl': 'its path picks the access-log requests that are reports (default /smsKannelfeedback)',
      'smskannel.timeout': 'with --forward or --poll: how long each forwarded report or SMS4.de request may take: 500ms, 10s, 10',
      json: 'with --replay or --poll: print the run\'s summary as one JSON object on stdout (events are JSON lines anyway)',
      verbose: 'print the summary line on stderr even when it is not a terminal',
    },
  )
    .addHelpText('after', FEEDBACK_HELP)
    .action(async (queries: string[], options: CommonOptions & { replay?: boolean; poll?: boolean; since?: number; forward?: URL; rejects?: string; param?: string[]; acceptUnsigned?: boolean }) => {
      const [{ feedback, summariseFeedback, badLinesError, forwardFailedError, missingFiles }, { openEventStore }, gathered] = await Promise.all([
        import('./commands/feedback.js'),
        import('./shell/event-store.js'),
        gatherSources(options, report),
      ])
      if (options.since !== undefined && !options.poll) throw new CommanderError(EXIT.usage, 'sms-kannel.usage', 'error: --since goes with --poll')
      if (options.poll) {
        // Polled reports come from the provider itself: no token to check, no file of rejects.
        if (queries.length > 0 || options.replay || options.forward || options.rejects !== undefined || options.acceptUnsigned) {
          throw new CommanderError(EXIT.usage, 'sms-kannel.usage', 'error: --poll takes no QUERY, --replay, --forward, --rejects or --accept-unsigned')
        }
        const [{ pollDeliveryReports, summarisePoll, DEFAULT_POLL_HOURS }, { httpClientFor }] = await Promise.all([import('./commands/poll.js'), import('./shell/http.js')])
        const summary = await pollDeliveryReports(
          { sources: gathered.sources, sinceHours: options.since ?? DEFAULT_POLL_HOURS, now: wallClock() },
          { report, openStore: (location) => openEventStore(location), http: (config) => httpClientFor(config, process.env) },
        )
        if (options.json) report.data(summary)
        if (report.isTerminal || report.isVerbose) report.success(summarisePoll(summary))
        process.exitCode = EXIT.ok
        return
      }
      // Loaded only when used: one query on the command line needs neither (~6 ms a start).
      const replay = () => import('./shell/replay.js')
      if (options.replay && queries.length === 0) throw new CommanderError(EXIT.usage, 'sms-kannel.usage', 'error: --replay needs at least one FILE')
      if (options.replay) await keepYoungGenerationSmall()
      const progress = report.isTerminal && options.replay ? createProgressLine() : undefined
      const summary = await feedback(
        {
          sources: gathered.sources,
          paramOverrides: options.param ?? [],
          lines: options.replay ? emptyLines() : queries.length > 0 ? argumentLines(queries) : stdinLines(report),
          replayPaths: options.replay ? queries : [],
          forwardUrl: options.forward,
          rejectsPath: options.rejects,
          acceptUnsigned: options.acceptUnsigned === true,
          now: wallClock(),
        },
        {
          report,
          openStore: (location) => openEventStore(location),
          replay: async (replayOptions) => (await replay()).replayFiles(replayOptions),
          forward: async (store, target, timeoutMs) => (await import('./shell/forward.js')).forwardPending(store, target, timeoutMs),
          onProgress: progress?.update,
        },
      )
      progress?.done()
      // A write to a closed pipe fails as an event: let it arrive before deciding.
      await new Promise((resolve) => setImmediate(resolve))
      if (report.outputClosed) throw outputClosedError(summary)
      // Bad lines (fix the input) outrank failed forwards (retry later) for the exit code.
      const bad = badLinesError(summary)
      const unforwarded = forwardFailedError(summary)
      const failure = bad ?? unforwarded
      // One document per run: the summary carries the error instead of a second object.
      if (options.replay && options.json) report.data(failure ? { ...summary, error: failure.name, exitCode: failure.exitCode, message: failure.message } : summary)
      // With --json the summary is on stdout: cron then mails only warnings and errors.
      if ((options.replay && !options.json) || report.isTerminal || report.isVerbose) report.success(summariseFeedback(summary))
      // One missing file is a log not rotated yet; all of them missing is a wrong path.
      if (options.replay && missingFiles(summary).length === queries.length) report.warn(`none of the files to replay is there: ${queries.join(', ')}`)
      if (bad && unforwarded) report.error(unforwarded.message, unforwarded.hint)
      if (failure) throw failure
      process.exitCode = EXIT.ok
    })

  const statusCommand = addConfigOptions(
    new Command('status')
      .description('the timeline of one PIN: sent, accepted by the SMSC, delivered or failed')
      .argument('<sequence-or-message-id>', 'VLXPIN_SEQUENCE, or the message id send printed'),
    ['smskannel.store'],
    {
      'smskannel.store': 'the event store send, feedback and serve write: an SQLite file or a postgres:// URL',
      json: 'print the timelines as one JSON object on stdout, times in UTC (ISO 8601)',
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', `\nTimes are in the host's time zone (TZ), each with its UTC offset; --json keeps UTC.\n\nExample:\n  sms-kannel status 4711 --store /var/lib/sms-kannel/events.db\n${EXIT_HELP}`)
    .action(async (key: string, options: CommonOptions) => {
      const [{ status, formatTimeline }, { openEventStore }, gathered] = await Promise.all([import('./commands/status.js'), import('./shell/event-store.js'), gatherSources(options, report)])
      const result = await status({ sources: gathered.sources, key }, { openStore: (location) => openEventStore(location, { readOnly: true }) })
      if (options.json) report.data(result)
      else for (const timeline of result.timelines) for (const line of formatTimeline(timeline, localTimeZone())) report.text(line)
      process.exitCode = EXIT.ok
    })

  const serveCommand = addConfigOptions(
    new Command('serve')
      .description('receive Kannel\'s DLR callbacks at the feedback URL and store each before answering 200')
      .option('--forward <url>', 'also pass each new report on to this URL, without delaying the answer to Kannel', parseUrlFlag)
      .option('--param <name=queryname>', 'parameter name of another dlr-url template (repeatable)', (value: string, previous: string[] = []) => [...previous, value]),
    [...STORE_KEYS, 'smskannel.listen', 'smskannel.durability', 'smskannel.journal'],
    {
      'smskannel.store': 'event store each callback is committed to before its 200: an SQLite file or a postgres:// URL',
      'smskannel.feedbackurl': 'its path is where callbacks are answered; its port is where serve listens without --listen',
      'smskannel.timeout': FORWARD_TIMEOUT_HELP,
      json: false,
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', SERVE_HELP)
    .action(async (options: CommonOptions & { forward?: URL; param?: string[] }) => {
      const [{ serve }, { openServeStore }, { createCallbackServer }, { forwardPending }, journal, gathered] = await Promise.all([
        import('./commands/serve.js'),
        import('./shell/serve-store.js'),
        import('./shell/callback-server.js'),
        import('./shell/forward.js'),
        import('./shell/callback-journal.js'),
        gatherSources(options, report),
      ])
      const stopRequested = new Promise<string>((resolve) => {
        // SIGHUP: the terminal serve was started from went away; its logs go to stderr, so
        // there is nothing to reopen: stop as cleanly as on SIGTERM.
        for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => resolve(signal))
      })
      await serve(
        { sources: gathered.sources, paramOverrides: options.param ?? [], forwardUrl: options.forward },
        {
          report,
          openStore: openServeStore,
          journal: {
            defaultPath: () => journal.prepareDefaultJournal(process.env),
            read: (path) => journal.readJournal(path, wallClock),
            readSegment: (path, segment) => journal.readSegment(path, segment, wallClock),
            discard: journal.discardJournal,
            discardSegment: journal.discardSegment,
            segments: journal.segmentNumbers,
            open: journal.openCallbackJournal,
            lock: journal.lockJournal,
            bytes: journal.journalBytes,
          },
          createMetrics: async (probes) => (await import('./shell/metrics.js')).createServeMetrics(probes),
          createCallbackServer,
          forward: forwardPending,
          now: wallClock,
          stopRequested,
        },
      )
      process.exitCode = EXIT.ok
    })

  const reportCommand = addConfigOptions(
    new Command('report')
      .description('PIN delivery over a span, interval by interval: sent, delivered, failed, pending, rate, latency; failures by reason and SMSC')
      .option('--since <time>', 'start: 24h, 7d, 2026-11-01, "2026-11-01 08:30" or ISO 8601 (default: 24h)')
      .option('--until <time>', 'end, in the same forms (default: now)')
      .addOption(new Option('--by <unit>', 'interval (default: minute up to 2 hours, hour up to 3 days, else day)').choices(['minute', 'hour', 'day']))
      .option('--tz <zone>', 'time zone for intervals and labels (default: the machine\'s, $TZ)')
      .option('--csv', 'one CSV row per interval on stdout')
      .option('--html <file>', 'write a self-contained HTML page with charts to FILE'),
    ['smskannel.store'],
    {
      'smskannel.store': 'the SQLite event store send, feedback and serve write',
      json: 'print the report as one JSON document on stdout, times in UTC (ISO 8601)',
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', REPORT_HELP)
    .action(async (options: CommonOptions & { since?: string; until?: string; by?: 'minute' | 'hour' | 'day'; tz?: string; csv?: boolean; html?: string }) => {
      const [{ report: buildReport }, format, { openStore }, { sqliteStoreOnly }, { existsSync }, gathered] = await Promise.all([
        import('./commands/report.js'),
        import('./core/report-format.js'),
        import('./shell/store.js'),
        import('./shell/event-store.js'),
        import('node:fs'),
        gatherSources(options, report),
      ])
      // `report | head` closes the pipe early: the rest of the table is simply not wanted.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error
      })
      const now = wallClock()
      const document = await buildReport(
        { sources: gathered.sources, since: options.since, until: options.until, by: options.by, timeZone: options.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone, now },
        { openStore: sqliteStoreOnly('report', (path) => openStore(path)), storeExists: (location) => isPostgresUrl(location) || existsSync(location) },
      )
      if (options.html) {
        const [{ renderReportHtml }, { writeFileAtomically }] = await Promise.all([import('./core/report-html.js'), import('./shell/atomic-file.js')])
        writeFileAtomically(options.html, renderReportHtml(document, now))
        report.success(`report written to ${options.html}`)
      }
      if (options.json) report.data(document)
      else if (options.csv) for (const line of format.formatReportCsv(document)) report.text(line)
      else if (!options.html) for (const line of format.formatReportTable(document)) report.text(line)
      process.exitCode = EXIT.ok
    })

  const checkCommand = addConfigOptions(
    new Command('check')
      .description('monitoring plugin (Nagios/Icinga): delivery rate, p90 latency and pending PINs of the last --window; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
      .option('--window <span>', 'the PINs sent in the last 15m, 1h, 1d ... (default: 15m)')
      .option('--warn-rate <percent>', 'WARNING when the delivery rate is below this')
      .option('--crit-rate <percent>', 'CRITICAL when the delivery rate is below this')
      .option('--warn-latency <duration>', 'WARNING when p90 latency from send to delivered is above this (30s, 1500ms, 2m)')
      .option('--crit-latency <duration>', 'CRITICAL when p90 latency is above this')
      .option('--warn-pending <n>', 'WARNING when more PINs than this have no final report')
      .option('--max-pending <n>', 'CRITICAL when more PINs than this have no final report'),
    ['smskannel.store'],
    {
      'smskannel.store': 'the SQLite event store send, feedback and serve write',
      json: 'print the state, its line and the figures as one JSON document on stdout',
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', CHECK_HELP)
    .action(async (options: CommonOptions & { window?: string; warnRate?: string; critRate?: string; warnLatency?: string; critLatency?: string; warnPending?: string; maxPending?: string }) => {
      const [{ check }, { openStore }, { sqliteStoreOnly }, { existsSync }, gathered] = await Promise.all([import('./commands/check.js'), import('./shell/store.js'), import('./shell/event-store.js'), import('node:fs'), gatherSources(options, report)])
      const result = await check(
        { ...options, sources: gathered.sources, now: wallClock() },
        { openStore: sqliteStoreOnly('check', (path) => openStore(path)), storeExists: (location) => isPostgresUrl(location) || existsSync(location) },
      )
      if (options.json) report.data(result)
      else report.text(result.line)
      process.exitCode = result.state
    })

  const storeCommand = addConfigOptions(
    new Command('store')
      .description('create or upgrade the event store\'s schema (migrate), or copy one store into another (copy FROM TO)')
      .addArgument(new Argument('<action>', 'migrate: the store of smskannel.store; copy: FROM and TO').choices(['migrate', 'copy']))
      .argument('[stores...]', 'copy: FROM and TO, each an SQLite file or a postgres:// URL without password'),
    ['smskannel.store'],
    {
      'smskannel.store': 'migrate: the store to create or upgrade (SQLite file or postgres:// URL)',
      json: 'print the result as one JSON object on stdout',
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', STORE_HELP)
    .action(async (action: 'migrate' | 'copy', stores: string[], options: CommonOptions) => {
      const [{ migrateStore, copyStore, summariseCopy }, { openEventStore }, { existsSync }, gathered] = await Promise.all([
        import('./commands/store.js'),
        import('./shell/event-store.js'),
        import('node:fs'),
        gatherSources(options, report),
      ])
      const io = { openStore: (location: string) => openEventStore(location), fileExists: existsSync }
      if (action === 'migrate') {
        if (stores.length > 0) throw new CommanderError(EXIT.usage, 'sms-kannel.usage', 'error: store migrate takes no arguments; it migrates smskannel.store (--store)')
        const result = await migrateStore({ sources: gathered.sources }, io)
        if (options.json) report.data(result)
        report.success(`the schema of ${result.store} is up to date`)
      } else {
        const summary = await copyStore({ locations: stores }, io)
        if (options.json) report.data(summary)
        report.success(summariseCopy(summary))
      }
      process.exitCode = EXIT.ok
    })

  program.addCommand(sendCommand, { isDefault: true })
  for (const command of [configCommand, feedbackCommand, statusCommand, serveCommand, reportCommand, checkCommand, storeCommand]) program.addCommand(command)
  return program
}

function outputClosedError(summary: { lines: number; store: string | null }): OutputClosedError {
  const kept = summary.store ? `the ${summary.lines} line(s) read were stored in ${summary.store}` : `${summary.lines} line(s) were read`
  return new OutputClosedError(`stdout was closed by its reader (EPIPE): ${kept}; the rest of the input was not read.`, 'Run again without the pipe (or with --store and stdout to /dev/null) to process the rest.')
}

/** Runs the CLI; sets process.exitCode rather than calling exit(), so piped stdout is flushed. */
export async function main(argv: string[]): Promise<void> {
  const verbose = argv.includes('--verbose') || argv.includes('-v')
  const json = argv.includes('--json')
  const report = createReporter({ stdout: process.stdout, stderr: process.stderr, env: process.env, verbose })
  const program = buildProgram(report)
  for (const command of [program, ...program.commands]) command.exitOverride()
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (error) {
    process.exitCode = exitCodeFor(error, report, { verbose, json })
    // A monitoring plugin that could not check is UNKNOWN (3), whatever went wrong.
    if (argv[0] === 'check' && process.exitCode !== EXIT.ok) {
      const { unknownCheckLine, CHECK_STATE } = await import('./core/check.js')
      // With --json, the error document above is stdout's one document.
      if (!json) report.text(unknownCheckLine(error instanceof Error ? error.message.replace(/^error: /, '') : String(error)))
      process.exitCode = CHECK_STATE.unknown
    }
  }
}

function exitCodeFor(error: unknown, report: Reporter, options: { verbose: boolean; json: boolean }): ExitCode {
  if (error instanceof CommanderError) {
    // Help and --version end with exitCode 0; commander has printed its own messages.
    if (error.code === 'sms-kannel.usage') report.error(error.message.replace(/^error: /, ''))
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage
  }
  if (error instanceof SmsKannelError) {
    report.error(error.message, error.hint)
    if (options.json && !report.wroteData) report.data({ outcome: 'error', error: error.name, exitCode: error.exitCode, message: error.message })
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  report.error(`unexpected failure: ${message}`, 'This is a bug in sms-kannel; please report it with the output of --verbose.')
  if (options.verbose && error instanceof Error && error.stack) report.verbose(error.stack)
  if (options.json && !report.wroteData) report.data({ outcome: 'error', error: 'Bug', exitCode: EXIT.bug, message })
  return EXIT.bug
}

void main(process.argv.slice(2))
