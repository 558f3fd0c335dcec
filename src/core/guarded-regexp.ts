import { createContext, runInContext } from 'node:vm'
import { ConfigError } from './errors.js'

/** regexp.sms is a line in a config file; anything longer is not a phone number pattern. */
export const MAX_PATTERN_LENGTH = 1000
/**
 * JavaScript regexps cannot be interrupted; a vm context can. Its limit is wall-clock time,
 * and with 50 logins at once on two cores a process may wait 100 ms for the CPU (seen in the
 * concurrency test). A sane pattern on 64 characters needs microseconds; a catastrophic one
 * needs ages: 2 s tells them apart under any load.
 */
export const MATCH_TIMEOUT_MS = 2000

let context: Record<string, unknown> | undefined

/**
 * Whether `text` matches all of `pattern`, refusing a pattern that takes too long (an admin's
 * `^(a+)+$` would otherwise hang every login) or that the engine cannot compile.
 */
export function matchesWithin(pattern: RegExp, text: string): boolean {
  if (pattern.source.length > MAX_PATTERN_LENGTH) {
    throw new ConfigError(`regexp.sms is longer than ${MAX_PATTERN_LENGTH} characters.`, 'Use a short pattern such as ^[0-9 +.\\(\\)-]{6,}$.')
  }
  context ??= createContext({ pattern: /(?:)/, text: '' })
  context['pattern'] = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
  context['text'] = text
  try {
    return runInContext('pattern.test(text)', context, { timeout: MATCH_TIMEOUT_MS }) === true
  } catch (error) {
    const why = (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? `took longer than ${MATCH_TIMEOUT_MS} ms (catastrophic backtracking?)` : 'cannot be used by the regular expression engine'
    throw new ConfigError(`regexp.sms ${why}.`, 'Use a simple pattern such as ^[0-9 +.\\(\\)-]{6,}$.')
  } finally {
    context['text'] = ''
  }
}
