import { randomUUID } from 'node:crypto'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { CONFIG_KEYS, type ConfigKey, type SourceValues } from './core/config.js'
import { parseDurationMs } from './core/duration.js'
import { EXIT, EXIT_CODE_TABLE, SmsKannelError, type ExitCode } from './core/errors.js'
import { createReporter, type Reporter } from './shell/output.js'

declare const SMS_KANNEL_VERSION: string | undefined
const VERSION = typeof SMS_KANNEL_VERSION === 'string' ? SMS_KANNEL_VERSION : '0.0.0-dev'

/** Flags that set configuration keys; the password deliberately has none (argv is public). */
const CONFIG_FLAGS: ReadonlyArray<{ flags: string; key: ConfigKey; parse?: (value: string) => string; choices?: string[] }> = [
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
]

function parseTimeoutFlag(value: string): string {
  if (parseDurationMs(value) === undefined) throw new InvalidArgumentError('expected a duration such as 500ms, 10s or 10 (seconds).')
  return value
}

function optionAttribute(flags: string): string {
  return new Option(flags).attributeName()
}

interface CommonOptions {
  config?: string
  envFile?: string
  json?: boolean
  verbose?: boolean
  [flag: string]: unknown
}

function addConfigOptions(command: Command): Command {
  command
    .option('-c, --config <file>', 'config file: key = value lines, or the `visulox config -name sms` table (default: $SMSKANNEL_CONFIG, then /etc/sms-kannel/sms-kannel.conf if present)')
    .option('--env-file <file>', '.env file with SMSKANNEL_* variables (default: ./.env if present)')
  for (const flag of CONFIG_FLAGS) {
    const option = new Option(flag.flags, `${CONFIG_KEYS[flag.key].describe} [${flag.key}]`)
    if (flag.parse) option.argParser(flag.parse)
    if (flag.choices) option.choices(flag.choices)
    command.addOption(option)
  }
  return command.option('--json', 'print the result as one JSON object on stdout').option('-v, --verbose', 'explain each step on stderr (secrets stay hidden)')
}

function flagValues(options: CommonOptions): SourceValues {
  const values: SourceValues = {}
  for (const flag of CONFIG_FLAGS) {
    const value = options[optionAttribute(flag.flags)]
    if (typeof value === 'string') values[flag.key] = { value, where: `flag ${flag.flags.split(' ')[0]}` }
  }
  return values
}

const EXIT_HELP = [
  '',
  'Exit codes:',
  ...EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${String(code).padStart(2)}  ${meaning}`),
].join('\n')

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
  sms-kannel send --to '+49 170 1234567' --text 'Test from sms-kannel'
  sms-kannel send --to +491701234567 --text 'PIN 1234' --dry-run
  VLXSMS=+491701234567 VLXPIN_TEXT='PIN: 1234' sms-kannel   # what the wrapper does
${EXIT_HELP}`

function buildProgram(report: Reporter): Command {
  const program = new Command('sms-kannel')
    .description('Send MFA PIN text messages through a Kannel SMS gateway (drop-in for VISULOX SMSviaKannel.tcl).')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nRun "sms-kannel send --help" for sending options.\n${EXIT_HELP}`)
    .exitOverride()

  const sendCommand = addConfigOptions(
    new Command('send')
      .description('send one SMS (the default command)')
      .option('--to <number>', 'recipient number (default: $VLXSMS)')
      .option('--text <text>', 'message text (default: $VLXPIN_TEXT, else smskannel.template)')
      .option('--dry-run', 'check everything and print the request instead of sending it'),
  )
    .addHelpText('after', SEND_HELP)
    .action(async (options: CommonOptions & { to?: string; text?: string; dryRun?: boolean }) => {
        const [{ send, summariseSend }, { gatherConfigSources }, { createHttpClient }, { loadNumberParser }] = await Promise.all([
          import('./commands/send.js'),
          import('./shell/config-sources.js'),
          import('./shell/http.js'),
          import('./shell/phone-numbers.js'),
        ])
        const gathered = await gatherConfigSources({ configPath: options.config, envFilePath: options.envFile, env: process.env, flags: flagValues(options), cwd: process.cwd() })
        for (const warning of gathered.warnings) report.warn(warning)
        const result = await send(
          {
            sources: gathered.sources,
            env: process.env,
            to: options.to,
            text: options.text,
            dryRun: Boolean(options.dryRun),
            messageId: randomUUID(),
            timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          },
          { http: createHttpClient(), report, loadNumberParser, now: () => performance.now() },
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
      .option('--check', 'also check that the gateway is a Kannel smsbox and the credentials work (sends nothing)'),
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (options: CommonOptions & { check?: boolean }) => {
        const [{ showConfig, formatConfigTable }, { gatherConfigSources }, { createHttpClient }] = await Promise.all([
          import('./commands/config.js'),
          import('./shell/config-sources.js'),
          import('./shell/http.js'),
        ])
        const gathered = await gatherConfigSources({ configPath: options.config, envFilePath: options.envFile, env: process.env, flags: flagValues(options), cwd: process.cwd() })
        for (const warning of gathered.warnings) report.warn(warning)
        const result = await showConfig({ sources: gathered.sources, check: Boolean(options.check) }, { http: createHttpClient(), report })
        if (options.json) report.data({ files: gathered.files, ...result })
        else for (const line of formatConfigTable(result.effective)) report.text(line)
        if (result.check) report.success(`${result.check.gateway} is a Kannel smsbox and accepts these credentials (nothing was sent).`)
        process.exitCode = EXIT.ok
    })

  program.addCommand(sendCommand, { isDefault: true })
  program.addCommand(configCommand)
  return program
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
  }
}

function exitCodeFor(error: unknown, report: Reporter, options: { verbose: boolean; json: boolean }): ExitCode {
  if (error instanceof CommanderError) {
    // Help and --version end with exitCode 0; commander has already printed its message.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage
  }
  if (error instanceof SmsKannelError) {
    report.error(error.message, error.hint)
    if (options.json) report.data({ outcome: 'error', error: error.name, exitCode: error.exitCode, message: error.message })
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  report.error(`unexpected failure: ${message}`, 'This is a bug in sms-kannel; please report it with the output of --verbose.')
  if (options.verbose && error instanceof Error && error.stack) report.verbose(error.stack)
  if (options.json) report.data({ outcome: 'error', error: 'Bug', exitCode: EXIT.bug, message })
  return EXIT.bug
}

await main(process.argv.slice(2))
