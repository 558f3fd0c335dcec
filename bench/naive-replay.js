// The naive baseline the feedback issue names: readline + URLSearchParams + JSON.stringify,
// no store and no deduplication; the JSON goes nowhere.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

let lines = 0
let bytes = 0
for await (const line of createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })) {
  lines += 1
  const question = line.indexOf('?')
  const query = question === -1 ? line : line.slice(question + 1).split(' ')[0]
  bytes += JSON.stringify({ line: lines, params: Object.fromEntries(new URLSearchParams(query)) }).length
}
process.stdout.write(`${JSON.stringify({ lines, bytes })}\n`)
