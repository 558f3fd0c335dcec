import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { StoreError } from '../core/errors.js'
import { describeFileError, errorCodeOf } from '../core/file-errors.js'

/** Writes next to the target, then renames: a reader never sees half a file, a failure leaves none. */
export function writeFileAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, content, { mode: 0o644 })
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw new StoreError(`Cannot write ${path}: ${describeFileError(errorCodeOf(error))}.`, 'Check that its directory exists and is writable.')
  }
}
