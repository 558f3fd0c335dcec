// Runs a command and reports wall time and peak RSS, using GNU time (Debian package `time`),
// which reads the child's rusage: exact, unlike sampling /proc.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const GNU_TIME = '/usr/bin/time'

export function checkTools() {
  if (!existsSync(GNU_TIME)) throw new Error('bench needs GNU time: apt-get install -y time')
}

export function measure(command, args, options = {}) {
  const report = join(tmpdir(), `sms-kannel-bench-${process.pid}-${Math.random().toString(36).slice(2)}.time`)
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%e %M %U %S', '-o', report, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const [seconds, maxRssKb, userSeconds, systemSeconds] = readFileSync(report, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
      rmSync(report, { force: true })
      if (!(options.allowExit ?? [0]).includes(code)) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`))
      // CPU time as well: on a shared machine it says more about the code than wall time.
      resolve({ seconds, cpuSeconds: userSeconds + systemSeconds, peakMb: maxRssKb / 1024, stdout, code })
    })
  })
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
