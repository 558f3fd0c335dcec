import { mkdtempSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callbackToken } from '../src/core/callback-token.js'
import { startServe, type ServeProcess } from './helpers/serve-process.js'

const SECRET = 'metrics-test-shared-secret-0123'

function signed(messageId: string, sequence: string, dlr: number): string {
  return `/smsKannelfeedback?seq=${sequence}&msgid=${messageId}&dlr=${dlr}&reply=&time=1795858642&token=${callbackToken(SECRET, messageId, sequence)}`
}

/** A GET with headers fetch would not send as they are. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(`${base}${path}`, { headers }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    sent.on('error', reject)
    sent.end()
  })
}

/** `name{labels} value` lines of the exposition, by name and labels. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (match) values.set(match[1]!, Number(match[2]))
  }
  return values
}

describe('serve GET /metrics (Prometheus text format)', () => {
  let serve: ServeProcess
  beforeAll(async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'sms-kannel-metrics-')), 'events.db')
    serve = await startServe(['--store', store], { SMSKANNEL_SECRET: SECRET })
  })
  afterAll(async () => {
    serve?.child.kill('SIGTERM')
    await serve?.exited
  })

  it('counts callbacks by DLR type and result, refusals by reason, and times journal and store writes', async () => {
    const before = samples(await (await fetch(`${serve.base}/metrics`)).text())
    expect(before.get('sms_kannel_callbacks_refused_total{reason="forged"}')).toBe(0)
    for (const type of ['delivered', 'undelivered', 'buffered', 'accepted', 'rejected']) expect(before.get(`sms_kannel_callbacks_total{type="${type}",result="new"}`)).toBe(0)
    // No report in the store yet: the age counts from serve's start.
    expect(before.get('sms_kannel_last_report_age_seconds')).toBeLessThan(30)

    const statuses = [
      (await fetch(`${serve.base}${signed('m-1', '1', 8)}`)).status,
      (await fetch(`${serve.base}${signed('m-1', '1', 1)}`)).status,
      (await fetch(`${serve.base}${signed('m-1', '1', 1)}`)).status,
      (await fetch(`${serve.base}${signed('m-2', '2', 16)}`)).status,
      (await fetch(`${serve.base}/smsKannelfeedback?seq=3&msgid=m-3&dlr=1`)).status,
      (await fetch(`${serve.base}/smsKannelfeedback?seq=3&msgid=m-3`)).status,
      (await fetch(`${serve.base}/smsKannelfeedback?${'x'.repeat(9000)}`)).status,
      (await fetch(`${serve.base}/smsKannelfeedback`, { method: 'POST', body: 'x' })).status,
      await rawGet(serve.base, '/smsKannelfeedback', { 'x-padding': 'y'.repeat(20_000) }),
    ]
    expect(statuses).toEqual([200, 200, 200, 200, 403, 400, 414, 405, 431])

    const response = await fetch(`${serve.base}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    expect(text).toContain('# TYPE sms_kannel_callbacks_total counter')
    expect(text).toContain('# TYPE sms_kannel_journal_write_seconds histogram')
    const after = samples(text)
    expect(after.get('sms_kannel_callbacks_total{type="accepted",result="new"}')).toBe(1)
    expect(after.get('sms_kannel_callbacks_total{type="delivered",result="new"}')).toBe(1)
    expect(after.get('sms_kannel_callbacks_total{type="delivered",result="duplicate"}')).toBe(1)
    expect(after.get('sms_kannel_callbacks_total{type="rejected",result="new"}')).toBe(1)
    expect(after.get('sms_kannel_callbacks_refused_total{reason="forged"}')).toBe(1)
    expect(after.get('sms_kannel_callbacks_refused_total{reason="bad"}')).toBe(2)
    expect(after.get('sms_kannel_callbacks_refused_total{reason="too_large"}')).toBe(2)
    // Each callback here came alone, so each was a group of its own.
    expect(after.get('sms_kannel_journal_write_seconds_count')).toBe(4)
    expect(after.get('sms_kannel_store_write_seconds_count')).toBe(4)
    expect(after.get('sms_kannel_journal_pending_bytes')).toBeGreaterThan(4 * 100)
    expect(after.get('sms_kannel_last_report_age_seconds')).toBeGreaterThanOrEqual(0)
    expect(after.get('sms_kannel_last_report_age_seconds')).toBeLessThan(30)
    expect(after.get('sms_kannel_process_resident_memory_bytes')).toBeGreaterThan(0)
    // The token and the secret never show.
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(callbackToken(SECRET, 'm-1', '1'))
    expect(text).not.toContain('m-1')
  })

  it('follows the rest of serve: GET and HEAD only, no body', async () => {
    expect((await fetch(`${serve.base}/metrics`, { method: 'HEAD' })).status).toBe(200)
    expect((await fetch(`${serve.base}/metrics`, { method: 'DELETE' })).status).toBe(405)
    expect((await fetch(`${serve.base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405)
  })
})
