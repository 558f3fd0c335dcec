import { REDACTED } from './redact.js'
import { hideCredentials } from './shown-value.js'

/** smskannel.store names an SQLite file or, for a cluster, a PostgreSQL database by URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

/**
 * How a store is named in messages and `config`: a URL's password (user:password@ or
 * ?password=) never appears; a URL that does not parse is not shown past its scheme.
 */
export function shownStoreLocation(location: string): string {
  // Not a PostgreSQL URL: an SQLite path, which may still be a URL with a password pasted by mistake.
  if (!isPostgresUrl(location)) return hideCredentials(location)
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
  // Any URL: one of another database pasted by mistake is named in the error that refuses it.
  if (!location || !/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return []
  try {
    const url = new URL(location)
    return [decodeURIComponent(url.password), url.searchParams.get('password') ?? ''].filter(Boolean)
  } catch {
    return []
  }
}
