import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isConfigKey } from '../src/core/config.js'
import { runCli } from './helpers/run-cli.js'

const exampleConfig = new URL('../examples/sms-kannel.conf', import.meta.url)
const lines = readFileSync(exampleConfig, 'utf8').split('\n')
/** Commented settings: "# key = value" with a key sms-kannel knows. */
const commented = lines.flatMap((line, index) => {
  const match = /^#\s*([a-z.]+)\s*=\s*(.*)$/.exec(line)
  return match && isConfigKey(match[1]!) ? [{ index, key: match[1]!, value: match[2]!.trim() }] : []
})

describe('examples/sms-kannel.conf', () => {
  it('is valid as shipped', async () => {
    const run = await runCli(['config', '--config', exampleConfig.pathname])
    expect(run.code, run.stderr).toBe(0)
  })

  it('has commented settings to check', () => {
    expect(commented.map(({ key }) => key)).toEqual(expect.arrayContaining(['smskannel.method', 'smskannel.template']))
  })

  it.each(commented)('stays valid with "$key" uncommented, which then has exactly the value shown', async ({ index, key, value }) => {
    const changed = lines.map((line, at) => (at === index ? line.replace(/^#\s*/, '') : line))
    const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-example-')), 'sms-kannel.conf')
    writeFileSync(file, changed.join('\n'))
    const run = await runCli(['config', '--config', file, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const { effective } = JSON.parse(run.stdout) as { effective: Array<{ key: string; value: string; where: string }> }
    expect(effective.find((row) => row.key === key)).toMatchObject({ value, where: `${file}:${index + 1}` })
  })
})

describe('examples/.env.example', () => {
  const envExample = new URL('../examples/.env.example', import.meta.url)
  const envLines = readFileSync(envExample, 'utf8').split('\n')
  const commentedVariables = envLines.flatMap((line, index) => {
    const match = /^#\s*([A-Z_]+)=(.*)$/.exec(line)
    return match ? [{ index, name: match[1]!, value: match[2]! }] : []
  })

  it.each(commentedVariables)('stays valid with $name uncommented, which then has exactly the value shown', async ({ index, value }) => {
    const file = join(mkdtempSync(join(tmpdir(), 'sms-kannel-example-')), '.env')
    writeFileSync(file, envLines.map((line, at) => (at === index ? line.replace(/^#\s*/, '') : line)).join('\n'))
    const run = await runCli(['config', '--env-file', file, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const { effective } = JSON.parse(run.stdout) as { effective: Array<{ value: string; where: string }> }
    expect(effective.find((row) => row.where.startsWith(file) && row.value === value), run.stdout).toBeDefined()
  })
})

describe('examples/local-kannel.sh with nothing to show yet', () => {
  it.each([
    { args: ['dlrs'], stderr: /^no DLRs yet in / },
    { args: ['messages'], stderr: /^no messages after 5 s in / },
  ])('$args.0: nothing on stdout, a note on stderr, exit 75', ({ args, stderr }) => {
    const lab = mkdtempSync(join(tmpdir(), 'sms-kannel-lab-'))
    const run = spawnSync(new URL('../examples/local-kannel.sh', import.meta.url).pathname, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SMS_KANNEL_LAB: lab }, encoding: 'utf8' })
    expect(run.status).toBe(75)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(stderr)
  })
})
