import { EXIT, SmsKannelError } from '../../src/core/errors.js'

/** The exit code the CLI would give for what `work` throws (0 when it returns). */
export function exitCodeOf(work: () => unknown): number {
  try {
    work()
    return EXIT.ok
  } catch (error) {
    if (error instanceof SmsKannelError) return error.exitCode
    throw error
  }
}
