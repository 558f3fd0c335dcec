import { replaceControlCharacters } from './control-chars.js'

/** Values end up in one-line messages; keep them short, printable and on one line. */
export function truncateForMessage(text: string, maxLength = 80): string {
  const oneLine = replaceControlCharacters(text)
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength)}…` : oneLine
}

export const REDACTED = '********'
/** A secret this short cannot be hidden without mangling every word, and protects nothing. */
export const MIN_REDACTED_LENGTH = 3

/** Longer secrets (a megabyte of junk in SMSKANNEL_PASSWORD) are hidden as written and URL-encoded only. */
const MAX_ESCAPED_LENGTH = 1024

/** How a secret travels in a URL: %20 (encodeURIComponent) and + (forms) for a space, any hex case. */
function urlForms(secret: string): string[] {
  const percent = encodeURIComponent(secret)
  const form = new URLSearchParams({ s: secret }).toString().slice(2)
  const everything = [...new TextEncoder().encode(secret)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
  const forms = [percent, form, form.replaceAll('+', '%20'), percent.replaceAll('%20', '+'), everything]
  return forms.flatMap((encoded) => [encoded, encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()), encoded.replace(/%[0-9a-f]{2}/g, (hex) => hex.toUpperCase())])
}

/** As a JSON string's inside: JavaScript's escaping, and the \/ and \uXXXX of other encoders (PHP, Python). */
function jsonForms(text: string): string[] {
  const plain = JSON.stringify(text).slice(1, -1)
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return [plain, ascii, plain.replaceAll('/', '\\/'), ascii.replaceAll('/', '\\/')]
}

/** As HTML text or attribute: named and numeric entities for the characters that need one. */
function htmlForms(text: string): string[] {
  const named = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  const forms = [
    named.replaceAll('"', '&quot;').replaceAll("'", '&#39;'),
    named.replaceAll('"', '&#34;').replaceAll("'", '&#x27;'),
    named.replaceAll('"', '&quot;').replaceAll("'", '&apos;'),
    named,
  ]
  if (!/[^\x00-\x7f]/.test(text)) return forms
  // Non-ASCII as character references, as HTML or XML written in ASCII has it (Python's xmlcharrefreplace).
  const references = [(code: number) => `&#${code};`, (code: number) => `&#x${code.toString(16)};`, (code: number) => `&#x${code.toString(16).toUpperCase()};`]
  return [...forms, ...references.flatMap((reference) => [forms[0]!, named].map((form) => form.replace(/[^\x00-\x7f]/gu, (c) => reference(c.codePointAt(0)!))))]
}

/**
 * A non-ASCII secret's UTF-8 bytes read one byte per character ("GrÃ¼Ãe"), as servers that
 * take header or query bytes for Latin-1 (Node, Python, Java) or Windows-1252 (PHP) echo it.
 */
function mojibakeForms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret)
  return bytes.length === secret.length ? [] : readAsSingleBytes(bytes)
}

/** Bytes read one per character, as Latin-1 and as Windows-1252: how servers misread bytes sent in another charset. */
export function readAsSingleBytes(bytes: Uint8Array): string[] {
  return [[...bytes].map((byte) => String.fromCharCode(byte)).join(''), decodeWindows1252(bytes)]
}

/** Windows-1252, which Node 20's TextDecoder('windows-1252') gets wrong at 0x80–0x9F. */
export function decodeWindows1252(bytes: Uint8Array): string {
  return [...bytes].map((byte) => (byte >= 0x80 && byte < 0xa0 ? WINDOWS_1252_80_9F[byte - 0x80]! : String.fromCharCode(byte))).join('')
}

/** Where Windows-1252 differs from Latin-1; Node 20's TextDecoder('windows-1252') decodes these as Latin-1. */
const WINDOWS_1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'

/**
 * Every way a secret can be written in our output or echoed back by a server: as is,
 * URL-encoded (also twice), JSON-escaped and HTML-escaped, and the escaped forms of the
 * encoded ones; the same for a non-ASCII secret's UTF-8 bytes misread as Latin-1 or Windows-1252.
 * Longest first, so a secret that contains another is replaced whole.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (secret.length < MIN_REDACTED_LENGTH) continue
    if (secret.length > MAX_ESCAPED_LENGTH) {
      // No password is this long; its every escaped form would cost megabytes per line.
      for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) forms.add(form)
      continue
    }
    for (const read of [secret, ...mojibakeForms(secret)]) {
      const encoded = urlForms(read)
      for (const base of [read, ...encoded]) {
        for (const form of [base, ...jsonForms(base), ...htmlForms(base)]) forms.add(form)
        // Escaped twice: a JSON reply quoted inside our own JSON, or shown in an HTML page.
        for (const json of jsonForms(base)) for (const form of [...jsonForms(json), ...htmlForms(json)]) forms.add(form)
      }
      // URL-encoded twice: the request URL quoted in a link (a login redirect's next=); nothing in it needs escaping.
      for (const form of encoded) forms.add(encodeURIComponent(form))
    }
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
