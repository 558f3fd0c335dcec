import { Command } from 'commander'
import { addConfigOptions, gatherSources, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'
import { reportStoreIo } from './report-command.js'

const CHECK_HELP = `
A plugin for Nagios, Icinga, Naemon or Sensu: one status line on stdout, performance data
after "|". Its exit codes follow the plugin convention, not the sysexits codes of the
other sms-kannel commands:
  0  OK        within the thresholds, or no PINs in the window (nobody logged in)
  1  WARNING   a --warn-* threshold crossed
  2  CRITICAL  a --crit-rate, --crit-latency, --max-pending or --crit-not-sent threshold crossed
  3  UNKNOWN   could not check: bad flags, configuration or store (missing, unreadable)

Example:
  sms-kannel check --window 15m --warn-rate 95 --crit-rate 80 --warn-latency 30s --max-pending 5
`

type CheckOptions = CommonOptions & { window?: string; warnRate?: string; critRate?: string; warnLatency?: string; critLatency?: string; warnPending?: string; maxPending?: string; warnNotSent?: string; critNotSent?: string }

export function checkCommand({ report, now }: CommandContext): CliCommand {
  const command = addConfigOptions(
    new Command('check')
      .description('monitoring plugin (Nagios/Icinga): delivery rate, p90 latency, pending PINs and failed sends of the last --window; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
      .option('--window <span>', 'the PINs sent in the last 15m, 1h, 1d ... (default: 15m)')
      .option('--warn-rate <percent>', 'WARNING when the delivery rate is below this')
      .option('--crit-rate <percent>', 'CRITICAL when the delivery rate is below this')
      .option('--warn-latency <duration>', 'WARNING when p90 latency from send to delivered is above this (30s, 1500ms, 2m)')
      .option('--crit-latency <duration>', 'CRITICAL when p90 latency is above this')
      .option('--warn-pending <n>', 'WARNING when more PINs than this have no final report')
      .option('--max-pending <n>', 'CRITICAL when more PINs than this have no final report')
      .option('--warn-not-sent <n>', 'WARNING when more sends than this failed (nothing went out: exit 69, 75 ...) (default: 0)')
      .option('--crit-not-sent <n>', 'CRITICAL when more sends than this failed (default: 2)'),
    ['smskannel.store'],
    {
      'smskannel.store': 'the event store send, feedback and serve write: an SQLite file or a postgres:// URL',
      json: 'print the state, its line and the figures as one JSON document on stdout',
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', CHECK_HELP)
    .action(async (options: CheckOptions) => {
      const [{ check }, io, gathered] = await Promise.all([import('./check.js'), reportStoreIo(), gatherSources(options, report)])
      const result = await check({ ...options, sources: gathered.sources, now: now() }, io)
      if (options.json) report.data(result)
      else report.text(result.line)
      process.exitCode = result.state
    })
  return {
    command,
    // A monitoring plugin that could not check is UNKNOWN (3), whatever went wrong.
    onFailure: async (error, _exitCode, json) => {
      const { unknownCheckLine, CHECK_STATE } = await import('../core/check.js')
      // With --json, the error document already is stdout's one document.
      if (!json) report.text(unknownCheckLine(error instanceof Error ? error.message.replace(/^error: /, '') : String(error)))
      return CHECK_STATE.unknown
    },
  }
}
