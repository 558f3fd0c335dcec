import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS, CONFIG_KEY_NAMES } from '../src/core/config.js'
import { EXIT_CODE_TABLE } from '../src/core/errors.js'
import { runCli } from './helpers/run-cli.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README stays in step with the code', () => {
  it.each(EXIT_CODE_TABLE)('lists exit code $code with its meaning', ({ code, meaning }) => {
    expect(readme).toContain(`| ${code} | ${meaning} |`)
  })

  it.each(CONFIG_KEY_NAMES.filter((key) => key !== 'smskannel.passwordfile'))('documents %s', (key) => {
    expect(readme).toContain(`| \`${key}\` |`)
    const defaultValue = CONFIG_KEYS[key].defaultValue
    if (defaultValue) expect(readme).toContain(defaultValue.replaceAll('\\\\', '\\'))
  })

  it('shows status samples in the real format: the zone in the heading, an offset on each time', () => {
    const samples = [...readme.matchAll(/^```\n(sequence \d+, [^\n]*\n(?: {2}[^\n]*\n)+)```/gm)].map((match) => match[1]!.trimEnd().split('\n'))
    expect(samples.length).toBeGreaterThanOrEqual(2)
    for (const [heading, ...steps] of samples) {
      expect(heading).toMatch(/ \(times in [A-Za-z_/]+\)$/)
      for (const step of steps) expect(step).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d {2}\S/)
    }
  })
})

/** Options as `--help` prints them ("-c, --config <file>"), leaving out --help itself. */
function helpOptions(help: string): string[] {
  const section = help.split(/\n(?=\S)/).find((part) => part.startsWith('Options:')) ?? ''
  const options: string[] = []
  for (const line of section.split('\n').slice(1)) {
    const match = /^ {2}((?:-[A-Za-z], )?--[a-z][\w-]*(?: [<[][^>\]]+[>\]])?)(?: {2,}|$)/.exec(line)
    if (match && match[1] !== '-h, --help') options.push(match[1]!)
  }
  return options.sort()
}

/** The commands `sms-kannel --help` lists: whatever commander knows, so new ones are checked too. */
function helpCommands(help: string): string[] {
  const section = help.split(/\n(?=\S)/).find((part) => part.startsWith('Commands:')) ?? ''
  return section
    .split('\n')
    .slice(1)
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help')
}

/** The README's option rows per command: a table counts for each command its heading names. */
function readmeOptions(commands: readonly string[]): Map<string, string[]> {
  const section = readme.split('\n## Command-line options\n')[1]!.split('\n## ')[0]!
  const rows = new Map(commands.map((command) => [command, [] as string[]]))
  for (const part of section.split(/\n(?=#### )/).slice(1)) {
    const heading = part.split('\n')[0]!
    const named = /every command/i.test(heading) ? commands : [...heading.matchAll(/`sms-kannel ([a-z][\w-]*)`/g)].map((match) => match[1]!)
    const options = [...part.matchAll(/^\| `(-[^`]+)` \|/gm)].map((match) => match[1]!)
    for (const command of named) {
      expect(rows.has(command), `README heading "${heading}" names a command --help does not list`).toBe(true)
      rows.get(command)!.push(...options)
    }
  }
  for (const options of rows.values()) options.sort()
  return rows
}

describe('README option tables stay in step with each command\'s --help', async () => {
  const commands = helpCommands((await runCli(['--help'])).stdout)
  const documented = readmeOptions(commands)

  it('finds the commands', () => {
    expect(commands).toEqual(expect.arrayContaining(['send', 'config', 'feedback', 'status', 'serve']))
  })

  it.each(commands)('sms-kannel %s --help lists exactly the README rows', async (command) => {
    const listed = helpOptions((await runCli([command, '--help'])).stdout)
    expect(listed.length).toBeGreaterThan(0)
    expect(documented.get(command)).toEqual(listed)
  })
})
