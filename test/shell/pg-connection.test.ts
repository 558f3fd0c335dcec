/**
 * Connecting to a PostgreSQL store: TLS with a private CA (sslmode, sslrootcert) and each way
 * connecting can fail, against a real server, through the built CLI as an admin would see it.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'

/** A CA and, if asked, a server certificate it signs for `localhost` only, made by openssl. */
function makeCa(dir: string, name: string, serverFor?: string): { caFile: string; cert?: string; key?: string } {
  const at = (file: string) => join(dir, `${name}-${file}`)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', at('ca.key'), '-out', at('ca.crt'))
  if (!serverFor) return { caFile: at('ca.crt') }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${serverFor}`, '-keyout', at('server.key'), '-out', at('server.csr'))
  writeFileSync(at('ext.cnf'), `subjectAltName = DNS:${serverFor}\n`)
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', at('ext.cnf'), '-out', at('server.crt'))
  return { caFile: at('ca.crt'), cert: readFileSync(at('server.crt'), 'utf8'), key: readFileSync(at('server.key'), 'utf8') }
}

describeWithPostgres('connecting to a PostgreSQL store', () => {
  let server: PostgresServer
  let dir: string
  let rightCa: string
  let wrongCa: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sms-kannel-pg-tls-'))
    const right = makeCa(dir, 'right', 'localhost')
    rightCa = right.caFile
    wrongCa = makeCa(dir, 'wrong').caFile
    server = await startPostgres({ tls: { cert: right.cert!, key: right.key! } })
  })
  afterAll(() => server?.stop())

  /** A fresh database's URL without its password (which comes from PGPASSWORD), with these changes. */
  const storeUrl = async (change: (url: URL) => void = () => undefined) => {
    const url = new URL(await server.createDatabase())
    url.password = ''
    change(url)
    return url.href
  }
  const migrate = (url: string, env: Record<string, string> = { PGPASSWORD: server.password }) => runCli(['store', 'migrate', '--store', url, '--json'], env)
  /** The CA files exist only once the suite has started: named by a function. */
  const tls = (mode: string, host: string, ca?: () => string) => (url: URL) => {
    url.hostname = host
    url.searchParams.set('sslmode', mode)
    if (ca) url.searchParams.set('sslrootcert', ca())
  }
  /** Whether the server logged this database's sessions as TLS ones (and saw any). */
  const overTls = (url: string) => {
    const database = new URL(url).pathname.slice(1)
    const sessions = server.log().split('\n').filter((line) => line.includes('connection authorized') && line.includes(`database=${database} `))
    return sessions.length > 0 && sessions.every((line) => line.includes('SSL enabled'))
  }

  it.each(['require', 'prefer', 'allow'])('connects with sslmode=%s over TLS without checking the certificate', async (mode) => {
    const url = await storeUrl(tls(mode, '127.0.0.1'))
    const run = await migrate(url)
    expect(run.code, run.stderr).toBe(0)
    expect(overTls(url)).toBe(true)
  })

  it('connects with sslmode=verify-full and the right CA and host name', async () => {
    const url = await storeUrl(tls('verify-full', 'localhost', () => rightCa))
    const run = await migrate(url)
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).store).toContain('sslmode=verify-full')
    expect(overTls(url)).toBe(true)
  })

  it('connects with sslmode=verify-ca and the right CA, whatever host name the URL uses', async () => {
    const url = await storeUrl(tls('verify-ca', '127.0.0.1', () => rightCa))
    const run = await migrate(url)
    expect(run.code, run.stderr).toBe(0)
    expect(overTls(url)).toBe(true)
  })

  it.each([
    ['another CA', tls('verify-full', 'localhost', () => wrongCa), /cannot be used: the certificate of localhost:\d+ is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)\./],
    ['a host name the certificate does not name', tls('verify-full', '127.0.0.1', () => rightCa), /cannot be used: the certificate of 127\.0\.0\.1:\d+ is not made out to 127\.0\.0\.1\./],
    ['an sslrootcert that is not there', tls('verify-full', 'localhost', () => '/nonexistent/root.crt'), /cannot be used: its sslrootcert \/nonexistent\/root\.crt cannot be read \(.*\)\./],
    // pg-connection-string refuses it before any socket opens: a configuration mistake, not an outage.
    ['sslmode=verify-ca without sslrootcert', tls('verify-ca', '127.0.0.1'), /cannot be used: sslmode=verify-ca needs sslrootcert, the CA to check the server's certificate against\.\nhint: Add sslrootcert=.* or use sslmode=verify-full/],
    ['an sslrootcert that is a directory', tls('verify-ca', '127.0.0.1', () => dir), /cannot be used: its URL's parameters are not valid \(.*directory.*\)\./],
  ])('refuses %s with exit 78 and one line without the password', async (_, change, message) => {
    const run = await migrate(await storeUrl(change))
    expect(run.code, run.stderr).toBe(78)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(2)
    expect(run.stderr).not.toContain(server.password)
  })

  it('refuses a server without TLS when sslmode asks for it, and connects to it with sslmode=disable', async () => {
    const plain = await startPostgres()
    try {
      const url = Object.assign(new URL(await plain.createDatabase()), { password: '' })
      url.searchParams.set('sslmode', 'require')
      const refused = await migrate(url.href, { PGPASSWORD: plain.password })
      expect(refused.code, refused.stderr).toBe(78)
      expect(refused.stderr).toMatch(/cannot be used: 127\.0\.0\.1:\d+ does not offer TLS, which sslmode asks for\./)
      url.searchParams.set('sslmode', 'disable')
      expect((await migrate(url.href, { PGPASSWORD: plain.password })).code).toBe(0)
    } finally {
      await plain.stop()
    }
  })

  const withPassword = () => ({ PGPASSWORD: server.password })
  it.each([
    ['a port where nothing listens', 74, (url: URL) => void (url.port = '1'), withPassword, /cannot be used: nothing answers at 127\.0\.0\.1:1 \(is PostgreSQL running there\?\)/],
    ['a host that does not resolve', 74, (url: URL) => void (url.hostname = 'db.nonexistent.invalid'), withPassword, /cannot be used: the host db\.nonexistent\.invalid does not resolve/],
    ['a wrong password', 78, () => undefined, () => ({ PGPASSWORD: 'Wrong-pw-s3cret' }), /cannot be used: PostgreSQL refused the password\./],
    ['no password at all', 78, () => undefined, () => ({}), /cannot be used: PostgreSQL asks for a password and none was given\./],
    ['a database that does not exist', 78, (url: URL) => void (url.pathname = '/no_such_db'), withPassword, /cannot be used: the database does not exist\./],
  ])('names %s in one line, exit %i', async (_, code, change, env, message) => {
    // HOME: an empty one, so no ~/.pgpass of this machine's user gives a password.
    const run = await migrate(await storeUrl(change), { HOME: dir, ...env() })
    expect(run.code, run.stderr).toBe(code)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(2)
    for (const secret of [server.password, 'Wrong-pw-s3cret']) expect(run.stderr).not.toContain(secret)
  })

  it('names a role that lacks a privilege, to create the schema or to use it', async () => {
    const url = await storeUrl()
    const database = new URL(url).pathname.slice(1)
    // A database the role does not own, with the schema made by someone else.
    await server.asSuperuser(database, [`ALTER SCHEMA public OWNER TO postgres`, `REVOKE CREATE ON SCHEMA public FROM PUBLIC`])
    const cannotCreate = await migrate(url)
    expect(cannotCreate.code, cannotCreate.stderr).toBe(78)
    expect(cannotCreate.stderr).toMatch(/cannot be used: the role lacks a privilege it needs\./)

    await server.asSuperuser(database, [`ALTER SCHEMA public OWNER TO ${server.role}`])
    expect((await migrate(url)).code).toBe(0)
    await server.asSuperuser(database, [`ALTER SCHEMA public OWNER TO postgres`, ...['sends', 'events', 'replay_files', 'rejects', 'schema_version'].map((table) => `ALTER TABLE ${table} OWNER TO postgres`), `GRANT USAGE ON SCHEMA public TO ${server.role}`, `GRANT SELECT ON schema_version TO ${server.role}`])
    const cannotRead = await runCli(['status', '4711', '--store', url], { PGPASSWORD: server.password })
    expect(cannotRead.code, cannotRead.stderr).toBe(78)
    expect(cannotRead.stderr).toMatch(/cannot be used: the role lacks a privilege it needs\./)
    expect(cannotRead.stderr).not.toContain(server.password)
  })
})
