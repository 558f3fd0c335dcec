/** What is wrong with one smskannel.gwurl entry, and the value to write instead. */
export interface GatewayUrlProblem {
  problem: string
  writeInstead: string
}

/**
 * The base URL requests are built on: a bare `?` or `#` at the end is dropped, and a path
 * that already ends in the sendsms path (`…/cgi-bin/sendsms`, as the VISULOX wiki writes it)
 * is not doubled. A real query or fragment cannot be used: sms-kannel writes the query
 * itself, and no request carries a fragment. The query is never repeated (it may hold a
 * password).
 * @example gatewayBaseUrl(new URL('http://k:13013/cgi-bin/sendsms?'), '/cgi-bin/sendsms') === 'http://k:13013'
 */
export function gatewayBaseUrl(url: URL, sendPath: string): string | GatewayUrlProblem {
  const path = url.pathname.replace(/\/+$/, '')
  const base = url.origin + (path.endsWith(sendPath) ? path.slice(0, -sendPath.length) : path)
  const written = `${base}${sendPath}`
  if (url.search !== '') {
    return { problem: 'has a query (?…), which sms-kannel writes itself from smskannel.user, smskannel.password and the message', writeInstead: written }
  }
  if (url.hash !== '') return { problem: 'has a #fragment, which no HTTP request carries', writeInstead: written }
  return base
}
