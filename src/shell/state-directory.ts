import { join } from 'node:path'

/**
 * The user's state directory for sms-kannel (XDG: `$XDG_STATE_HOME`, absolute, else
 * `~/.local/state`), where what has no store file to sit beside is kept; undefined without HOME.
 */
export function userStateDirectory(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const stateHome = env['XDG_STATE_HOME']
  if (stateHome?.startsWith('/')) return join(stateHome, 'sms-kannel')
  return env['HOME'] ? join(env['HOME'], '.local', 'state', 'sms-kannel') : undefined
}
