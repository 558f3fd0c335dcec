import { expect, it } from 'vitest'
import { connectionLimit, parseOpenFileLimit, readOpenFileLimit } from '../../src/shell/connection-limit.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63704                63704                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`

it('reads the soft open-file limit from /proc/self/limits', () => {
  expect(parseOpenFileLimit(LIMITS)).toBe(1024)
  expect(parseOpenFileLimit(LIMITS.replace('1024 ', 'unlimited'))).toBe(Infinity)
  expect(parseOpenFileLimit('Max processes 10 10 processes\n')).toBeUndefined()
  expect(parseOpenFileLimit('Max open files  lots  lots  files\n')).toBeUndefined()
})

it('keeps 64 descriptors for serve, with a floor, a ceiling and a fallback', () => {
  expect(connectionLimit(1024)).toBe(960)
  expect(connectionLimit(128)).toBe(64)
  expect(connectionLimit(40)).toBe(16)
  expect(connectionLimit(524288)).toBe(4096)
  expect(connectionLimit(Infinity)).toBe(4096)
  expect(connectionLimit(undefined)).toBe(960)
})

it('this process has a limit to read (Linux)', () => {
  expect(readOpenFileLimit()).toBeGreaterThan(0)
})
