import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { GOLDEN_CASES, parseFixture } from '../golden.js'
import { DLR_EVENT_SCHEMA } from '../../src/core/dlr.js'

const schema = JSON.parse(readFileSync(new URL('../../docs/dlr-event.schema.json', import.meta.url), 'utf8'))

describe('docs/dlr-event.schema.json', () => {
  const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schema)

  it('names the version the code writes', () => {
    expect(schema.properties.schema.const).toBe(DLR_EVENT_SCHEMA)
  })

  it.each(GOLDEN_CASES)('accepts every event parsed from $fixture', ({ fixture, names }) => {
    const events = parseFixture(fixture, names).flatMap((parsed) => (parsed.kind === 'event' ? [parsed.event] : []))
    expect(events.length).toBeGreaterThan(0)
    for (const event of events) expect(validate(event) ? [] : validate.errors).toEqual([])
  })

  it('refuses a record with a field it does not know', () => {
    const [first] = parseFixture('kannel-access-log.txt', GOLDEN_CASES[1]!.names).flatMap((parsed) => (parsed.kind === 'event' ? [parsed.event] : []))
    expect(validate({ ...first, extra: 1 })).toBe(false)
  })
})
