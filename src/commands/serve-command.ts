import { Command } from 'commander'
import { EXIT_HELP, addConfigOptions, gatherSources, parseUrlFlag, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'
import { REPORT_INTAKE_KEYS } from './feedback-command.js'

const SERVE_HELP = `
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
start. With a postgres:// store the journal is $STATE_DIRECTORY/serve-HOST-PORT-DATABASE.journal by default,
and while the database is down callbacks are answered 200 from the journal alone and
stored when it is back.

With smskannel.secret set, send adds a token (HMAC-SHA256 over message id and sequence)
to the dlr-url and serve refuses callbacks without it. Without a secret serve warns.

Examples:
  sms-kannel serve --store /var/lib/sms-kannel/events.db
  sms-kannel serve --listen 127.0.0.1:8080 --forward http://vlx:8081/smsKannelfeedback
${EXIT_HELP}`

export function serveCommand({ report, now }: CommandContext): CliCommand {
  const command = addConfigOptions(
    new Command('serve')
      .description('receive Kannel\'s DLR callbacks at the feedback URL and store each before answering 200')
      .option('--forward <url>', 'also pass each new report on to this URL, without delaying the answer to Kannel', parseUrlFlag),
    [...REPORT_INTAKE_KEYS, 'smskannel.listen', 'smskannel.durability', 'smskannel.journal'],
    {
      'smskannel.store': 'event store each callback is committed to before its 200: an SQLite file or a postgres:// URL',
      'smskannel.feedbackurl': 'its path is where callbacks are answered; its port is where serve listens without --listen',
      'smskannel.timeout': 'with --forward: how long each forwarded report may take: 500ms, 10s, 10',
      'smskannel.dlrparams': 'parameter names of another dlr-url template (repeatable)',
      json: false,
      verbose: 'print the stack of an unexpected failure on stderr',
    },
  )
    .addHelpText('after', SERVE_HELP)
    .action(async (options: CommonOptions & { forward?: URL }) => {
      const [{ serve }, { openServeStore }, { createCallbackServer }, { forwardPending }, journal, { connectionLimit, readOpenFileLimit }, gathered] = await Promise.all([
        import('./serve.js'),
        import('../shell/serve-store.js'),
        import('../shell/callback-server.js'),
        import('../shell/forward.js'),
        import('../shell/callback-journal.js'),
        import('../shell/connection-limit.js'),
        gatherSources(options, report),
      ])
      const stopRequested = new Promise<string>((resolve) => {
        // SIGHUP: the terminal serve was started from went away; its logs go to stderr, so
        // there is nothing to reopen: stop as cleanly as on SIGTERM.
        for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => resolve(signal))
      })
      await serve(
        { sources: gathered.sources, forwardUrl: options.forward },
        {
          report,
          openStore: openServeStore,
          journal: {
            defaultPath: (storeUrl) => journal.prepareDefaultJournal(process.env, storeUrl),
            unnamedLeftovers: () => journal.unnamedJournalLeftovers(process.env),
            readSegment: (path, segment) => journal.readSegment(path, segment, now),
            discard: journal.discardJournal,
            discardSegment: journal.discardSegment,
            segments: journal.segmentNumbers,
            open: journal.openCallbackJournal,
            lock: journal.lockJournal,
            bytes: journal.journalBytes,
          },
          createMetrics: async (probes) => (await import('../shell/metrics.js')).createServeMetrics(probes),
          createCallbackServer,
          maxConnections: connectionLimit(readOpenFileLimit()),
          forward: forwardPending,
          now,
          stopRequested,
        },
      )
    })
  return { command }
}
