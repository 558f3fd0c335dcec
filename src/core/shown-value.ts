import { REDACTED } from './redact.js'

/** A query parameter whose name says it holds a credential (password=, apikey=, auth_token=, ...). */
const CREDENTIAL_PARAMETER = /([?&;][a-z0-9_.-]*(?:pass|pwd|secret|token|key|auth|signature)[a-z0-9_.-]*=)([^&#\s"]*)/gi

/**
 * A setting's value as a message shows it: a URL's user:password@ (with or without a scheme,
 * as typed) and credential parameters hidden. A value that is wrong is often a URL pasted whole.
 */
export function hideCredentials(value: string): string {
  return value.replace(/(^|\/\/)([^/:@\s]*):[^/@\s]*@/, `$1$2:${REDACTED}@`).replace(CREDENTIAL_PARAMETER, (whole, name: string, given: string) => (given === '' || given === '…' ? whole : `${name}${REDACTED}`))
}
