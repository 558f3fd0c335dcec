import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { expect, it } from 'vitest'
import { startServe } from '../helpers/serve-process.js'
import { openStore } from '../../src/shell/store.js'

it.each(['full', 'normal'])('killed with SIGKILL under a stream of callbacks, serve (durability %s) has stored every callback it answered 200', async (durability) => {
  const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-serve-crash-')), 'events.db')
  const serve = await startServe(['--store', store, '--durability', durability])
  const agent = new Agent({ connections: 32 })
  const acknowledged: string[] = []
  let failed = 0
  let next = 0
  let stop = false
  // 32 clients sending distinct callbacks back to back, until the server is gone.
  const client = async () => {
    while (!stop) {
      const messageId = `load-${next++}`
      try {
        const response = await request(`${serve.base}/smsKannelfeedback?seq=1&msgid=${messageId}&dlr=1&time=1795858642`, { dispatcher: agent })
        const body = await response.body.text()
        if (response.statusCode === 200 && body === 'OK\n') acknowledged.push(messageId)
      } catch {
        failed += 1
        if (serve.child.exitCode !== null || serve.child.signalCode !== null) return
      }
    }
  }
  const clients = Array.from({ length: 32 }, client)
  await new Promise((resolve) => setTimeout(resolve, 800 + Math.random() * 700))
  serve.child.kill('SIGKILL')
  expect(await serve.exited).toBe('SIGKILL')
  stop = true
  await Promise.all(clients)
  await agent.destroy()

  expect(acknowledged.length, 'callbacks answered 200 before the kill').toBeGreaterThan(200)
  const reopened = await openStore(store)
  try {
    const missing = acknowledged.filter((messageId) => reopened.find(messageId).events.length !== 1)
    expect(missing).toEqual([])
  } finally {
    reopened.close()
  }
}, 30_000)
