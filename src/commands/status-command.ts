import { Command } from 'commander'
import { EXIT_HELP, addConfigOptions, gatherSources, localTimeZone, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'

export function statusCommand({ report }: CommandContext): CliCommand {
  const command = addConfigOptions(
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
      const [{ status, formatTimeline }, { openEventStore }, gathered] = await Promise.all([import('./status.js'), import('../shell/event-store.js'), gatherSources(options, report)])
      const result = await status({ sources: gathered.sources, key }, { openStore: (location) => openEventStore(location, { readOnly: true }) })
      if (options.json) report.data(result)
      else for (const timeline of result.timelines) for (const line of formatTimeline(timeline, localTimeZone())) report.text(line)
    })
  return { command }
}
