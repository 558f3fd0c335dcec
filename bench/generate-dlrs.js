// Writes a deterministic mixed DLR file like the ones cron replays: bare query strings,
// access-log lines, URLs, Kannel's repeated callbacks, other requests and broken lines.
import { createWriteStream } from 'node:fs'

/** Shaped like send's message ids, UUID v7: the millisecond time first, so later sends sort later. */
function messageId(epoch, message) {
  const ms = (epoch * 1000 + (message % 1000)).toString(16).padStart(12, '0')
  const tail = message.toString(16).padStart(12, '0')
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7000-8000-${tail}`
}

/** Another template's ids: no time in them, so their event keys arrive in no order. */
function hashedId(message) {
  let h = (message + 1) * 2654435761
  const part = () => ((h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0).toString(16).padStart(8, '0'))
  return `${part()}${part()}${part()}${part()}`
}

/** `keys: 'hashed'`: message ids of another kind than send's, so event keys do not arrive in order. */
export async function generateDlrFile(path, lines, { keys = 'ordered' } = {}) {
  const idOf = keys === 'hashed' ? (_epoch, message) => hashedId(message) : messageId
  const out = createWriteStream(path)
  let chunk = []
  let recent = []
  for (let i = 0; i < lines; i++) {
    const message = i >> 1
    const epoch = 1795858642 + Math.floor(i / 50)
    const query = `seq=${message % 100000}&msgid=${idOf(epoch, message)}&dlr=${i % 2 === 0 ? 8 : 1}&reply=${i % 2 === 0 ? 'ACK%2F' : ''}&smscmsgid=${i % 2 === 0 ? '' : `f${message}`}&recipient=%2B4917${String(message % 10_000_000).padStart(7, '0')}&sender=VISULOX&time=${epoch}&smsc=smsc1`
    const kind = i % 20
    let line
    if (kind < 8) line = query
    else if (kind < 14) {
      const at = new Date(epoch * 1000)
      const stamp = `${String(at.getUTCDate()).padStart(2, '0')}/Nov/2026:${at.toISOString().slice(11, 19)} +0000`
      line = `127.0.0.1 - - [${stamp}] "GET /smsKannelfeedback?${query} HTTP/1.1" 200 3 "-" "Kannel/1.4.5"`
    } else if (kind < 16) line = `http://vlx.example.com:8080/smsKannelfeedback?${query}`
    else if (kind < 18) line = recent[(i * 7) % Math.max(1, recent.length)] ?? query // Kannel's retries
    else if (kind === 18) line = '10.1.2.3 - - [28/Nov/2026:09:00:00 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "monitor"'
    else line = `not a dlr ${i} %zz&&==`
    if (kind < 16) {
      recent.push(line)
      if (recent.length > 64) recent = recent.slice(-32)
    }
    chunk.push(line)
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise((resolve) => out.once('drain', resolve))
      chunk = []
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`)
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())))
}
