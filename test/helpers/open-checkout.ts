import { chmodSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

const REPO = resolve(import.meta.dirname, '../..')

/**
 * Tests that run the built CLI as another account need the checkout reachable. A host's /opt
 * is; a checkout under a mktemp folder (0700) is not, so each closed folder above it gets o+x
 * (passage, not listing). Left so: putting it back would break a second run still going.
 * Returns the folders opened.
 */
export function openCheckoutToOthers(): string[] {
  const opened: string[] = []
  for (let dir = REPO; dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001)
      opened.push(dir)
    }
  }
  return opened
}
