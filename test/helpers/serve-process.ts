import { spawn, type ChildProcess } from 'node:child_process'
import { BIN } from './run-cli.js'

export interface ServeProcess {
  child: ChildProcess
  base: string
  stderr: () => string
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>
}

/** Starts `sms-kannel serve` on a free loopback port and waits until it listens. */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdout!.resume()
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 10_000)
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stderr!.on('data', check)
    void exited.then(() => reject(new Error(`serve exited: ${stderr}`)))
  })
  return { child, base, stderr: () => stderr, exited }
}
