const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/** Values end up in one-line messages; keep them short, printable and on one line. */
export function truncateForMessage(text: string, maxLength = 80): string {
  const oneLine = text.replace(CONTROL, '?')
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength)}…` : oneLine
}

export const REDACTED = '********'
/** A secret this short cannot be hidden without mangling every word, and protects nothing. */
export const MIN_REDACTED_LENGTH = 3

/**
 * Every way a secret can be written in our output: as is, URL-encoded (a sendsms query) and
 * form-encoded. Longest first, so a secret that contains another is replaced whole.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (secret.length < MIN_REDACTED_LENGTH) continue
    forms.add(secret)
    forms.add(encodeURIComponent(secret))
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2))
  }
  return [...forms].sort((a, b) => b.length - a.length)
}

/** Replaces each form (from secretForms) in text meant for people. */
export function redactForms(text: string, forms: readonly string[]): string {
  let result = text
  for (const form of forms) result = result.split(form).join(REDACTED)
  return result
}

/** Replaces every occurrence of each secret (the Kannel password, the PIN), in any encoding. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return redactForms(text, secretForms(secrets))
}

/** A sendsms URL with its password parameter hidden, for --dry-run and --verbose. */
export function redactUrl(url: string): string {
  const parsed = new URL(url)
  for (const name of ['password', 'pass']) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, REDACTED)
  }
  return parsed.href.replaceAll(encodeURIComponent(REDACTED), REDACTED)
}
