import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request } from 'undici'
import { BIN } from './run-cli.js'

export interface ServeProcess {
  child: ChildProcess
  base: string
  stderr: () => string
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>
}

/**
 * Starts `sms-kannel serve` on a free loopback port and waits until it listens. `runUnder`:
 * a command that runs it, e.g. ['prlimit', '--nofile=128:128'].
 */
export async function startServe(args: string[], env: Record<string, string> = {}, options: { startMs?: number; runUnder?: string[] } = {}): Promise<ServeProcess> {
  const [command, ...commandArgs] = [...(options.runUnder ?? []), process.execPath, BIN, 'serve', '--listen', '127.0.0.1:0', ...args]
  const child = spawn(command!, commandArgs, {
    env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdout!.resume()
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), options.startMs ?? 10_000)
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

export interface CallbackStream {
  /** Message ids of the callbacks answered 200 OK so far. */
  acknowledged: string[]
  /** Answers other than 200, by status. */
  refused: Map<number, number>
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>
}

/**
 * `connections` clients sending distinct callbacks (message ids PREFIX-N) back to back
 * until stopped or the server is gone (`alive` false after a failed request).
 */
export function streamCallbacks(base: string, options: { connections: number; prefix: string; alive: () => boolean }): CallbackStream {
  const agent = new Agent({ connections: options.connections })
  const acknowledged: string[] = []
  const refused = new Map<number, number>()
  let next = 0
  let stopped = false
  const client = async () => {
    while (!stopped) {
      const messageId = `${options.prefix}-${next++}`
      try {
        const response = await request(`${base}/smsKannelfeedback?seq=1&msgid=${messageId}&dlr=1&time=1795858642`, { dispatcher: agent })
        const body = await response.body.text()
        if (response.statusCode === 200 && body === 'OK\n') acknowledged.push(messageId)
        else refused.set(response.statusCode, (refused.get(response.statusCode) ?? 0) + 1)
      } catch {
        if (!options.alive()) return
      }
    }
  }
  const clients = Array.from({ length: options.connections }, client)
  return {
    acknowledged,
    refused,
    stop: async () => {
      stopped = true
      await Promise.all(clients)
      await agent.destroy()
    },
  }
}

/** startServe for one test file: `killLeft` (in afterEach) kills what a failing test left running. */
export function trackServes(): { start: typeof startServe; killLeft: () => void } {
  const started: ServeProcess[] = []
  return {
    start: async (...args) => {
      const serve = await startServe(...args)
      started.push(serve)
      return serve
    },
    killLeft: () => {
      for (const serve of started.splice(0)) if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL')
    },
  }
}
