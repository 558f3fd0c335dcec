// Start-up: what one login costs. hyperfine (Debian) times each command against its baseline
// in the same run: send vs a minimal node:http script and curl, against a real Kannel on
// loopback; --help and feedback QUERY vs `node -e 0`. Peak memory from one GNU time run each.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure } from './measure.js'

const ROOT = new URL('..', import.meta.url).pathname
const BIN = join(ROOT, 'bin/sms-kannel.cjs')
const LAB_SCRIPT = join(ROOT, 'examples/local-kannel.sh')

function hyperfine(commands, env, runs) {
  const out = join(mkdtempSync(join(tmpdir(), 'sms-kannel-bench-hf-')), 'hf.json')
  execFileSync('hyperfine', ['-N', '--warmup', '5', '--runs', String(runs), '--export-json', out, ...commands], { env: { ...process.env, ...env }, stdio: 'ignore' })
  const results = JSON.parse(readFileSync(out, 'utf8')).results
  rmSync(out, { force: true })
  return results.map((result) => ({ meanMs: result.mean * 1000, stddevMs: result.stddev * 1000 }))
}

async function peakMb(command, args, env) {
  return (await measure(command, args, { env, allowExit: [0] })).peakMb
}

export async function benchStartup({ runs, log }) {
  try {
    execFileSync('hyperfine', ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error('bench needs hyperfine: apt-get install -y hyperfine')
  }
  const lab = mkdtempSync(join(tmpdir(), 'sms-kannel-bench-lab-'))
  const labEnv = { SMS_KANNEL_LAB: lab }
  log('startup: starting a local Kannel (examples/local-kannel.sh, ports 13000-13013, 10000, 18080)')
  execFileSync(LAB_SCRIPT, ['start'], { env: { ...process.env, ...labEnv }, stdio: 'ignore' })
  const rows = []
  try {
    const sendEnv = {
      SMSKANNEL_GWURL: 'http://127.0.0.1:13013',
      SMSKANNEL_USER: 'visulox',
      SMSKANNEL_PASSWORD: 'change-me',
      VLXSMS: '+491701234567',
      VLXPIN: '482913',
      VLXPIN_SEQUENCE: '17',
      VLXPIN_TEXT: 'PIN 482913 seq 17',
    }
    const curl = `curl -s -X POST -H 'X-Kannel-Username: visulox' -H 'X-Kannel-Password: change-me' -H 'X-Kannel-To: +491701234567' -H 'Content-Type: text/plain; charset=UTF-8' --data-binary 'PIN 482913 seq 17' http://127.0.0.1:13013/cgi-bin/sendsms`
    log(`startup: send, ${runs} runs each`)
    const [ours, minimal, viaCurl] = hyperfine([`node ${BIN}`, `node ${join(ROOT, 'bench/minimal-send.js')}`, curl], sendEnv, runs)
    const sendPeak = await peakMb(process.execPath, [BIN], sendEnv)
    const minimalPeak = await peakMb(process.execPath, [join(ROOT, 'bench/minimal-send.js')], sendEnv)
    rows.push({
      name: 'send one PIN (real Kannel, loopback)',
      baseline: `${minimal.meanMs.toFixed(0)} ms, ${minimalPeak.toFixed(0)} MB (node:http script); curl ${viaCurl.meanMs.toFixed(0)} ms`,
      ours: `${ours.meanMs.toFixed(0)} ± ${ours.stddevMs.toFixed(0)} ms, ${sendPeak.toFixed(0)} MB`,
      ratio: `${(ours.meanMs / minimal.meanMs).toFixed(2)}x time (aim <= 1.5)`,
      note: `${(ours.meanMs / viaCurl.meanMs).toFixed(1)}x curl`,
    })

    log(`startup: --help and feedback QUERY, ${runs} runs each`)
    const query = `node ${BIN} feedback 'seq=17&msgid=6f1c&dlr=1&reply=&smscmsgid=c951&recipient=%2B491701234567&time=1795858642&smsc=smsc1'`
    const [bare, help, feedback] = hyperfine(['node -e 0', `node ${BIN} --help`, query], {}, runs)
    const barePeak = await peakMb(process.execPath, ['-e', '0'], {})
    const helpPeak = await peakMb(process.execPath, [BIN, '--help'], {})
    rows.push({
      name: 'sms-kannel --help',
      baseline: `${bare.meanMs.toFixed(0)} ms, ${barePeak.toFixed(0)} MB (node -e 0)`,
      ours: `${help.meanMs.toFixed(0)} ± ${help.stddevMs.toFixed(0)} ms, ${helpPeak.toFixed(0)} MB`,
      ratio: `${(help.meanMs / bare.meanMs).toFixed(2)}x time (aim <= 1.3)`,
      note: '',
    })
    rows.push({
      name: 'sms-kannel feedback QUERY',
      baseline: `${bare.meanMs.toFixed(0)} ms (node -e 0)`,
      ours: `${feedback.meanMs.toFixed(0)} ± ${feedback.stddevMs.toFixed(0)} ms`,
      ratio: `${(feedback.meanMs / bare.meanMs).toFixed(2)}x time (aim <= 1.3)`,
      note: 'one event record to stdout, no store',
    })
  } finally {
    execFileSync(LAB_SCRIPT, ['stop'], { env: { ...process.env, ...labEnv }, stdio: 'ignore' })
    rmSync(lab, { recursive: true, force: true })
  }
  return rows
}
