// The SMSC reply parser as it was before the tolerant rewrite (src/core/dlr.ts at commit
// fcc576929609175a6351365a24d31c0622b2e313), frozen here as the baseline bench/smsc-reply.js
// times the current parser against. Not used by the CLI; do not edit.

export type BaselineSmscReply =
  | { kind: 'ack'; raw: string; text: string }
  | { kind: 'nack'; raw: string; code: string | null; text: string }
  | {
      kind: 'receipt'
      raw: string
      id: string | null
      sub: string | null
      dlvrd: string | null
      submitDate: string | null
      doneDate: string | null
      stat: string | null
      err: string | null
      text: string | null
    }
  | { kind: 'other'; raw: string }

const RECEIPT_FIELD = /(id|sub|dlvrd|submit date|done date|stat|err|text):/g
const RECEIPT_KEYS: Readonly<Record<string, 'id' | 'sub' | 'dlvrd' | 'submitDate' | 'doneDate' | 'stat' | 'err' | 'text'>> = {
  id: 'id',
  sub: 'sub',
  dlvrd: 'dlvrd',
  'submit date': 'submitDate',
  'done date': 'doneDate',
  stat: 'stat',
  err: 'err',
  text: 'text',
}

/**
 * Kannel's %A: `ACK/<text>`, `NACK/<code>/<text>` (or `NACK/<text>`), or an SMPP receipt
 * `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`.
 */
export function parseSmscReply(raw: string): BaselineSmscReply {
  if (raw.startsWith('ACK/')) return { kind: 'ack', raw, text: raw.slice(4) }
  if (raw.startsWith('NACK/')) {
    const rest = raw.slice(5)
    const coded = /^(\d+)\/(.*)$/s.exec(rest)
    return coded ? { kind: 'nack', raw, code: coded[1]!, text: coded[2]! } : { kind: 'nack', raw, code: null, text: rest }
  }
  if (/^id:/.test(raw) && /\bstat:/.test(raw)) {
    const receipt: Extract<BaselineSmscReply, { kind: 'receipt' }> = {
      kind: 'receipt', raw, id: null, sub: null, dlvrd: null, submitDate: null, doneDate: null, stat: null, err: null, text: null,
    }
    const marks = [...raw.matchAll(RECEIPT_FIELD)].filter((mark) => mark.index === 0 || raw[mark.index - 1] === ' ')
    marks.forEach((mark, index) => {
      const key = RECEIPT_KEYS[mark[1]!]!
      if (receipt[key] !== null) return
      const start = mark.index + mark[0].length
      // text: runs to the end; it may itself contain "x:" words.
      const end = key === 'text' ? raw.length : (marks[index + 1]?.index ?? raw.length)
      receipt[key] = raw.slice(start, end).trim()
    })
    return receipt
  }
  return { kind: 'other', raw }
}
