/**
 * Starts a real PostgreSQL (Debian's) for one test file: initdb into a temporary directory,
 * pg_ctl on a free loopback port, password (SCRAM) authentication only; stops it afterwards.
 * PostgreSQL refuses to run as root, so under root the server runs as `nobody`. Free of
 * vitest, so that the benchmarks start their server with it too.
 */
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePorts } from './free-ports.js'

const run = promisify(execFile)

/** Debian installs each major version under /usr/lib/postgresql/N/bin; the newest wins. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))
  return versions.map((version) => join(root, version, 'bin')).find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')))
}

export function postgresMissingReason(): string | undefined {
  return postgresBinDir() ? undefined : 'not installed (no /usr/lib/postgresql/*/bin/initdb and pg_ctl)'
}

export interface PostgresServer {
  host: string
  port: number
  /** A role with a password that may create objects only in the databases it owns. */
  role: string
  password: string
  /** A fresh, empty database owned by the test role; its postgres:// URL. */
  createDatabase(): Promise<string>
  /** Runs statements as the superuser in one database (roles, grants): what a DBA would do. */
  asSuperuser(database: string, statements: readonly string[]): Promise<void>
  /** What the server logged (connection failures, errors), for a failing test's message. */
  log(): string
  /** Stops the server immediately and starts it again on the same port and data. */
  restart(): Promise<void>
  /** Stops the server (a database that is down), keeping its data for start(). */
  halt(): Promise<void>
  /** Starts a halted server again on the same port and data. */
  start(): Promise<void>
  stop(): Promise<void>
}

const SUPERUSER = 'postgres'
const running = new Set<() => void>()
process.once('exit', () => {
  for (const stop of running) stop()
})

export interface PostgresOptions {
  /**
   * Serve TLS too (ssl = on) with this certificate and key (PEM); plain connections stay
   * allowed. Connections are logged, saying whether they use TLS.
   */
  tls?: { cert: string; key: string }
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir()
  if (!bin) throw new Error(`PostgreSQL is ${postgresMissingReason()}`)
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-pg-'))
  const data = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  // Root may not run PostgreSQL: the server and its tools run as nobody, who owns the directory.
  const asUser: { uid?: number; gid?: number } = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
  const giveToServer = (path: string) => asUser.uid !== undefined && chownSync(path, asUser.uid, asUser.gid ?? asUser.uid)
  giveToServer(dir)
  chmodSync(dir, 0o700)
  const [port] = (await freePorts(1)) as [number]
  const superPassword = `super-${process.pid}-${port}`
  const role = 'sms_test'
  const password = `Test-pw-${port}-s3cret`
  const env = { ...process.env, HOME: dir, LC_ALL: 'C', PGPASSWORD: undefined }
  const runAs = { ...asUser, env, cwd: dir }
  const superUrl = (database: string) => `postgres://${SUPERUSER}:${encodeURIComponent(superPassword)}@127.0.0.1:${port}/${database}`
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, ...args], runAs)

  const stopNow = () => {
    try {
      execFileSync(join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate'], { ...runAs, stdio: 'ignore' })
    } catch {
      // Not running (any more): nothing to stop.
    }
  }
  const cleanUp = () => {
    stopNow()
    running.delete(cleanUp)
    rmSync(dir, { recursive: true, force: true })
  }
  running.add(cleanUp)
  try {
    writeFileSync(join(dir, 'pwfile'), `${superPassword}\n`)
    giveToServer(join(dir, 'pwfile'))
    await run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--pwfile', join(dir, 'pwfile'), '--auth', 'scram-sha-256', '--no-sync', '-E', 'UTF8'], runAs)
    // Loopback TCP only; the socket directory is ours (Debian's /var/run/postgresql is not).
    appendFileSync(join(data, 'postgresql.conf'), [
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 100',
      'shared_buffers = 16MB',
      ...(options.tls ? ['ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", 'log_connections = on'] : []),
      '',
    ].join('\n'))
    if (options.tls) {
      // The server refuses a key that others may read; both files belong to the server's user.
      for (const [name, pem] of [['server.crt', options.tls.cert], ['server.key', options.tls.key]] as const) {
        writeFileSync(join(data, name), pem, { mode: 0o600 })
        giveToServer(join(data, name))
      }
    }
    await pgCtl('start', '-w', '-t', '60', '-l', logFile)
    await asSuperuser(superUrl('postgres'), [`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`])
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
    cleanUp()
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`)
  }

  let databases = 0
  return {
    host: '127.0.0.1',
    port,
    role,
    password,
    createDatabase: async () => {
      const name = `store_${++databases}`
      await asSuperuser(superUrl('postgres'), [`CREATE DATABASE ${name} OWNER ${role}`])
      // PostgreSQL 15 no longer lets every role create in public; the owner of the database may.
      await asSuperuser(superUrl(name), [`ALTER SCHEMA public OWNER TO ${role}`])
      return `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`
    },
    asSuperuser: (database, statements) => asSuperuser(superUrl(database), statements),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    restart: async () => {
      await pgCtl('stop', '-m', 'immediate')
      await pgCtl('start', '-w', '-t', '60', '-l', logFile)
    },
    halt: async () => {
      await pgCtl('stop', '-m', 'fast')
    },
    start: async () => {
      await pgCtl('start', '-w', '-t', '60', '-l', logFile)
    },
    stop: async () => {
      cleanUp()
    },
  }
}

async function asSuperuser(url: string, statements: readonly string[]): Promise<void> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (const statement of statements) await client.query(statement)
  } finally {
    await client.end()
  }
}
