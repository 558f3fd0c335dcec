import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../src/core/errors.js'
import { runCli } from './helpers/run-cli.js'

/** Settings pasted from elsewhere, sent to a gateway that records what it got: the credentials as the gateway sees them. */
const visulox = { VLXSMS: '+49 170 1234567', VLXPIN_TEXT: 'PIN 1234' }
let server: Server
let gatewayUrl: string
const received: IncomingHttpHeaders[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(request.headers)
    request.resume().on('end', () => response.writeHead(202, { server: 'Kannel/1.4.5' }).end('0: Accepted for delivery'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function configFile(content: string | Buffer, name = 'sms.conf'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-paste-'))
  writeFileSync(join(dir, name), content, { mode: 0o600 })
  return join(dir, name)
}

/** Sends with the file as SMSKANNEL_CONFIG; the header bytes are read back as UTF-8, as Kannel compares them. */
async function send(path: string, env: Record<string, string> = {}) {
  const before = received.length
  const run = await runCli([], { SMSKANNEL_CONFIG: path, ...visulox, ...env })
  const headers = received.slice(before).at(-1)
  const utf8 = (name: string) => (headers?.[name] === undefined ? undefined : Buffer.from(String(headers[name]), 'latin1').toString('utf8'))
  return { ...run, password: utf8('x-kannel-password'), sender: utf8('x-kannel-from') }
}

describe('a config file that is not UTF-8', () => {
  it('is read as Windows-1252, with a warning naming the file: the password and sender arrive as written', async () => {
    // grün, Müller and a euro sign (0x80, where Windows-1252 and Latin-1 differ), as a German Windows editor saves them.
    const path = configFile(Buffer.from(`smskannel.gwurl = ${gatewayUrl}\nsmskannel.user = visulox\nsmskannel.password = gr\xfcn\x80\nsmskannel.sender = M\xfcller\n`, 'latin1'))
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('grün€')
    expect(run.sender).toBe('Müller')
    expect(run.stderr).toContain(`warning: The config file ${path} is not UTF-8 (line 3 first); read it as Windows-1252: save it as UTF-8.`)
    expect(run.stderr).not.toContain('grün')
    expect(run.stderr.match(/not UTF-8/g)).toHaveLength(1)
  })

  it('the same for a password file and a .env file', async () => {
    const passwordFile = configFile(Buffer.from('gr\xfcn\n', 'latin1'), 'pw')
    const path = configFile(`smskannel.gwurl = ${gatewayUrl}\nsmskannel.user = visulox\nsmskannel.passwordfile = ${passwordFile}\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('grün')
    expect(run.stderr).toContain(`warning: The password file ${passwordFile} is not UTF-8 (line 1 first); read it as Windows-1252: save it as UTF-8.`)

    const envFile = configFile(Buffer.from('SMSKANNEL_PASSWORD=gr\xfcn\n', 'latin1'), '.env')
    const viaEnv = await runCli(['--env-file', envFile], { SMSKANNEL_GWURL: gatewayUrl, SMSKANNEL_USER: 'visulox', ...visulox })
    expect(viaEnv.code).toBe(EXIT.ok)
    expect(Buffer.from(String(received.at(-1)?.['x-kannel-password']), 'latin1').toString('utf8')).toBe('grün')
    expect(viaEnv.stderr).toContain(`warning: The .env file ${envFile} is not UTF-8 (line 1 first); read it as Windows-1252: save it as UTF-8.`)
  })

  it('a UTF-16 file (Notepad "Unicode") is read as UTF-16, with a warning that says so', async () => {
    const text = `smskannel.gwurl = ${gatewayUrl}\r\nsmskannel.user = visulox\r\nsmskannel.password = grün\r\n`
    const little = configFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))
    const run = await send(little)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('grün')
    expect(run.stderr).toContain(`warning: The config file ${little} is UTF-16; read it as such: save it as UTF-8.`)

    const big = configFile(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]))
    const bigRun = await send(big)
    expect(bigRun.code).toBe(EXIT.ok)
    expect(bigRun.password).toBe('grün')
  })

  it('a UTF-8 file with a BOM gets no warning', async () => {
    const path = configFile(`\ufeffsmskannel.gwurl = ${gatewayUrl}\nsmskannel.user = visulox\nsmskannel.password = grün\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('grün')
    expect(run.stderr).not.toContain('UTF')
  })
})

describe('the two-column table, pasted', () => {
  it.each([':secret', '=secret='])('keeps a password that starts with its separator whole (%s)', async (password) => {
    const path = configFile(`smskannel.gwurl        ${gatewayUrl}\nsmskannel.user         visulox\nsmskannel.password     ${password}\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe(password)
  })

  it('key = value lines, aligned or not, still lose their separator', async () => {
    const path = configFile(`smskannel.gwurl    = ${gatewayUrl}\nsmskannel.user     =visulox\nsmskannel.password : secret\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('secret')
    expect(run.stderr).toBe('')
  })
})

describe('a key set twice in one file', () => {
  it('warns naming both lines, never the values, and uses the later one', async () => {
    const path = configFile(`smskannel.gwurl = ${gatewayUrl}\nsmskannel.user = visulox\nsmskannel.password = first-pw\nsmskannel.password = second-pw\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('second-pw')
    expect(run.stderr).toContain(`warning: ${path}:4: smskannel.password set again (first at ${path}:3); the later value is used`)
    expect(run.stderr).not.toMatch(/first-pw|second-pw/)
  })
})

describe('a key = value cut at " #"', () => {
  it('a password cut at a comment is a warning naming the key, without the value', async () => {
    const path = configFile(`smskannel.gwurl = ${gatewayUrl}  # the smsbox\nsmskannel.user = visulox\nsmskannel.password = ab #cd\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('ab')
    expect(run.stderr).toBe(`warning: ${path}:3: smskannel.password is cut at ' #', which starts a comment; quote the value: smskannel.password = "..."\n`)
  })

  it('a regexp.sms that the cut leaves invalid says why before the error', async () => {
    const path = configFile(`smskannel.gwurl = ${gatewayUrl}\nsmskannel.user = visulox\nsmskannel.password = pw\nregexp.sms = ^[0-9 #+]{6,}$\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.config)
    expect(run.stderr).toContain(`warning: ${path}:4: regexp.sms is cut at ' #', which starts a comment; quote the value: regexp.sms = "..."`)
    expect(run.stderr).toContain('is not a valid regular expression')
  })

  it('a quote that is never closed is a warning; a commented valid pattern is not', async () => {
    const path = configFile(`smskannel.gwurl = ${gatewayUrl}\nsmskannel.user = visulox\nsmskannel.password = "abcd\nregexp.sms = ^[0-9 +]{6,}$ # digits\n`)
    const run = await send(path)
    expect(run.code).toBe(EXIT.ok)
    expect(run.password).toBe('"abcd')
    expect(run.stderr).toBe(`warning: ${path}:3: smskannel.password starts with a quote that is never closed, so the quote is part of the value\n`)
  })
})
