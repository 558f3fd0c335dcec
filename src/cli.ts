import { Command, CommanderError } from 'commander'
import { CHECK_STATE } from './core/check.js'
import { EXIT, SmsKannelError, type ExitCode } from './core/errors.js'
import { REPORT_THREAD_ARG } from './shell/report-thread-arg.js'
import { createReporter, outputSettled, stdoutFailureMessage, type Reporter } from './shell/output.js'
import { EXIT_HELP, usageError, type CliCommand, type CommandContext } from './commands/cli-options.js'
import { sendCommand } from './commands/send-command.js'
import { configCommand } from './commands/config-command.js'
import { feedbackCommand } from './commands/feedback-command.js'
import { statusCommand } from './commands/status-command.js'
import { serveCommand } from './commands/serve-command.js'
import { reportCommand } from './commands/report-command.js'
import { checkCommand } from './commands/check-command.js'
import { storeCommand } from './commands/store-command.js'

declare const SMS_KANNEL_VERSION: string | undefined
const VERSION = typeof SMS_KANNEL_VERSION === 'string' ? SMS_KANNEL_VERSION : '0.0.0-dev'

/** send first: it is the default command, what the VISULOX wrapper runs. */
const COMMANDS = [sendCommand, configCommand, feedbackCommand, statusCommand, serveCommand, reportCommand, checkCommand, storeCommand]

/** Runs the CLI; sets process.exitCode rather than calling exit(), so piped stdout is flushed. */
export async function main(argv: string[]): Promise<void> {
  const report = createReporter({ stdout: process.stdout, stderr: process.stderr, env: process.env, verbose: false })
  const context: CommandContext = { report, now: () => new Date() }
  const commands = COMMANDS.map((build) => build(context))
  const program = new Command('sms-kannel')
    .description('Send MFA PIN text messages through a Kannel SMS gateway (drop-in for VISULOX SMSviaKannel.tcl), and turn its delivery reports into events.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nRun "sms-kannel <command> --help" for a command's options.\n${EXIT_HELP}`)
  // send, the default, takes every word no command claims: misplacedWords says what went wrong.
  for (const { command } of commands) program.addCommand(command.exitOverride().allowExcessArguments(command.name() === 'send'), { isDefault: command.name() === 'send' })
  program.exitOverride()

  let running: CliCommand | undefined
  const flags = { json: false, verbose: false }
  program.hook('preSubcommand', (_, subcommand) => {
    running = commands.find(({ command }) => command === subcommand)
  })
  program.hook('preAction', (_, action) => {
    const options = action.opts<{ json?: boolean; verbose?: boolean }>()
    flags.json = options.json === true
    flags.verbose = options.verbose === true
    report.setVerbose(flags.verbose)
    if (action.name() === 'send' && action.args.length > 0) throw misplacedWords(action.args, commands.map(({ command }) => command.name()))
  })
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (error) {
    const exitCode = exitCodeFor(error, report, flags)
    process.exitCode = exitCode !== EXIT.ok && running?.onFailure ? await running.onFailure(error, exitCode, flags.json) : exitCode
  }
  await outputSettled(process.stdout)
  const pinSent = running?.command.name() === 'send' && running.command.opts<{ dryRun?: boolean }>().dryRun !== true
  process.exitCode = stdoutVerdict(report, Number(process.exitCode ?? EXIT.ok), running?.command.name(), pinSent)
}

/**
 * Words left over for send: a command after global options (`-c FILE status 17`), a mistyped
 * command (`stauts`), or arguments to send itself, which takes none. The words themselves are
 * not echoed (they may be a PIN's text or a URL with its password), only a command's name.
 */
function misplacedWords(words: string[], names: string[]): CommanderError {
  const command = words.find((word) => names.includes(word))
  if (command) return usageError(`options go after the command: sms-kannel ${command} [options] …, not sms-kannel [options] ${command} …`)
  if (!/^[a-z][a-z-]{1,15}$/.test(words[0] ?? '')) return usageError(`send takes no arguments (${words.length} given; the number and text are --to and --text), and no command is named so`)
  return usageError(`unknown command ${JSON.stringify(words[0])} (commands: ${names.join(', ')})`)
}

/**
 * A full disk or broken file behind stdout loses the output a command succeeded in making:
 * exit 74 instead of a silent 0. A reader that went away (EPIPE, `report | head`) did not
 * want the rest; a failure already reported keeps its code; check says UNKNOWN (3), as for
 * any failure; send keeps its 0, since the PIN went out and the wrapper acts on the status
 * (a dry run, whose output is all it does, does not).
 */
function stdoutVerdict(report: Reporter, exitCode: number, command: string | undefined, pinSent: boolean): number {
  const code = report.outputError
  if (code === undefined || code === 'EPIPE') return exitCode
  const hint = 'Free space on (or fix) what stdout is redirected to, and run again.'
  if (command === 'check') {
    if (exitCode === CHECK_STATE.unknown) return exitCode
    report.error(`${stdoutFailureMessage(code)}: the check's result was lost.`, hint)
    return CHECK_STATE.unknown
  }
  if (exitCode !== EXIT.ok) return exitCode
  if (pinSent) {
    report.warn(`${stdoutFailureMessage(code)}; the SMS went out all the same (exit 0).`)
    return exitCode
  }
  report.error(`${stdoutFailureMessage(code)}.`, hint)
  return EXIT.io
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

// report's second thread runs this bundle too (src/shell/report-threads.ts), not the CLI.
if (process.argv[2] === REPORT_THREAD_ARG) void import('./shell/report-threads.js').then((threads) => threads.runReportThread(() => main(process.argv.slice(2))))
else void main(process.argv.slice(2))
