// Bundles src/cli.ts for bin/ into one CommonJS file. Commands are still loaded lazily:
// esbuild keeps each dynamically imported module behind an init function that runs on first
// use. CommonJS because Node 20's ESM loader slows every start (facades for built-ins).
import { build } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/**
 * commander requires node:child_process at load, for executable subcommands we never use;
 * loading it (and net, stream, ...) would slow every start. Commander gets a stand-in that
 * loads the real module on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'lazy' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let real\nmodule.exports = new Proxy({}, { get: (_, name) => (real ??= require('node:child_process'))[name] })\n",
      loader: 'js',
    }))
  },
}

/**
 * chalk detects colour support at load (node:tty, and with it node:net: a slower start).
 * The reporter decides colour itself (a terminal, NO_COLOR, TERM=dumb) and passes chalk a
 * level, so chalk's detection is replaced by "none".
 */
const noColourDetectionForChalk = {
  name: 'no-colour-detection-for-chalk',
  setup(build) {
    build.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'no-colour' }))
    build.onLoad({ filter: /.*/, namespace: 'no-colour' }, () => ({ contents: 'export default { stdout: false, stderr: false }\n', loader: 'js' }))
  },
}

// Files of earlier builds would ship otherwise: the package holds all of dist/.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // commander and chalk are bundled: resolving and loading them as packages cost more than
  // their code. The rest load lazily or are native: they stay packages.
  external: ['better-sqlite3', 'pg', 'undici', 'libphonenumber-js', 'dotenv', 'prom-client'],
  define: { SMS_KANNEL_VERSION: JSON.stringify(version) },
  plugins: [lazyChildProcessForCommander, noColourDetectionForChalk],
  logLevel: 'warning',
})
