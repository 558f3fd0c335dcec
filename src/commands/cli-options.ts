import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander'
import { CONFIG_KEY_NAMES, CONFIG_KEYS, storeSecretsIn, type ConfigKey, type SourceValues } from '../core/config.js'
import { EXIT, EXIT_CODE_TABLE, UsageError } from '../core/errors.js'
import type { Reporter } from '../shell/output.js'

/** What every command's file needs to build its commander command. */
export interface CommandContext {
  report: Reporter
  /** The wall clock: what "now" is for records, reports and windows. */
  now: () => Date
}

/** A command, and how its failures become an exit code where that differs from the rest. */
export interface CliCommand {
  command: Command
  onFailure?: (error: unknown, exitCode: number, json: boolean) => Promise<number>
}

export const EXIT_HELP = ['', 'Exit codes:', ...EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${String(code).padStart(2)}  ${meaning}`)].join('\n')

/** The host's zone, TZ respected: what people read (status, the SMS text, report) is local time. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

export interface CommonOptions {
  config?: string
  envFile?: string
  json?: boolean
  verbose?: boolean
  [flag: string]: unknown
}

/**
 * What an option does in one command, where that differs from its general description;
 * `json: false` leaves --json out where it would do nothing. test/docs.test.ts keeps the
 * README's option tables in step with every command's --help.
 */
export type OptionHelp = { [key in ConfigKey]?: string } & { json?: string | false; verbose?: string }

/** The keys a flag can set; the password has none on purpose (argv is public). */
export const FLAG_KEYS = CONFIG_KEY_NAMES.filter((key) => CONFIG_KEYS[key].flag !== undefined)

function optionFor(key: ConfigKey, description?: string): Option {
  const spec = CONFIG_KEYS[key]
  return new Option(spec.flagValue ? `${spec.flag} ${spec.flagValue}` : spec.flag!, description)
}

/** --config, --env-file, the flags of `keys` in registry order, --json and --verbose. */
export function addConfigOptions(command: Command, keys: readonly ConfigKey[], help: OptionHelp = {}): Command {
  command
    .option('-c, --config <file>', 'config file: key = value lines, or the `visulox config -name sms` table (default: $SMSKANNEL_CONFIG, then /etc/sms-kannel/sms-kannel.conf if present)')
    .option('--env-file <file>', '.env file with SMSKANNEL_* variables (default: ./.env if present)')
  for (const key of FLAG_KEYS.filter((candidate) => keys.includes(candidate))) {
    const spec = CONFIG_KEYS[key]
    const option = optionFor(key, `${help[key] ?? spec.describe} [${key}]`)
    if (spec.choices) option.choices(spec.choices)
    const problem = spec.flagProblem
    if (problem) {
      option.argParser((value: string) => {
        const why = problem(value)
        if (why) throw new InvalidArgumentError(why)
        return value
      })
    }
    if (spec.repeatable) option.argParser((value: string, previous: string | undefined) => (previous === undefined ? value : `${previous},${value}`))
    command.addOption(option)
  }
  if (help.json !== false) command.option('--json', help.json ?? 'print results as JSON on stdout')
  return command.option('-v, --verbose', help.verbose ?? 'explain each step on stderr (secrets stay hidden)')
}

function flagValues(options: CommonOptions): SourceValues {
  const values: SourceValues = {}
  for (const key of FLAG_KEYS) {
    const value = options[optionFor(key).attributeName()]
    // A bare switch (--insecure) sets its key to true.
    if (typeof value === 'string' || value === true) values[key] = { value: String(value), where: `flag ${CONFIG_KEYS[key].flag}` }
  }
  return values
}

/** Reads every source of settings; their warnings go to stderr, a store URL's password joins the secrets. */
export async function gatherSources(options: CommonOptions, report: Reporter, needs: { passwordFile?: boolean } = {}) {
  const { gatherConfigSources } = await import('../shell/config-sources.js')
  const gathered = await gatherConfigSources({ configPath: options.config, envFilePath: options.envFile, env: process.env, flags: flagValues(options), cwd: process.cwd(), passwordFile: needs.passwordFile === true })
  for (const warning of gathered.warnings) report.warn(warning)
  report.addSecrets(...storeSecretsIn(gathered.sources))
  return gathered
}

/** A mistake in how the command was called (exit 64), said like commander's own. */
export function usageError(message: string): CommanderError {
  return new CommanderError(EXIT.usage, 'sms-kannel.usage', `error: ${message}`)
}

export function parseUrlFlag(value: string): URL {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    // Falls through to the message below.
  }
  // Not an InvalidArgumentError: commander would echo the whole value, password and all.
  if (url?.password) {
    throw new UsageError('The --forward URL must not carry a password on the command line, where every user sees it (ps).', 'The receiver needs none: each forwarded report carries its own callback token. Protect the receiver by its network, or by a proxy in front of it.')
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return url
  throw new InvalidArgumentError('expected an http:// or https:// URL.')
}
