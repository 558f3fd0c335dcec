import { createServer, type AddressInfo } from 'node:net'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

describe('where serve listens', () => {
  it.each([
    { name: 'a feedback URL without a port', url: 'http://vlx.example/smsKannelfeedback' },
    { name: 'a feedback URL on https without a port', url: 'https://vlx.example/smsKannelfeedback' },
    { name: 'a feedback URL with the default port written out', url: 'http://vlx.example:80/smsKannelfeedback' },
  ])('$name and no smskannel.listen: exit 78 naming smskannel.listen, nothing created', async ({ url }) => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-listen-'))
    const run = await runCli(['serve', '--store', join(dir, 'events.db')], { SMSKANNEL_FEEDBACKURL: url })
    expect(run.code).toBe(78)
    expect(run.stderr).toContain('error: smskannel.feedbackurl names no port')
    expect(run.stderr).toContain('hint: Set smskannel.listen (--listen HOST:PORT)')
    expect(readdirSync(dir)).toEqual([])
  })

  it('a port in use: exit 78, and no empty journal segment or lock left behind', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as AddressInfo).port
    const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-listen-'))
    try {
      const run = await runCli(['serve', '--store', join(dir, 'events.db'), '--listen', `127.0.0.1:${port}`])
      expect(run.code).toBe(78)
      expect(run.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use`)
      expect(readdirSync(dir).filter((name) => name.includes('.journal'))).toEqual([])
    } finally {
      blocker.close()
    }
  })
})
