import { REDACTED } from './redact.js'

/** smskannel.store names an SQLite file or, for a cluster, a PostgreSQL database by URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

/**
 * How a store is named in messages and `config`: a URL's password (user:password@ or
 * ?password=) never appears; a URL that does not parse is not shown past its scheme.
 */
export function shownStoreLocation(location: string): string {
  if (!isPostgresUrl(location)) return location
  try {
    const url = new URL(location)
    if (url.password) url.password = REDACTED
    if (url.searchParams.has('password')) url.searchParams.set('password', REDACTED)
    return url.href.replace(encodeURIComponent(REDACTED), REDACTED)
  } catch {
    return `${location.slice(0, location.indexOf('://') + 3)}${REDACTED}`
  }
}

/** The URL's passwords, decoded, for the output filter (it hides every form of them). */
export function storeUrlPasswords(location: string | undefined): string[] {
  if (!location || !isPostgresUrl(location)) return []
  try {
    const url = new URL(location)
    return [decodeURIComponent(url.password), url.searchParams.get('password') ?? ''].filter(Boolean)
  } catch {
    return []
  }
}
