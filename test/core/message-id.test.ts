import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { uuidV7 } from '../../src/core/message-id.js'

describe('uuidV7', () => {
  it('writes the RFC 9562 layout: timestamp first, version 7, variant 10', () => {
    const id = uuidV7(0x0193_6e2a_1b2c, new Uint8Array(10).fill(0xff))
    expect(id).toBe('01936e2a-1b2c-7fff-bfff-ffffffffffff')
  })

  it('sorts as text in the order of its timestamps, whatever the random bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.uint8Array({ minLength: 10, maxLength: 10 }), (ms, a, b) => {
        const earlier = uuidV7(ms, a)
        const later = uuidV7(ms + 1, b)
        expect(earlier < later).toBe(true)
        expect(earlier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      }),
    )
  })

  it('refuses a time it cannot encode', () => {
    expect(() => uuidV7(-1, new Uint8Array(10))).toThrow(RangeError)
    expect(() => uuidV7(2 ** 48, new Uint8Array(10))).toThrow(RangeError)
  })
})
