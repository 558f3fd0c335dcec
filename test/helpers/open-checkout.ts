import { chmodSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

const REPO = resolve(import.meta.dirname, '../..')

/**
 * Tests that run the built CLI as another account need the checkout reachable. A host's /opt
 * is; a checkout under a mktemp folder (0700) is not, so each closed folder above it gets o+x
 * (passage, not listing) until the returned function puts it back.
 */
export function openCheckoutToOthers(): () => void {
  const opened: Array<{ dir: string; mode: number }> = []
  for (let dir = REPO; dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777
    if ((mode & 0o001) === 0) {
      opened.push({ dir, mode })
      chmodSync(dir, mode | 0o001)
    }
  }
  return () => {
    for (const { dir, mode } of opened.reverse()) chmodSync(dir, mode)
  }
}
