import { Command, InvalidArgumentError } from 'commander'
import type { ConfigKey } from '../core/config.js'
import { OutputClosedError } from '../core/errors.js'
import { stdoutFailureMessage } from '../shell/output.js'
import type { FeedbackInput, FeedbackIo } from './feedback.js'
import { EXIT_HELP, addConfigOptions, gatherSources, localTimeZone, parseUrlFlag, usageError, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'

const FEEDBACK_HELP = `
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

/** The keys of the commands that take delivery reports: feedback and serve. */
export const REPORT_INTAKE_KEYS: readonly ConfigKey[] = ['smskannel.store', 'smskannel.feedbackurl', 'smskannel.timeout', 'smskannel.dlrparams']

/** A month back is as far as a poll makes sense; the store keeps sends longer. */
const MAX_POLL_HOURS = 24 * 31

function parseHoursFlag(value: string): number {
  const hours = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!(hours > 0 && hours <= MAX_POLL_HOURS)) throw new InvalidArgumentError(`expected a number of hours up to ${MAX_POLL_HOURS}, such as 48.`)
  return hours
}

type FeedbackOptions = CommonOptions & { replay?: boolean; poll?: boolean; since?: number; forward?: URL; rejects?: string; acceptUnsigned?: boolean }

export function feedbackCommand(context: CommandContext): CliCommand {
  const command = addConfigOptions(
    new Command('feedback')
      .description('turn Kannel delivery reports (query strings, URLs, access-log lines) into event records')
      .argument('[query...]', 'DLR query strings, URLs or log lines; with --replay, files (default: stdin lines)')
      .option('--replay', 'the arguments are files to replay into the store, resuming where the last run stopped')
      .option('--poll', 'ask SMS4.de about recent sends without a final report and store its answers (for cron)')
      .option('--since <hours>', 'with --poll: how far back to ask, in hours (default 48)', parseHoursFlag)
      .option('--forward <url>', 're-deliver each new report\'s query string by GET to this URL (retried next run until a 2xx)', parseUrlFlag)
      .option('--rejects <file>', 'with --replay: where bad lines go (default: <store>.rejects; ./sms-kannel.rejects for PostgreSQL)')
      .option('--accept-unsigned', 'with smskannel.secret: also store reports without a valid token (history from before the secret); logged and counted'),
    REPORT_INTAKE_KEYS,
    {
      'smskannel.store': 'event store the reports go into, an SQLite file or a postgres:// URL (needed by --replay, --poll and --forward)',
      'smskannel.feedbackurl': 'its path picks the access-log requests that are reports (default /smsKannelfeedback)',
      'smskannel.timeout': 'with --forward or --poll: how long each forwarded report or SMS4.de request may take: 500ms, 10s, 10',
      'smskannel.dlrparams': 'parameter names of another dlr-url template, e.g. dlr=d,reply=A (repeatable)',
      json: 'with --replay or --poll: print the run\'s summary as one JSON object on stdout (events are JSON lines anyway)',
      verbose: 'print the summary line on stderr even when it is not a terminal',
    },
  )
    .addHelpText('after', FEEDBACK_HELP)
    .action(async (queries: string[], options: FeedbackOptions) => {
      if (options.since !== undefined && !options.poll) throw usageError('--since goes with --poll')
      if (options.poll) {
        // Polled reports come from the provider itself: no token to check, no file of rejects.
        if (queries.length > 0 || options.replay || options.forward || options.rejects !== undefined || options.acceptUnsigned) {
          throw usageError('--poll takes no QUERY, --replay, --forward, --rejects or --accept-unsigned')
        }
        return poll(options, context)
      }
      if (options.replay && queries.length === 0) throw usageError('--replay needs at least one FILE')
      return options.replay ? replay(queries, options, context) : readLines(queries, options, context)
    })
  return { command }
}

async function poll(options: FeedbackOptions, { report, now }: CommandContext): Promise<void> {
  const [{ pollDeliveryReports, summarisePoll, DEFAULT_POLL_HOURS }, { httpClientFor }, { openEventStore }, gathered] = await Promise.all([
    import('./poll.js'),
    import('../shell/http.js'),
    import('../shell/event-store.js'),
    gatherSources(options, report),
  ])
  const summary = await pollDeliveryReports(
    { sources: gathered.sources, sinceHours: options.since ?? DEFAULT_POLL_HOURS, now: now() },
    { report, openStore: (location, fileMode) => openEventStore(location, { fileMode }), http: (config) => httpClientFor(config, process.env) },
  )
  if (options.json) report.data(summary)
  if (report.isTerminal || report.isVerbose) report.success(summarisePoll(summary))
}

async function replay(paths: string[], options: FeedbackOptions, context: CommandContext): Promise<void> {
  const [{ setFlagsFromString }, { createProgressLine, emptyLines }] = await Promise.all([import('node:v8'), import('../shell/input-lines.js')])
  // A replay makes short-lived garbage for minutes: a young generation that never grows keeps its peak memory flat.
  setFlagsFromString('--semi-space-growth-factor=1')
  const progress = context.report.isTerminal ? createProgressLine() : undefined
  await storeReports({ lines: emptyLines(), replayPaths: paths, onProgress: progress?.update, done: progress?.done }, options, context)
}

async function readLines(queries: string[], options: FeedbackOptions, context: CommandContext): Promise<void> {
  const { argumentLines, stdinLines } = await import('../shell/input-lines.js')
  await storeReports({ lines: queries.length > 0 ? argumentLines(queries) : stdinLines(context.report), replayPaths: [] }, options, context)
}

async function storeReports(
  input: Pick<FeedbackInput, 'lines' | 'replayPaths'> & { onProgress?: FeedbackIo['onProgress']; done?: (() => void) | undefined },
  options: FeedbackOptions,
  { report, now }: CommandContext,
): Promise<void> {
  const [{ feedback, summariseFeedback, badLinesError, forwardFailedError, missingFiles }, { openEventStore }, gathered] = await Promise.all([
    import('./feedback.js'),
    import('../shell/event-store.js'),
    gatherSources(options, report),
  ])
  const replaying = input.replayPaths.length > 0
  const summary = await feedback(
    {
      sources: gathered.sources,
      lines: input.lines,
      replayPaths: input.replayPaths,
      forwardUrl: options.forward,
      rejectsPath: options.rejects,
      acceptUnsigned: options.acceptUnsigned === true,
      now: now(),
      hostTimeZone: localTimeZone,
    },
    {
      report,
      openStore: (location, fileMode) => openEventStore(location, { fileMode }),
      // Loaded only when used: one query on the command line needs neither.
      replay: async (replayOptions) => (await import('../shell/replay.js')).replayFiles(replayOptions),
      forward: async (store, target, timeoutMs) => (await import('../shell/forward.js')).forwardPending(store, target, timeoutMs),
      onProgress: input.onProgress,
    },
  )
  input.done?.()
  // A write to a closed pipe fails as an event: let it arrive before deciding.
  await new Promise((resolve) => setImmediate(resolve))
  if (report.outputClosed) throw outputClosedError(summary, report.outputError)
  // Bad lines (fix the input) outrank failed forwards (retry later) for the exit code.
  const bad = badLinesError(summary)
  const unforwarded = forwardFailedError(summary)
  const failure = bad ?? unforwarded
  // One document per run: the summary carries the error instead of a second object.
  if (replaying && options.json) report.data(failure ? { ...summary, error: failure.name, exitCode: failure.exitCode, message: failure.message } : summary)
  // With --json the summary is on stdout: cron then mails only warnings and errors.
  if ((replaying && !options.json) || report.isTerminal || report.isVerbose) report.success(summariseFeedback(summary))
  // One missing file is a log not rotated yet; all of them missing is a wrong path.
  if (replaying && missingFiles(summary).length === input.replayPaths.length) report.warn(`none of the files to replay is there: ${input.replayPaths.join(', ')}`)
  if (bad && unforwarded) report.error(unforwarded.message, unforwarded.hint)
  if (failure) throw failure
}

function outputClosedError(summary: { lines: number; store: string | null }, code: string | undefined): OutputClosedError {
  const kept = summary.store ? `the ${summary.lines} line(s) read were stored in ${summary.store}` : `${summary.lines} line(s) were read`
  if (code !== undefined && code !== 'EPIPE') {
    return new OutputClosedError(`${stdoutFailureMessage(code)}: ${kept}; the rest of the input was not read.`, 'Free space on (or fix) what stdout is redirected to, and run again to process the rest.')
  }
  return new OutputClosedError(`stdout was closed by its reader (EPIPE): ${kept}; the rest of the input was not read.`, 'Run again without the pipe (or with --store and stdout to /dev/null) to process the rest.')
}
