import { Argument, Command } from 'commander'
import { EXIT_HELP, addConfigOptions, gatherSources, usageError, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'

const STORE_HELP = `
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

export function storeCommand({ report }: CommandContext): CliCommand {
  const command = addConfigOptions(
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
        import('./store.js'),
        import('../shell/event-store.js'),
        import('node:fs'),
        gatherSources(options, report),
      ])
      const io = { openStore: (location: string, fileMode: number) => openEventStore(location, { fileMode }), fileExists: existsSync }
      if (action === 'migrate') {
        if (stores.length > 0) throw usageError('store migrate takes no arguments; it migrates smskannel.store (--store)')
        const result = await migrateStore({ sources: gathered.sources }, io)
        if (options.json) report.data(result)
        report.success(`the schema of ${result.store} is up to date`)
      } else {
        const summary = await copyStore({ locations: stores, sources: gathered.sources }, io)
        if (options.json) report.data(summary)
        report.success(summariseCopy(summary))
      }
    })
  return { command }
}
