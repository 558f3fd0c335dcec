import { Chalk } from 'chalk'
import { describeFileError } from '../core/file-errors.js'
import { redactForms, secretForms } from '../core/redact.js'

interface Writable {
  write(text: string): unknown
  isTTY?: boolean
  on?(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown
}

/**
 * All output goes through here: stdout gets data (one JSON object per line), stderr gets
 * people's lines. Every line passes the secret filter, so a password or PIN that slipped
 * into a message is still never printed.
 */
export interface Reporter {
  addSecrets(...secrets: Array<string | undefined>): void
  /** The text with every form of every secret hidden: for whole texts before they are cut or escaped. */
  redact(text: string): string
  data(value: unknown): void
  /** Plain text on stdout (tables people asked for); also filtered. */
  text(line: string): void
  success(line: string): void
  /** A plain line for people: serve's log, one per callback. */
  info(line: string): void
  warn(line: string): void
  error(line: string, hint?: string): void
  verbose(line: string): void
  readonly isVerbose: boolean
  readonly isTerminal: boolean
  /** Whether a JSON document went to stdout: a --json run prints exactly one (optional for fakes). */
  readonly wroteData?: boolean
  /** stdout's reader went away (EPIPE) or a write to it failed: nothing more can be delivered there. */
  readonly outputClosed: boolean
  /** Why stdout failed: the errno code of its first write error (EPIPE: its reader went away). */
  readonly outputError?: string | undefined
}

export interface ReporterOptions {
  stdout: Writable
  stderr: Writable
  env: Readonly<Record<string, string | undefined>>
  verbose: boolean
}

/** The reporter, and the switch main flips once commander has parsed --verbose. */
export function createReporter(options: ReporterOptions): Reporter & { setVerbose(on: boolean): void } {
  let verbose = options.verbose
  const secrets: string[] = []
  // Computed when a secret is added, not per line: serve writes a line per callback.
  let forms: string[] = []
  let wroteData = false
  const colourOn = Boolean(options.stderr.isTTY) && !options.env['NO_COLOR'] && options.env['TERM'] !== 'dumb'
  const colour = new Chalk({ level: colourOn ? 1 : 0 })
  const clean = (text: string) => (forms.length === 0 ? text : redactForms(text, forms))
  // A closed pipe (EPIPE) or any other write error ends that stream, never the process:
  // logging is best effort, and stdout's loss is reported through outputClosed and outputError.
  let stdoutClosed = false
  let stdoutError: string | undefined
  let stderrClosed = false
  options.stdout.on?.('error', (error) => {
    stdoutClosed = true
    stdoutError ??= typeof error.code === 'string' ? error.code : 'EIO'
  })
  options.stderr.on?.('error', () => (stderrClosed = true))
  const toStdout = (text: string) => {
    if (!stdoutClosed) options.stdout.write(text)
  }
  const toStderr = (text: string) => {
    if (!stderrClosed) options.stderr.write(`${clean(text)}\n`)
  }

  return {
    addSecrets(...values) {
      for (const value of values) if (value && !secrets.includes(value)) secrets.push(value)
      forms = secretForms(secrets)
    },
    redact: clean,
    data(value) {
      wroteData = true
      toStdout(`${clean(JSON.stringify(value))}\n`)
    },
    text(line) {
      toStdout(`${clean(line)}\n`)
    },
    success(line) {
      toStderr(`${colour.green('✔')} ${line}`)
    },
    info(line) {
      toStderr(line)
    },
    warn(line) {
      toStderr(`${colour.yellow('warning:')} ${line}`)
    },
    error(line, hint) {
      toStderr(`${colour.red('error:')} ${line}`)
      if (hint) toStderr(`${colour.dim('hint:')} ${hint}`)
    },
    verbose(line) {
      if (verbose) toStderr(colour.dim(line))
    },
    setVerbose(on) {
      verbose = on
    },
    get isVerbose() {
      return verbose
    },
    isTerminal: Boolean(options.stderr.isTTY),
    get wroteData() {
      return wroteData
    },
    get outputClosed() {
      return stdoutClosed
    },
    get outputError() {
      return stdoutError
    },
  }
}

/**
 * Resolves once everything written to `stream` so far has gone out or failed, and a failure's
 * 'error' event has been emitted: only then does the reporter know whether stdout took it all.
 */
export async function outputSettled(stream: NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean }): Promise<void> {
  if (!stream.destroyed && !stream.writableEnded) await new Promise<void>((resolve) => stream.write('', () => resolve()))
  await new Promise((resolve) => setImmediate(resolve))
}

/** The message for a stdout that could not be written (anything but its reader going away). */
export function stdoutFailureMessage(code: string): string {
  return `cannot write to stdout: ${describeFileError(code)}`
}
