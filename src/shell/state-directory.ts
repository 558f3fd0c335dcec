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

/** A database's files on a node, named by host, port and database, never the password: HOST-PORT-DB. */
export function databaseFileStem(url: string): string {
  let name: string
  try {
    const parsed = new URL(url)
    name = `${parsed.hostname || 'localhost'}-${parsed.port || '5432'}-${decodeURIComponent(parsed.pathname.slice(1)) || 'default'}`
  } catch {
    name = 'unparsable-url'
  }
  return name.replace(/[^A-Za-z0-9._-]/g, '_')
}
