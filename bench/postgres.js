// A throwaway PostgreSQL for the benchmarks, as the tests start theirs: Debian's server,
// initdb into a temporary directory, loopback only, as `nobody` under root; undefined
// (the caller skips loudly) when PostgreSQL is not installed.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function binDir() {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  return readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => b - a).map((version) => join(root, version, 'bin')).find((bin) => existsSync(join(bin, 'pg_ctl')))
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

export async function startBenchPostgres() {
  const bin = binDir()
  if (!bin) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-pg-'))
  const data = join(dir, 'data')
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
  if (asUser.uid !== undefined) chownSync(dir, asUser.uid, asUser.gid)
  const port = await freePort()
  const password = `bench-${port}`
  writeFileSync(join(dir, 'pw'), `${password}\n`)
  if (asUser.uid !== undefined) chownSync(join(dir, 'pw'), asUser.uid, asUser.gid)
  const run = (tool, args) => execFileSync(join(bin, tool), args, { ...asUser, cwd: dir, env: { ...process.env, LC_ALL: 'C' }, stdio: 'ignore' })
  run('initdb', ['-D', data, '-U', 'postgres', '--pwfile', join(dir, 'pw'), '--auth', 'scram-sha-256', '--no-sync', '-E', 'UTF8'])
  // Defaults otherwise (fsync and synchronous_commit on): what a site's server does.
  appendFileSync(join(data, 'postgresql.conf'), `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\n`)
  run('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'server.log'), 'start'])
  const stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', 'stop'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const { default: pg } = await import('pg')
  const url = (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`
  let databases = 0
  return {
    /** A fresh database's URL. */
    createDatabase: async () => {
      const name = `bench_${++databases}`
      await query(url('postgres'), `CREATE DATABASE ${name}`)
      return url(name)
    },
    /** CPU time (ms) the server's processes have used so far: the postmaster and each live child. */
    cpuMs: () => serverCpuMs(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])),
    count: async (databaseUrl, table) => Number((await query(databaseUrl, `SELECT count(*) AS n FROM ${table}`)).rows[0].n),
    stop,
  }

  async function query(target, text) {
    const client = new pg.Client({ connectionString: target })
    await client.connect()
    try {
      return await client.query(text)
    } finally {
      await client.end()
    }
  }
}

/** utime + stime of a process, in ms (USER_HZ is 100 on Linux), and its parent's pid. */
function processCpu(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return { parent: Number(fields[1]), ms: (Number(fields[11]) + Number(fields[12])) * 10 }
}

/** The postmaster's CPU and its children's (backends, WAL writer, ...): what the database spends. */
export function serverCpuMs(postmaster) {
  let total = processCpu(postmaster).ms
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const { parent, ms } = processCpu(name)
      if (parent === postmaster) total += ms
    } catch {
      // Gone meanwhile.
    }
  }
  return total
}

/** A process's own CPU time so far, in ms. */
export function processCpuMs(pid) {
  return processCpu(pid).ms
}
