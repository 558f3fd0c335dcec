import { createContext, runInContext } from 'node:vm'
import { ConfigError } from './errors.js'

/** regexp.sms is a line in a config file; anything longer is not a phone number pattern. */
export const MAX_PATTERN_LENGTH = 1000
/**
 * JavaScript regexps cannot be interrupted; a vm context can. Its limit is wall-clock time,
 * which many logins at once stretch; a sane pattern needs microseconds, a catastrophic one
 * ages, so 2 s tells them apart under any load.
 */
export const MATCH_TIMEOUT_MS = 2000

let context: Record<string, unknown> | undefined

/**
 * Whether `text` matches all of `pattern`, refusing a pattern that takes too long (an admin's
 * `^(a+)+$` would otherwise hang every login) or that the engine cannot compile.
 */
export function matchesWithin(pattern: RegExp, text: string): boolean {
  return runWithin(pattern, text, 'pattern.test(text)', { key: 'regexp.sms', hint: 'Use a simple pattern such as ^[0-9 +.\\(\\)-]{6,}$.' }) === true
}

/**
 * The first match of a configured pattern in `text`, as the whole match and its groups
 * (unmatched groups null), under the same guard; `key` names the setting in errors.
 */
export function execWithin(pattern: RegExp, text: string, key: string): Array<string | null> | null {
  const groups = runWithin(pattern, text, '(m => m && Array.from(m, (group) => group ?? null))(pattern.exec(text))', { key, hint: `Simplify ${key}.` })
  return Array.isArray(groups) ? [...(groups as Array<string | null>)] : null
}

function runWithin(pattern: RegExp, text: string, script: string, setting: { key: string; hint: string }): unknown {
  if (pattern.source.length > MAX_PATTERN_LENGTH) {
    throw new ConfigError(`${setting.key} is longer than ${MAX_PATTERN_LENGTH} characters.`, setting.hint)
  }
  context ??= createContext({ pattern: /(?:)/, text: '' })
  context['pattern'] = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
  context['text'] = text
  try {
    return runInContext(script, context, { timeout: MATCH_TIMEOUT_MS })
  } catch (error) {
    const why = (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? `took longer than ${MATCH_TIMEOUT_MS} ms (catastrophic backtracking?)` : 'cannot be used by the regular expression engine'
    throw new ConfigError(`${setting.key} ${why}.`, setting.hint)
  } finally {
    context['text'] = ''
  }
}
