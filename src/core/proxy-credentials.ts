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
  return `Basic ${base64Utf8(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`)}`
}

/**
 * What a proxy's error page can quote of its credentials: the password, and the Basic token
 * exactly as sent (the password is readable in it), for the output filter.
 */
export function proxySecrets(proxy: URL | undefined): string[] {
  const authorization = proxy && proxyAuthorization(proxy)
  if (!authorization) return []
  const password = decodeURIComponent(proxy.password)
  return [authorization.slice('Basic '.length), ...(password ? [password] : [])]
}
