import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { errorCodeOf } from '../core/file-errors.js'

/**
 * mkdir -p, one level at a time. Node 20's own recursive mkdirSync spins for ever under a
 * path it cannot create in /proc (send would then never exit after the PIN went out).
 */
export function makeDirectories(path: string, mode?: number): void {
  const options = mode === undefined ? {} : { mode }
  try {
    mkdirSync(path, options)
  } catch (error) {
    const code = errorCodeOf(error)
    if (code === 'EEXIST') return
    const parent = dirname(path)
    if (code !== 'ENOENT' || parent === path) throw error
    makeDirectories(parent, mode)
    try {
      mkdirSync(path, options)
    } catch (again) {
      if (errorCodeOf(again) !== 'EEXIST') throw again
    }
  }
}
