import type { ConfigKey } from './config.js'

/**
 * Exit codes follow sysexits(3), so the VISULOX wrapper (and any shell script) can tell
 * "retry later" from "fix the input" from "fix the configuration".
 */
export const EXIT = {
  ok: 0,
  bug: 1,
  usage: 64,
  input: 65,
  gatewayRejected: 69,
  io: 74,
  gatewayUnavailable: 75,
  protocol: 76,
  auth: 77,
  config: 78,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** One row per exit code: the single source for `--help`, the README check and tests. */
export const EXIT_CODE_TABLE: ReadonlyArray<{ code: ExitCode; meaning: string }> = [
  { code: EXIT.ok, meaning: 'accepted by the gateway: Kannel (which may only queue it, with a warning), SMS4.de or an HTTP gateway; DLRs processed' },
  { code: EXIT.bug, meaning: 'a bug in sms-kannel; --verbose prints the stack' },
  { code: EXIT.usage, meaning: 'bad flags or arguments' },
  { code: EXIT.input, meaning: 'invalid number, text or DLR; nothing was sent' },
  { code: EXIT.gatewayRejected, meaning: 'the gateway (Kannel, SMS4.de, an HTTP gateway) refused the message; do not retry as is' },
  { code: EXIT.io, meaning: 'the event store, a file next to it or stdout cannot be used (disk full, permissions, not a store, closed pipe)' },
  { code: EXIT.gatewayUnavailable, meaning: 'gateway unreachable, busy or timed out, or another replay or serve runs; retry later' },
  { code: EXIT.protocol, meaning: 'the reply is not the gateway\'s (wrong URL or path?)' },
  { code: EXIT.auth, meaning: 'authorization failed (Kannel: user, password, allowed IP; SMS4.de: user, password, customer number; HTTP gateway: http.user, http.password, http.token)' },
  { code: EXIT.config, meaning: 'configuration missing or invalid' },
]

/** Base of every failure a user can act on; anything else reaching the CLI is a bug. */
export abstract class SmsKannelError extends Error {
  abstract readonly exitCode: ExitCode
  /** A next step for the person reading the message, printed on its own line. */
  readonly hint: string | undefined

  constructor(message: string, hint?: string) {
    super(message)
    this.name = new.target.name
    this.hint = hint
  }
}

export class UsageError extends SmsKannelError {
  readonly exitCode = EXIT.usage
}

export class InputError extends SmsKannelError {
  readonly exitCode = EXIT.input
}

/** A text longer than the gateway takes; send adds which VISULOX variable made it so. */
export class TextTooLongError extends InputError {
  // --json's `error` stays InputError, as wrappers may match it.
  override readonly name = 'InputError'
}

export class GatewayRejectedError extends SmsKannelError {
  readonly exitCode = EXIT.gatewayRejected
  /** A 2xx whose body did not confirm the message: the gateway may have taken it all the same. */
  readonly mayHaveBeenSent: boolean

  constructor(message: string, hint?: string, options: { mayHaveBeenSent?: boolean } = {}) {
    super(message, hint)
    this.mayHaveBeenSent = options.mayHaveBeenSent ?? false
  }
}

/**
 * The gateway could not be reached or did not answer in time. `mayHaveBeenSent` tells the
 * caller whether resending could deliver the same PIN twice.
 */
export class GatewayUnavailableError extends SmsKannelError {
  readonly exitCode = EXIT.gatewayUnavailable
  readonly mayHaveBeenSent: boolean

  constructor(message: string, options: { mayHaveBeenSent: boolean; hint?: string }) {
    super(message, options.hint)
    this.mayHaveBeenSent = options.mayHaveBeenSent
  }
}

/** The event store failed: nothing half-written, but this run could not finish. */
export class StoreError extends SmsKannelError {
  readonly exitCode = EXIT.io
}

/** stdout's reader went away (EPIPE) before the command had written everything. */
export class OutputClosedError extends SmsKannelError {
  readonly exitCode = EXIT.io
}

/** Something else holds what we need (another replay's or serve's lock); trying later will work. */
export class BusyError extends SmsKannelError {
  readonly exitCode = EXIT.gatewayUnavailable
}

export class ProtocolError extends SmsKannelError {
  readonly exitCode = EXIT.protocol
  /** The reply proves the request was not taken (a 404, no HTTP at all): another gateway may have it. */
  readonly nothingSent: boolean

  constructor(message: string, hint?: string, options: { nothingSent?: boolean } = {}) {
    super(message, hint)
    this.nothingSent = options.nothingSent ?? false
  }
}

export class AuthError extends SmsKannelError {
  readonly exitCode = EXIT.auth
}

export class ConfigError extends SmsKannelError {
  readonly exitCode = EXIT.config
  /** The key at fault and why, for `config`'s table; absent when no one key is (a file, a template). */
  readonly setting: { key: ConfigKey; reason: string } | undefined
  /** The block's other bad keys, found in the same pass, so `config` names them all at once. */
  readonly others: readonly ConfigError[]

  constructor(message: string, hint?: string, options: { setting?: { key: ConfigKey; reason: string } | undefined; others?: readonly ConfigError[] } = {}) {
    super(message, hint)
    this.setting = options.setting
    this.others = options.others ?? []
  }
}

/** A gateway's TLS certificate failed verification: a setting to change, and nothing was sent there. */
export class CertificateError extends ConfigError {
  readonly nothingSent = true
}
