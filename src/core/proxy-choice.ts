/**
 * Which proxy a request to `target` goes through, as curl decides: an explicit proxy wins;
 * otherwise HTTPS_PROXY for https and HTTP_PROXY for http targets (either case), unless
 * NO_PROXY names the host, a parent domain (`.example.com` or `example.com`), host:port, or `*`.
 * @example chooseProxy(new URL('http://kannel:13013'), undefined, { HTTP_PROXY: 'http://proxy:3128' })
 */
export function chooseProxy(target: URL, explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): URL | undefined {
  if (explicit) return new URL(explicit)
  const pick = (...names: string[]) => names.map((name) => env[name]).find((value) => value !== undefined && value.trim() !== '')
  const configured = target.protocol === 'https:' ? pick('https_proxy', 'HTTPS_PROXY') : pick('http_proxy', 'HTTP_PROXY')
  if (!configured) return undefined
  if (bypassesProxy(target, pick('no_proxy', 'NO_PROXY') ?? '')) return undefined
  try {
    return new URL(configured.includes('://') ? configured : `http://${configured}`)
  } catch {
    return undefined
  }
}

function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  return noProxy
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .some((entry) => {
      if (entry === '*') return true
      const [entryHost, entryPort] = splitHostPort(entry.toLowerCase())
      if (entryPort && entryPort !== port) return false
      const domain = entryHost.replace(/^\*?\./, '')
      return host === domain || host.endsWith(`.${domain}`)
    })
}

/** `[::1]:80`, `host:80`, `::1` (a bare IPv6 address has no port), `host`. */
function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return [bracketed[1]!, bracketed[2]]
  const parts = entry.split(':')
  return parts.length === 2 && /^\d+$/.test(parts[1]!) ? [parts[0]!, parts[1]] : [entry, undefined]
}
