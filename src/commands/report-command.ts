import { Command, InvalidArgumentError, Option } from 'commander'
import type { ReportThreadOptions, ReportThreads } from '../shell/report-threads.js'
import { resolveConfig } from '../core/config.js'
import { isPostgresUrl } from '../core/store-location.js'
import { refuseStoreFileAsOutput } from '../shell/store-files.js'
import { EXIT_HELP, addConfigOptions, gatherSources, localTimeZone, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'

const REPORT_HELP = `
Reads the store (smskannel.store) that send, feedback and serve write. Each PIN counts in
the interval its send (or, without a send record, its first report) falls in, with what
its reports say by now. rate = delivered / (delivered + failed); pending = no final report;
not sent (! in the bars) = the send failed and proved nothing went out.
Latency runs from the send to the delivered report: p50, p90, p99.

Examples:
  sms-kannel report                                   # the last 24 hours, by hour
  sms-kannel report --since 7d --html /var/www/pins.html
  sms-kannel report --since 2026-11-01 --until 2026-12-01 --by day --csv > november.csv
${EXIT_HELP}`

/** How report and check read the store (an SQLite file or a postgres:// URL), and whether it is there at all. */
export async function reportStoreIo(reportThreads?: ReportThreadOptions) {
  const [{ openEventStore }, { existsSync }] = await Promise.all([import('../shell/event-store.js'), import('node:fs')])
  return { openStore: (location: string) => openEventStore(location, reportThreads ? { reportThreads } : {}), storeExists: (location: string) => isPostgresUrl(location) || existsSync(location) }
}

function parseThreads(value: string): ReportThreads {
  if (value === 'auto') return value
  if (value === '1' || value === '2') return Number(value) as 1 | 2
  throw new InvalidArgumentError('expected 1, 2 or auto.')
}

type ReportOptions = CommonOptions & { since?: string; until?: string; by?: 'minute' | 'hour' | 'day'; tz?: string; csv?: boolean; html?: string; threads: ReportThreads }

export function reportCommand({ report, now }: CommandContext): CliCommand {
  const command = addConfigOptions(
    new Command('report')
      .description('PIN delivery over a span, interval by interval: sent, delivered, failed, pending, not sent, rate, latency; failures by reason and SMSC')
      .option('--since <time>', 'start: 24h, 7d, 2026-11-01, "2026-11-01 08:30" or ISO 8601 (default: 24h)')
      .option('--until <time>', 'end, in the same forms (default: now)')
      .addOption(new Option('--by <unit>', 'interval (default: minute up to 2 hours, hour up to 3 days, else day)').choices(['minute', 'hour', 'day']))
      .option('--tz <zone>', 'time zone for intervals and labels (default: the machine\'s, $TZ)')
      .option('--csv', 'one CSV row per interval on stdout')
      .option('--html <file>', 'write a self-contained HTML page with charts to FILE')
      .option('--threads <n>', 'SQLite store: fold the PINs on 1 or 2 threads (auto: 2 for 100,000 sends or more on a machine with two cores)', parseThreads, 'auto' as ReportThreads),
    ['smskannel.store'],
    {
      'smskannel.store': 'the event store send, feedback and serve write: an SQLite file or a postgres:// URL',
      json: 'print the report as one JSON document on stdout, times in UTC (ISO 8601)',
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', REPORT_HELP)
    .action(async (options: ReportOptions) => {
      const [{ report: buildReport }, format, io, gathered] = await Promise.all([import('./report.js'), import('../core/report-format.js'), reportStoreIo({ threads: options.threads, warn: (message) => report.warn(message) }), gatherSources(options, report)])
      if (options.html) refuseStoreFileAsOutput('--html', options.html, resolveConfig(gathered.sources, ['storePath']).config.storePath)
      const at = now()
      const document = await buildReport({ sources: gathered.sources, since: options.since, until: options.until, by: options.by, timeZone: options.tz ?? localTimeZone(), now: at }, io)
      if (options.html) {
        const [{ renderReportHtml }, { writeFileAtomically }] = await Promise.all([import('../core/report-html.js'), import('../shell/atomic-file.js')])
        writeFileAtomically(options.html, renderReportHtml(document, at))
        report.success(`report written to ${options.html}`)
      }
      if (options.json) report.data(document)
      else if (options.csv) for (const line of format.formatReportCsv(document)) report.text(line)
      else if (!options.html) for (const line of format.formatReportTable(document)) report.text(line)
    })
  return { command }
}
