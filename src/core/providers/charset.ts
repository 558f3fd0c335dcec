import { readAsSingleBytes } from '../redact.js'
import { encodeLatin9 } from './sms4de-text.js'

export const CHARSETS = ['utf-8', 'iso-8859-1', 'iso-8859-15'] as const
export type Charset = (typeof CHARSETS)[number]

/** The text's bytes in the charset, or undefined when a character has no byte there (never `?`). */
export function encodeInCharset(text: string, charset: Charset): Uint8Array | undefined {
  if (charset === 'utf-8') return new TextEncoder().encode(text)
  if (charset === 'iso-8859-15') return encodeLatin9(text)
  const bytes: number[] = []
  for (const character of text) {
    const code = character.codePointAt(0)!
    if (code > 0xff) return undefined
    bytes.push(code)
  }
  return Uint8Array.from(bytes)
}

/** Characters without a byte in the charset, first few, for the message that refuses the text. */
export function charactersOutside(text: string, charset: Charset): string[] {
  return [...new Set([...text].filter((character) => encodeInCharset(character, charset) === undefined))].slice(0, 5)
}

/**
 * How a server that misreads bytes sent in a charset echoes them: as Latin-1 or Windows-1252
 * (Node, Python, Java, PHP) and as UTF-8 (U+FFFD where they are not UTF-8).
 */
export function misreadings(bytes: Uint8Array): string[] {
  return [...readAsSingleBytes(bytes), new TextDecoder().decode(bytes)]
}
