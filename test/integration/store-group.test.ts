/**
 * smskannel.storegroupwrite, black-box with two accounts in one group, as "Installing on a
 * host" sets them up: the service account makes the store in a setgid directory (2770), and
 * the wrapper's account, a member of its group only, sends through a real Kannel.
 */
import Database from 'better-sqlite3'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/core/errors.js'
import { runCli, type Account } from '../helpers/run-cli.js'
import { describeWithKannel, startKannel, type KannelStack } from './kannel-stack.js'
import { gatewayEnv, uniqueToken, waitForMessage } from './messages.js'

/** Ids no account of the host has: the store's group, its owner (serve, replay) and the wrapper's account. */
const GROUP = 47_100
const SERVICE: Account = { uid: 47_101, gid: GROUP, groups: [] }
const WRAPPER: Account = { uid: 47_102, gid: 47_102, groups: [GROUP] }

const canSwitch = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv')
if (!canSwitch) console.warn('SKIPPED: the shared-store test needs root and setpriv (it runs the CLI as two other accounts)')

function mode(path: string): string {
  return (statSync(path).mode & 0o7777).toString(8).padStart(4, '0')
}

/** A host's /var/lib/sms-kannel (2770, service:group) and a config naming the store in it. */
function host(groupWrite: boolean): { store: string; env: Record<string, string>; cwd: string } {
  const root = mkdtempSync(join(tmpdir(), 'sms-kannel-shared-'))
  chmodSync(root, 0o755)
  const lib = join(root, 'lib')
  mkdirSync(lib)
  chownSync(lib, SERVICE.uid, GROUP)
  chmodSync(lib, 0o2770)
  const config = join(root, 'sms-kannel.conf')
  writeFileSync(config, `smskannel.store = ${join(lib, 'events.db')}\n${groupWrite ? 'smskannel.storegroupwrite = true\n' : ''}`)
  chmodSync(config, 0o644)
  return { store: join(lib, 'events.db'), env: { SMSKANNEL_CONFIG: config }, cwd: root }
}

describeWithKannel('a store shared with the wrapper\'s account through its group (smskannel.storegroupwrite)', () => {
  describe.skipIf(!canSwitch)('two accounts, one group', () => {
    let stack: KannelStack
    beforeAll(async () => {
      stack = await startKannel()
    })
    afterAll(async () => {
      await stack?.stop()
    })

    const wrapperSends = (env: Record<string, string>, cwd: string, sequence: string) =>
      runCli([], gatewayEnv(stack, { ...env, VLXSMS: '+49 170 1234567', VLXPIN: '904417', VLXPIN_SEQUENCE: sequence, VLXPIN_TEXT: `PIN 904417 seq ${sequence}` }), { account: WRAPPER, cwd })

    const serviceStatus = async (env: Record<string, string>, cwd: string, sequence: string) => {
      const status = await runCli(['status', sequence, '--json'], env, { account: SERVICE, cwd })
      expect(status.code, status.stderr).toBe(EXIT.ok)
      return JSON.parse(status.stdout).timelines as Array<{ steps: Array<{ what: string }> }>
    }

    it('the service account makes the store 0660, and the wrapper\'s send is recorded in it', async () => {
      const { store, env, cwd } = host(true)
      const made = await runCli(['store', 'migrate'], env, { account: SERVICE, cwd })
      expect(made.code, made.stderr).toBe(EXIT.ok)
      expect(mode(store)).toBe('0660')

      const sequence = uniqueToken()
      const sent = await wrapperSends(env, cwd, sequence)
      expect(sent.code, sent.stderr).toBe(EXIT.ok)
      expect(sent.stderr).toBe('')
      await waitForMessage(stack, sequence)
      expect(await serviceStatus(env, cwd, sequence)).toMatchObject([{ sequence, result: 'pending', steps: [{ what: 'sent' }] }])
      for (const file of [store, `${store}-wal`, `${store}-shm`].filter((path) => existsSync(path))) expect(mode(file), file).toBe('0660')
    })

    it('while the store is busy, the wrapper\'s send waits in a spool (0660) that the service account stores', async () => {
      const { store, env, cwd } = host(true)
      expect((await runCli(['store', 'migrate'], env, { account: SERVICE, cwd })).code).toBe(EXIT.ok)
      const sequence = uniqueToken()
      // Another writer holding the lock past send's wait: the record goes to <store>.spool.
      const holder = new Database(store)
      holder.prepare('BEGIN IMMEDIATE').run()
      let sent
      try {
        sent = await wrapperSends(env, cwd, sequence)
      } finally {
        holder.prepare('ROLLBACK').run()
        holder.close()
      }
      expect(sent.code, sent.stderr).toBe(EXIT.ok)
      expect(sent.stderr).toContain(`Kept in ${store}.spool`)
      expect(mode(`${store}.spool`)).toBe('0660')
      expect(statSync(`${store}.spool`)).toMatchObject({ uid: WRAPPER.uid, gid: GROUP })

      const drained = await runCli(['store', 'migrate'], env, { account: SERVICE, cwd })
      expect(drained.code, drained.stderr).toBe(EXIT.ok)
      expect(existsSync(`${store}.spool`)).toBe(false)
      expect(await serviceStatus(env, cwd, sequence)).toMatchObject([{ sequence, steps: [{ what: 'sent' }] }])
    })

    it('without the key the store stays its owner\'s (0600): the wrapper\'s PIN goes out, its record only in its own spool', async () => {
      const { store, env, cwd } = host(false)
      expect((await runCli(['store', 'migrate'], env, { account: SERVICE, cwd })).code).toBe(EXIT.ok)
      expect(mode(store)).toBe('0600')
      const sequence = uniqueToken()
      const sent = await wrapperSends(env, cwd, sequence)
      expect(sent.code, sent.stderr).toBe(EXIT.ok)
      expect(sent.stderr).toMatch(/^warning: not recorded in the event store now\. .*permission denied/)
      expect(mode(`${store}.spool`)).toBe('0600')
      await waitForMessage(stack, sequence)
      expect((await runCli(['store', 'migrate'], env, { account: SERVICE, cwd })).code).toBe(EXIT.ok)
      const status = await runCli(['status', sequence], env, { account: SERVICE, cwd })
      expect(status.code).toBe(EXIT.input)
      expect(status.stderr).toContain(`knows no send or delivery report for ${sequence}`)
    })
  })
})
