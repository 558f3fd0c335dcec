/** Base64 of the UTF-8 bytes, as Node's Buffer writes it, without Buffer (core stays portable). */
function base64Utf8(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
}

/**
 * The Proxy-Authorization header for a proxy URL's user:password@ (percent-escapes undone),
 * or undefined when it has none.
 * @example proxyAuthorization(new URL('http://u:p%21@proxy:3128')) === 'Basic dTpwIQ=='
 */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined
  return `Basic ${base64Utf8(`${decodeUserinfo(proxy.username)}:${decodeUserinfo(proxy.password)}`)}`
}

/** Percent-escapes undone; what is no escape (`p%zz`) or no whole UTF-8 character (`%C3`) is kept as written. */
function decodeUserinfo(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run.replace(/%[0-7][0-9a-f]/gi, (escape) => String.fromCharCode(Number.parseInt(escape.slice(1), 16)))
    }
  })
}

/**
 * What a proxy's error page can quote of its credentials: the password, and the Basic token
 * exactly as sent (the password is readable in it), for the output filter.
 */
export function proxySecrets(proxy: URL | undefined): string[] {
  const authorization = proxy && proxyAuthorization(proxy)
  if (!authorization) return []
  const password = decodeUserinfo(proxy.password)
  return [authorization.slice('Basic '.length), ...(password ? [password] : [])]
}

/** smskannel.proxy's password as sent (escapes undone as proxyAuthorization does), for the output filter. */
export function proxyPassword(proxy: string | undefined): string | undefined {
  if (!proxy || !URL.canParse(proxy)) return undefined
  return decodeUserinfo(new URL(proxy).password) || undefined
}
