/**
 * A local STAND-IN for SMS4.de's HTTP API, for tests only: the build machines cannot reach
 * the real service. Where SMS4.de's public manual is explicit (docs/sms4de.md: parameters,
 * ISO-8859-15 or `kodierung=ucs` UCS-2 hex, the success phrase, the balance query's XML and
 * status codes, the DLR REST API's JSON), it follows it byte for byte. Where the manual is
 * silent (sms_out.pl's failure texts, the shape of the `v=1` id) it answers as the
 * assumptions in docs/sms4de.md say, so a test here proves our reading, not the service.
 * It decodes with its own code (TextDecoder), not sms-kannel's encoder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StandInAccount {
  user: string
  password: string
  kdnr: string
  /** The balance the balance query reports, as SMS4.de writes it: 34.56. */
  balance?: string
}

export interface ReceivedSms {
  smsId: string
  method: string
  handynr: string
  /** The text's bytes as they arrived, after percent-decoding (ISO-8859-15), or the UCS-2 hex. */
  textParam: Buffer
  kodierung: string | undefined
  /** The text, decoded as SMS4.de would: ISO-8859-15, or UCS-2 from hex. */
  text: string
  absender: string | undefined
  tarif: string | undefined
}

export interface DlrState {
  status: '0' | '1' | '2'
  statusText: string
  statusDetailText: string
  dateTime: string
}

export interface StandInRequest {
  method: string
  url: string
  body: string
}

export interface Sms4deStandIn {
  sendUrl: string
  checkUrl: string
  dlrUrl: string
  messages: ReceivedSms[]
  /** Every request as it arrived (URL and body as text), for leak and counting checks. */
  requests: StandInRequest[]
  /** Sets what the DLR API reports for an SMS id (one that was sent, or one made up). */
  report(smsId: string, state: DlrState, mobile?: string): void
  /** Delays every reply, so a test can look at a CLI still waiting for one. */
  holdRepliesMs: number
  /** DLR requests to let through before answering the rest with 503 (Infinity: all). */
  dlrRequestsBeforeFailure: number
  close(): Promise<void>
}

const SUCCESS = 'SMS erfolgreich versendet'
const HANDYNR = /^[1-9][0-9]{6,14}$/
const latin9 = new TextDecoder('iso-8859-15')

/** Form decoding into bytes: `+` is a space, `%XX` a byte; no character set assumed. */
function decodeFormBytes(value: string): Buffer {
  const bytes: number[] = []
  for (let index = 0; index < value.length; index++) {
    const character = value[index]!
    if (character === '+') bytes.push(0x20)
    else if (character === '%' && /^[0-9A-Fa-f]{2}$/.test(value.slice(index + 1, index + 3))) {
      bytes.push(parseInt(value.slice(index + 1, index + 3), 16))
      index += 2
    } else bytes.push(...Buffer.from(character, 'latin1'))
  }
  return Buffer.from(bytes)
}

function parseForm(form: string): Map<string, Buffer> {
  const fields = new Map<string, Buffer>()
  for (const pair of form.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const name = latin9.decode(decodeFormBytes(equals === -1 ? pair : pair.slice(0, equals)))
    if (!fields.has(name)) fields.set(name, decodeFormBytes(equals === -1 ? '' : pair.slice(equals + 1)))
  }
  return fields
}

function decodeUcs2Hex(hex: string): string | undefined {
  if (!/^([0-9A-Fa-f]{4})+$/.test(hex)) return undefined
  let text = ''
  for (let index = 0; index < hex.length; index += 4) text += String.fromCharCode(parseInt(hex.slice(index, index + 4), 16))
  return text
}

export async function startSms4deStandIn(account: StandInAccount): Promise<Sms4deStandIn> {
  const messages: ReceivedSms[] = []
  const requests: StandInRequest[] = []
  const reports = new Map<string, { state: DlrState; mobile: string }>()
  let nextId = 40400001

  const text = (fields: Map<string, Buffer>, name: string) => (fields.has(name) ? latin9.decode(fields.get(name)!) : undefined)
  const credentialsMatch = (fields: Map<string, Buffer>) => text(fields, 'user') === account.user && text(fields, 'pwd') === account.password && text(fields, 'kdnr') === account.kdnr

  function sendSms(method: string, fields: Map<string, Buffer>): string {
    for (const name of ['handynr', 'user', 'pwd', 'kdnr', 'text']) if (!fields.has(name) || fields.get(name)!.length === 0) return `Fehler: Parameter ${name} fehlt`
    if (!credentialsMatch(fields)) return 'Fehler: Benutzer, Passwort oder Kundennummer falsch'
    const handynr = text(fields, 'handynr')!
    if (!HANDYNR.test(handynr)) return 'Fehler: Handynummer ungueltig'
    const absender = text(fields, 'absender')?.trim()
    if (absender !== undefined && !/^[A-Za-z0-9]{6,11}$/.test(absender) && !/^(\+|00)?[0-9]{6,14}$/.test(absender)) return 'Fehler: Absender ungueltig'
    const tarif = text(fields, 'tarif')
    if (tarif !== undefined && tarif !== '1' && tarif !== '7') return 'Fehler: Tarif ungueltig'
    const kodierung = text(fields, 'kodierung')
    const textParam = fields.get('text')!
    const decoded = kodierung === 'ucs' ? decodeUcs2Hex(textParam.toString('latin1')) : latin9.decode(textParam)
    if (decoded === undefined) return 'Fehler: Text ist kein UCS-2 (hex)'
    if (decoded.length > (kodierung === 'ucs' ? 70 : 160)) return 'Fehler: Text zu lang'
    const smsId = String(nextId++)
    messages.push({ smsId, method, handynr, textParam, kodierung, text: decoded, absender, tarif })
    reports.set(smsId, { mobile: handynr, state: { status: '1', statusText: 'OPEN', statusDetailText: 'Transfer - noch kein Status', dateTime: '2026-11-28 10:16:54' } })
    return text(fields, 'v') === '1' ? `${SUCCESS}\nSMS-Id: ${smsId}\n` : `${SUCCESS}\n`
  }

  function checkBalance(fields: Map<string, Buffer>): string {
    const status =
      !fields.has('user') ? ['11', 'User fehlt']
      : !fields.has('pwd') ? ['12', 'Passwort fehlt']
      : !fields.has('kdnr') ? ['13', 'Kundennummer fehlt']
      : !credentialsMatch(fields) ? ['10', 'User, Passwort und Kundennummer passen nicht zusammen']
      : ['0', 'OK']
    const balance = status[0] === '0' ? `<guthaben>${account.balance ?? '34.56'}</guthaben>` : ''
    return `<?xml version="1.0" encoding="ISO-8859-1"?>\n<smscheck><status>${status[0]}</status><statustext>${status[1]}</statustext>${balance}</smscheck>\n`
  }

  function deliveryReports(kdnr: string, ids: string[]): string {
    const known = (id: string) => {
      const found = kdnr === account.kdnr ? reports.get(id) : undefined
      return found && { smsId: id, status: found.state.status, statusText: found.state.statusText, mobile: found.mobile, dateTime: found.state.dateTime, statusDetailText: found.state.statusDetailText }
    }
    if (ids.length === 1) return JSON.stringify(known(ids[0]!) ?? { error: 'smsid not found' })
    return JSON.stringify(ids.map(known).filter(Boolean))
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('latin1')
    const url = new URL(request.url ?? '/', 'http://stand-in')
    requests.push({ method: request.method ?? '', url: request.url ?? '', body })
    const form = request.method === 'POST' ? body : url.search.slice(1)
    const dlr = /^\/restapi\/v1\/dlr\/([^/]+)\/([^/]+)$/.exec(url.pathname)
    let status = 200
    let type = 'text/plain; charset=ISO-8859-1'
    let reply: string
    if (url.pathname === '/cgi-bin/sms_out.pl' && (request.method === 'GET' || request.method === 'POST')) reply = sendSms(request.method, parseForm(form))
    else if (url.pathname === '/cgi-bin/sms_check.pl' && (request.method === 'GET' || request.method === 'POST')) {
      type = 'text/xml; charset=ISO-8859-1'
      reply = checkBalance(parseForm(form))
    } else if (dlr && request.method === 'GET' && standIn.dlrRequestsBeforeFailure <= 0) {
      status = 503
      reply = 'Service Unavailable'
    } else if (dlr && request.method === 'GET') {
      standIn.dlrRequestsBeforeFailure -= 1
      type = 'application/json'
      reply = deliveryReports(decodeURIComponent(dlr[1]!), decodeURIComponent(dlr[2]!).split(','))
    } else {
      status = 404
      type = 'text/html'
      reply = '<html><body><h1>Not Found</h1></body></html>'
    }
    if (standIn.holdRepliesMs > 0) await new Promise((resolve) => setTimeout(resolve, standIn.holdRepliesMs))
    response.writeHead(status, { 'content-type': type })
    response.end(Buffer.from(reply, 'latin1'))
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const standIn: Sms4deStandIn = {
    sendUrl: `${base}/cgi-bin/sms_out.pl`,
    checkUrl: `${base}/cgi-bin/sms_check.pl`,
    dlrUrl: `${base}/restapi/v1/dlr`,
    messages,
    requests,
    report: (smsId, state, mobile) => reports.set(smsId, { state, mobile: mobile ?? reports.get(smsId)?.mobile ?? '491700000000' }),
    holdRepliesMs: 0,
    dlrRequestsBeforeFailure: Infinity,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return standIn
}
