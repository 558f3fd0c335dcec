import { Command } from 'commander'
import { FLAG_KEYS, EXIT_HELP, addConfigOptions, gatherSources, localTimeZone, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'

const SEND_HELP = `
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

/** The flags of send and config: every key a flag sets but serve's and the DLR parameter names. */
export const SEND_FLAG_KEYS = FLAG_KEYS.filter((key) => key !== 'smskannel.listen' && key !== 'smskannel.durability' && key !== 'smskannel.journal' && key !== 'smskannel.dlrparams')

export function sendCommand({ report, now }: CommandContext): CliCommand {
  const command = addConfigOptions(
    new Command('send')
      .description('send one SMS (the default command)')
      .option('--to <number>', 'recipient number (default: $VLXSMS)')
      .option('--text <text>', 'message text (default: $VLXPIN_TEXT, else smskannel.template)')
      .option('--dry-run', 'check everything and print the request instead of sending it'),
    SEND_FLAG_KEYS,
    {
      'smskannel.store': 'record this send in the event store (SQLite file or postgres:// URL), for status',
      json: 'print the result as one JSON object on stdout: outcome, message id, gateway, tries, warnings',
      verbose: 'explain each step on stderr: number, text, request, reply (secrets stay hidden)',
    },
  )
    .addHelpText('after', SEND_HELP)
    .action(async (options: CommonOptions & { to?: string; text?: string; dryRun?: boolean }) => {
      const [{ send, summariseSend }, { httpClientFor }, { loadNumberParser }, { randomFillSync }, { uuidV7 }, { recordSend }, gathered] = await Promise.all([
        import('./send.js'),
        import('../shell/http.js'),
        import('../shell/phone-numbers.js'),
        import('node:crypto'),
        import('../core/message-id.js'),
        import('../shell/send-record.js'),
        gatherSources(options, report, { passwordFile: true }),
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
          wallClock: now,
          recordSend: async (location, record, fileMode) => {
            const warning = await recordSend(location, record, fileMode)
            if (warning) report.warn(warning)
          },
        },
      )
      if (options.json) report.data(result)
      else if (result.request) report.text(JSON.stringify(result.request, null, 2))
      // Quiet for the wrapper (no terminal), one line for a person.
      if (report.isTerminal || report.isVerbose || result.outcome === 'dry-run') report.success(summariseSend(result))
    })
  return { command }
}
