// The naive baseline the serve issue names: node:http appending each callback's URL to a
// file, no fsync, no parsing, no deduplication.
import { createWriteStream } from 'node:fs'
import { createServer } from 'node:http'

const out = createWriteStream(process.argv[2], { flags: 'a' })
const server = createServer((request, response) => {
  out.write(`${request.url}\n`)
  response.writeHead(200, { 'content-length': '3' }).end('OK\n')
})
server.listen(0, '127.0.0.1', () => process.stderr.write(`listening on http://127.0.0.1:${server.address().port}/\n`))
process.on('SIGTERM', () => server.close(() => out.end(() => process.exit(0))))
