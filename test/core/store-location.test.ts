import { describe, expect, it } from 'vitest'
import { isPostgresUrl, shownStoreLocation, storeUrlPasswords } from '../../src/core/store-location.js'

describe('store locations', () => {
  it.each([
    ['/var/lib/sms-kannel/events.db', false, '/var/lib/sms-kannel/events.db', []],
    ['postgres://sms@db.example:5432/sms', true, 'postgres://sms@db.example:5432/sms', []],
    ['postgresql://sms:s%40cret@db/sms?sslmode=verify-full', true, 'postgresql://sms:********@db/sms?sslmode=verify-full', ['s@cret']],
    ['POSTGRES://sms:pw@db/sms', true, 'postgres://sms:********@db/sms', ['pw']],
    ['postgres://db/sms?user=sms&password=Query-pw', true, 'postgres://db/sms?user=sms&password=********', ['Query-pw']],
    ['postgres://sms:raw@at@db/sms', true, 'postgres://sms:********@db/sms', ['raw@at']],
    ['postgres://sms:pw@[::1/sms', true, 'postgres://********', []],
  ])('%s', (location, postgres, shown, passwords) => {
    expect(isPostgresUrl(location)).toBe(postgres)
    expect(shownStoreLocation(location)).toBe(shown)
    expect(storeUrlPasswords(location)).toEqual(passwords)
    for (const password of passwords) expect(shownStoreLocation(location)).not.toContain(password)
  })
})
