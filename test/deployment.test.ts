/**
 * The README's "Installing on a host", run as written on a scratch root: the real useradd,
 * install and chmod, then serve started as the systemd unit says, a send by the wrapper's
 * account, the crontab line run as its user before and after a rotation, systemd-analyze and
 * logrotate on the installed files.
 * Paths under /etc, /var and /usr/local are moved into the scratch root; nothing else changes.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePorts } from './helpers/free-ports.js'

const REPO = resolve(import.meta.dirname, '..')
const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
const SERVICE_USER = 'sms-kannel'
/** Host paths the install writes to; each is moved under the scratch root. */
const MOVED = ['/etc/sms-kannel', '/etc/systemd/system', '/etc/cron.d', '/etc/logrotate.d', '/var/lib/sms-kannel', '/var/log/sms-kannel', '/var/log/apache2', '/usr/local/bin']
/** What a container cannot do: npm ci has run already (the suite runs on it), and no systemd runs here. */
const NOT_HERE = /^(cd \/opt\/sms-kannel && npm ci|systemctl )/

const canInstall = process.getuid?.() === 0 && ['/usr/sbin/useradd', '/usr/sbin/runuser', '/usr/bin/setpriv'].every((path) => existsSync(path))
if (!canInstall) console.warn('SKIPPED: the deployment test needs root, useradd, runuser and setpriv (it creates the system user sms-kannel)')

function installSteps(): string[] {
  const section = readme.split('\n## Installing on a host\n')[1]!.split('\n## ')[0]!
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!
  return block.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))
}

function intoRoot(text: string, root: string): string {
  let moved = text.replaceAll('/opt/sms-kannel', REPO)
  for (const path of MOVED) moved = moved.replaceAll(path, `${root}${path}`)
  return moved
}

function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd ?? REPO, env: options.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' }, encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

function asUser(user: string, env: Record<string, string>, command: string) {
  return run('runuser', ['-u', user, '--', 'env', '-i', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), '/bin/sh', '-c', command])
}

function mode(path: string): string {
  return (statSync(path).mode & 0o7777).toString(8).padStart(4, '0')
}

/**
 * As the account VISULOX runs the PIN wrapper as, once it joined group sms-kannel: nobody,
 * with that group added for this process only (setpriv), so the host's /etc/group is not changed.
 */
function asWrapper(env: Record<string, string>, command: string) {
  const nobodyGroup = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('nobody:'))!.split(':')[3]!
  return run('setpriv', ['--reuid=nobody', `--regid=${nobodyGroup}`, `--groups=${SERVICE_USER}`, '--', 'env', '-i', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), '/bin/sh', '-c', command])
}

function owner(path: string): string {
  const stats = statSync(path)
  const name = (file: string, id: number) => readFileSync(file, 'utf8').split('\n').find((line) => line.split(':')[2] === String(id))?.split(':')[0]
  return `${name('/etc/passwd', stats.uid)}:${name('/etc/group', stats.gid)}`
}

/** One Apache combined-log line per report, as Kannel's callback through the proxy leaves it. */
function apacheLines(first: number, count: number): string {
  return Array.from({ length: count }, (_, index) => {
    const seq = first + index
    return `127.0.0.1 - - [28/Nov/2026:10:16:${String(index % 60).padStart(2, '0')} +0000] "GET /smsKannelfeedback?seq=${seq}&msgid=m${seq}&dlr=1&reply=&smscmsgid=&recipient=%2B491701234567&sender=VISULOX&time=1795858642&smsc=fake1 HTTP/1.1" 200 3 "-" "Kannel/1.4.5"\n`
  }).join('')
}

/** /etc/cron.d format: NAME=value lines, then "m h dom mon dow user command". */
function readCronFile(path: string): { env: Record<string, string>; user: string; command: string } {
  const env: Record<string, string> = {}
  let job: { user: string; command: string } | undefined
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue
    const assignment = /^([A-Z_]+)=(.*)$/.exec(line)
    if (assignment) env[assignment[1]!] = assignment[2]!
    else {
      const fields = line.trim().split(/\s+/)
      job = { user: fields[5]!, command: fields.slice(6).join(' ') }
    }
  }
  return { env, ...job! }
}

function unitSetting(unit: string, name: string): string[] {
  return [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((match) => match[1]!)
}

async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer()
  return new Promise((resolvePromise) => {
    probe.once('error', () => resolvePromise(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePromise(true)))
  })
}

describe.skipIf(!canInstall)('the README\'s install section, on a scratch root', () => {
  let root: string
  const at = (path: string) => `${root}${path}`

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sms-kannel-host-'))
    chmodSync(root, 0o755)
    // What a Debian host with Apache already has.
    for (const dir of ['/etc/systemd/system', '/etc/cron.d', '/etc/logrotate.d', '/usr/local/bin', '/var/lib', '/var/log/apache2']) mkdirSync(at(dir), { recursive: true, mode: 0o755 })
    const admGroup = Number(readFileSync('/etc/group', 'utf8').split('\n').find((line) => line.startsWith('adm:'))!.split(':')[2])
    chownSync(at('/var/log/apache2'), 0, admGroup)
    chmodSync(at('/var/log/apache2'), 0o750)
    writeFileSync(at('/var/log/apache2/smskannel-feedback.log'), apacheLines(1, 3), { mode: 0o640 })
    chownSync(at('/var/log/apache2/smskannel-feedback.log'), 0, admGroup)

    const steps = installSteps()
    expect(steps.filter((line) => NOT_HERE.test(line))).toHaveLength(3)
    const script = steps.filter((line) => !NOT_HERE.test(line)).map((line) => intoRoot(line, root)).join('\n')
    const installed = run('bash', ['-euo', 'pipefail', '-c', script])
    expect(installed.code, installed.stderr).toBe(0)
    // The installed files name host paths too: moved the same way.
    for (const file of ['/etc/systemd/system/sms-kannel-serve.service', '/etc/cron.d/sms-kannel', '/etc/logrotate.d/sms-kannel']) {
      writeFileSync(at(file), intoRoot(readFileSync(at(file), 'utf8'), root))
    }
  })

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true })
  })

  it('creates the system user, in adm for Apache\'s logs', () => {
    const groups = run('id', ['-nG', SERVICE_USER])
    expect(groups.code).toBe(0)
    expect(groups.stdout.split(/\s+/)).toEqual(expect.arrayContaining([SERVICE_USER, 'adm']))
  })

  it.each([
    { path: '/var/lib/sms-kannel', mode: '2770', owner: 'sms-kannel:sms-kannel' },
    { path: '/var/log/sms-kannel', mode: '0750', owner: 'sms-kannel:sms-kannel' },
    { path: '/etc/sms-kannel', mode: '0750', owner: 'root:sms-kannel' },
    { path: '/etc/sms-kannel/sms-kannel.conf', mode: '0640', owner: 'root:sms-kannel' },
  ])('$path is $mode, $owner', ({ path, mode: wanted, owner: wantedOwner }) => {
    expect(mode(at(path))).toBe(wanted)
    expect(owner(at(path))).toBe(wantedOwner)
  })

  it('lets the service user read the config, and nobody else', () => {
    const config = at('/etc/sms-kannel/sms-kannel.conf')
    const env = { PATH: `${at('/usr/local/bin')}:/usr/bin:/bin` }
    const service = asUser(SERVICE_USER, env, `sms-kannel config --config ${config}`)
    expect(service.code, service.stderr).toBe(0)
    expect(service.stdout).toMatch(/^smskannel\.password +\*+ +/m)
    const other = asUser('nobody', env, `sms-kannel config --config ${config}`)
    expect(other.code).toBe(78)
    expect(other.stderr).toContain('permission denied')
  })

  it('has the unit keep the store\'s directory as the install made it (systemd sets StateDirectoryMode at each start)', () => {
    const unit = readFileSync(at('/etc/systemd/system/sms-kannel-serve.service'), 'utf8')
    expect(unitSetting(unit, 'StateDirectory')).toEqual(['sms-kannel'])
    expect(unitSetting(unit, 'StateDirectoryMode')).toEqual([mode(at('/var/lib/sms-kannel'))])
  })

  it('passes systemd-analyze verify', () => {
    if (!existsSync('/usr/bin/systemd-analyze')) {
      console.warn('SKIPPED: systemd-analyze verify (apt-get install -y systemd)')
      return
    }
    const verified = run('systemd-analyze', ['verify', at('/etc/systemd/system/sms-kannel-serve.service')])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stderr).not.toMatch(/sms-kannel-serve\.service:\d+:/)
  })

  it('runs serve as the unit says, listening where the Apache example proxies, and stops on SIGTERM', async () => {
    const unit = readFileSync(at('/etc/systemd/system/sms-kannel-serve.service'), 'utf8')
    const apache = readFileSync(join(REPO, 'examples/apache-smsKannelfeedback.conf'), 'utf8')
    const proxied = /^\s*ProxyPass\s+http:\/\/([\d.]+):(\d+)(\/\S*)/m.exec(apache)!
    const config = readFileSync(at('/etc/sms-kannel/sms-kannel.conf'), 'utf8')
    expect(/^smskannel\.listen\s*=\s*(\S+)/m.exec(config)?.[1]).toBe(`${proxied[1]}:${proxied[2]}`)

    const env = Object.fromEntries(unitSetting(unit, 'Environment').flatMap((line) => line.split(/\s+/)).map((pair) => pair.split('=', 2) as [string, string]))
    // On a shared machine the port may be taken; the address check above still holds.
    if (!(await portIsFree(Number(proxied[2])))) {
      console.warn(`port ${proxied[2]} is in use here: serve is started with SMSKANNEL_LISTEN on a free port instead`)
      env['SMSKANNEL_LISTEN'] = '127.0.0.1:0'
    }
    const [user] = unitSetting(unit, 'User')
    const [execStart] = unitSetting(unit, 'ExecStart')
    // setpriv execs (runuser would stay in between): the SIGTERM below reaches serve as systemd's would.
    const child = spawn('setpriv', [`--reuid=${user}`, `--regid=${user}`, '--init-groups', '--', 'env', '-i', `PATH=/usr/bin:/bin`, ...Object.entries(env).map(([name, value]) => `${name}=${value}`), ...execStart!.split(/\s+/)], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const exited = new Promise<number | null>((resolvePromise) => child.on('exit', (code) => resolvePromise(code)))
    try {
      const base = await new Promise<string>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 15_000)
        child.stderr.on('data', () => {
          const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr)
          if (match) {
            clearTimeout(timer)
            resolvePromise(match[1]!)
          }
        })
        void exited.then(() => reject(new Error(`serve exited: ${stderr}`)))
      })
      if (env['SMSKANNEL_LISTEN'] === undefined) expect(base).toBe(`http://${proxied[1]}:${proxied[2]}`)
      const answer = await fetch(`${base}${proxied[3]}?seq=900&msgid=m900&dlr=8&reply=ACK%2F&time=1795858642&smsc=fake1`)
      expect(answer.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(owner(at('/var/lib/sms-kannel/events.db'))).toBe('sms-kannel:sms-kannel')
  })

  it('records a send by the wrapper\'s account, in group sms-kannel, in the store serve made', async () => {
    const store = at('/var/lib/sms-kannel/events.db')
    expect(mode(store)).toBe('0660')
    const config = readFileSync(at('/etc/sms-kannel/sms-kannel.conf'), 'utf8')
    expect(/^smskannel\.store\s*=\s*(\S+)/m.exec(config)?.[1]).toBe(store)
    // No gateway here: the send fails (nothing listens), and a failed send is what check's not-sent alert counts.
    const [closedPort] = await freePorts(1)
    const sent = asWrapper(
      { PATH: `${at('/usr/local/bin')}:/usr/bin:/bin`, SMSKANNEL_CONFIG: at('/etc/sms-kannel/sms-kannel.conf'), SMSKANNEL_GWURL: `http://127.0.0.1:${closedPort}`, SMSKANNEL_TIMEOUT: '1s', VLXSMS: '+491701234567', VLXPIN: '123987', VLXPIN_SEQUENCE: '777', VLXPIN_EXPIRATIONTIME: '2026-12-07 12:05' },
      'sms-kannel',
    )
    expect(sent.code, sent.stderr).toBe(75)
    expect(sent.stderr).not.toContain('not recorded')
    const status = asUser(SERVICE_USER, { PATH: `${at('/usr/local/bin')}:/usr/bin:/bin`, SMSKANNEL_CONFIG: at('/etc/sms-kannel/sms-kannel.conf') }, 'sms-kannel status 777 --json')
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout).timelines).toMatchObject([{ sequence: '777', result: 'not-sent', steps: [{ what: 'not-sent', detail: expect.stringContaining('failed (exit 75)') }] }])
    expect(mode(store)).toBe('0660')
  })

  it('runs the crontab line as its user before the first rotation and after it', () => {
    const cron = readCronFile(at('/etc/cron.d/sms-kannel'))
    const summaries = () => readFileSync(at('/var/log/sms-kannel/replay.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))

    // Before the first rotation: smskannel-feedback.log.1 is not there; smskannel-feedback.log is still replayed.
    const first = asUser(cron.user, cron.env, cron.command)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toBe('')
    expect(summaries().at(-1)).toMatchObject({ new: 3, bad: 0, files: [{ path: at('/var/log/apache2/smskannel-feedback.log.1'), missing: true }, { path: at('/var/log/apache2/smskannel-feedback.log'), lines: 3 }] })

    // Apache rotates: smskannel-feedback.log becomes smskannel-feedback.log.1, with one more report written before.
    writeFileSync(at('/var/log/apache2/smskannel-feedback.log'), apacheLines(4, 1), { flag: 'a' })
    renameSync(at('/var/log/apache2/smskannel-feedback.log'), at('/var/log/apache2/smskannel-feedback.log.1'))
    writeFileSync(at('/var/log/apache2/smskannel-feedback.log'), apacheLines(5, 2), { mode: 0o640 })
    chownSync(at('/var/log/apache2/smskannel-feedback.log'), 0, statSync(at('/var/log/apache2/smskannel-feedback.log.1')).gid)
    const second = asUser(cron.user, cron.env, cron.command)
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toBe('')
    expect(summaries().at(-1)).toMatchObject({ new: 3, duplicates: 0, files: [{ lines: 1 }, { lines: 2 }] })
    expect(summaries().at(-1).files.some((file: { missing?: boolean }) => file.missing)).toBe(false)
  })

  it('rotates what sms-kannel writes (logrotate -d, then a forced run)', () => {
    if (!existsSync('/usr/sbin/logrotate')) {
      console.warn('SKIPPED: logrotate check (apt-get install -y logrotate)')
      return
    }
    const config = at('/etc/logrotate.d/sms-kannel')
    const state = join(root, 'logrotate.state')
    const dryRun = run('logrotate', ['-d', '-s', state, config])
    expect(dryRun.code, dryRun.stderr).toBe(0)
    expect(`${dryRun.stdout}${dryRun.stderr}`).toContain(at('/var/log/sms-kannel/replay.jsonl'))
    expect(`${dryRun.stdout}${dryRun.stderr}`).not.toMatch(/^error:/m)
    const forced = run('logrotate', ['-f', '-s', state, config])
    expect(forced.code, forced.stderr).toBe(0)
    expect(existsSync(at('/var/log/sms-kannel/replay.jsonl.1'))).toBe(true)
    expect(mode(at('/var/log/sms-kannel/replay.jsonl'))).toBe('0640')
    expect(owner(at('/var/log/sms-kannel/replay.jsonl'))).toBe('sms-kannel:sms-kannel')
  })
})
