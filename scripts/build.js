// Bundles src/cli.ts for bin/: one ESM entry plus a chunk per lazily imported command,
// dependencies left external (they are installed next to it).
import { build } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// Stale chunks from earlier builds would ship otherwise.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })

await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { SMS_KANNEL_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
})
