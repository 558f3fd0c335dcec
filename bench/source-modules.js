// The project's TypeScript modules for a benchmark script, bundled once with esbuild into
// node_modules/.cache (inside the project, so that the bundle finds better-sqlite3).
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { buildSync } from 'esbuild'

const root = new URL('..', import.meta.url).pathname

/**
 * `exports` is the bundle's source, e.g. "export { openStore } from './src/shell/store.ts'";
 * `external`: packages loaded from node_modules as they are, not bundled.
 */
export function loadSourceModules(name, exports, external = []) {
  const outfile = join(root, `node_modules/.cache/sms-kannel-bench/${name}.cjs`)
  buildSync({
    stdin: { contents: exports, resolveDir: root, loader: 'ts' },
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3', ...external],
    logLevel: 'warning',
  })
  return createRequire(join(root, 'package.json'))(outfile)
}
