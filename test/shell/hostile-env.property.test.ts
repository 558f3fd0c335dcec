import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { send, type SendIo } from '../../src/commands/send.js'
import { configFromEnvironment } from '../../src/core/config-file.js'
import { EXIT_CODE_TABLE, SmsKannelError } from '../../src/core/errors.js'
import { createReporter } from '../../src/shell/output.js'
import { loadNumberParser } from '../../src/shell/phone-numbers.js'
import { runCli } from '../helpers/run-cli.js'

const DOCUMENTED = new Set<number>(EXIT_CODE_TABLE.map((row) => row.code))

/** Values an attacker or a broken wrapper could put in the environment. */
const hostileValue = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 4 },
  { arbitrary: fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF\uD800', '%', '%%C3', '${VLXPIN}', '\\n', '\r\n', '0', '-1', '1e309', 'NaN', 'true', 'http://', 'ftp://x', 'http://u:p@h', '[::1]:x'), weight: 4 },
  // Megabyte values make a run slow: rarer, so the property runs often enough elsewhere.
  { arbitrary: fc.integer({ min: 100_000, max: 1_000_000 }).map((length) => 'x'.repeat(length)), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom('+', '0', '1', ' ', '(', ')', '-', '.', '9', '€', 'Ж', '😀', '\t'), maxLength: 200 }), weight: 4 },
)

const NAMES = [
  'VLXSMS', 'VLXPIN_TEXT', 'VLXPIN', 'VLXPIN_FMT', 'VLXPIN_SEQUENCE', 'VLXPIN_EXPIRATIONTIME',
  'SMSKANNEL_GWURL', 'SMSKANNEL_USER', 'SMSKANNEL_PASSWORD', 'SMSKANNEL_SENDER', 'SMSKANNEL_FEEDBACKURL', 'SMSKANNEL_TIMEOUT',
  'SMSKANNEL_METHOD', 'SMSKANNEL_DLRMASK', 'SMSKANNEL_MAXPARTS', 'SMSKANNEL_COUNTRY', 'SMSKANNEL_TEMPLATE', 'SMSKANNEL_SECRET', 'REGEXP_SMS',
]
const sane: Record<string, string> = {
  VLXSMS: '+491701234567', VLXPIN: '482913', VLXPIN_SEQUENCE: '17', VLXPIN_TEXT: 'PIN 482913 seq 17',
  SMSKANNEL_GWURL: 'http://kannel:13013', SMSKANNEL_USER: 'tester', SMSKANNEL_PASSWORD: 'foobar-secret',
}
/** A sane environment with a few of its values replaced by hostile ones. */
const hostileEnv = fc.dictionary(fc.constantFrom(...NAMES), hostileValue, { minKeys: 1, maxKeys: 5 }).map((overrides) => ({ ...sane, ...overrides }))

const io: SendIo = {
  http: () => {
    throw new Error('dry run: no HTTP')
  },
  report: createReporter({ stdout: { write: () => true }, stderr: { write: () => true }, env: {}, verbose: true }),
  loadNumberParser,
  now: () => 0,
  sleep: async () => {},
  wallClock: () => new Date(0),
  recordSend: async () => {},
}

describe('send over hostile environment values', () => {
  it('never crashes: a dry run succeeds or fails with a documented exit code', async () => {
    await fc.assert(
      fc.asyncProperty(hostileEnv, async (env) => {
        const sources = { env: configFromEnvironment(env, 'environment').values }
        try {
          await send({ sources, env, to: undefined, text: undefined, dryRun: true, messageId: 'm', timeZone: () => 'UTC' }, io)
        } catch (error) {
          if (!(error instanceof SmsKannelError)) throw error
          expect(DOCUMENTED.has(error.exitCode)).toBe(true)
          expect(error.message).not.toMatch(/\n/)
          expect(error.message.length).toBeLessThan(600)
        }
      }),
      { numRuns: 400 },
    )
  }, 120_000)
})

describe('the CLI over the corpus of the nastiest environments', () => {
  const corpus = JSON.parse(readFileSync(new URL('../fixtures/hostile-env.json', import.meta.url), 'utf8')) as Array<{ name: string; env: Record<string, string> }>
  it.each(corpus)('$name: a documented exit code, no stack trace, no secret', async ({ env }) => {
    const run = await runCli(['--dry-run'], { ...sane, ...env })
    expect(DOCUMENTED.has(run.code ?? -1)).toBe(true)
    expect(run.code).not.toBe(1)
    expect(run.stderr).not.toMatch(/\n\s+at |unexpected failure/)
    expect(run.stdout + run.stderr).not.toContain('foobar-secret')
  })
})
