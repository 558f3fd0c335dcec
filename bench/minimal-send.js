// The baseline for a send: the same POST with node:http and nothing else.
import http from 'node:http'

const url = new URL(`${process.env.SMSKANNEL_GWURL}/cgi-bin/sendsms`)
const body = process.env.VLXPIN_TEXT ?? 'PIN'
const request = http.request(
  {
    hostname: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'content-length': Buffer.byteLength(body),
      'x-kannel-username': process.env.SMSKANNEL_USER,
      'x-kannel-password': process.env.SMSKANNEL_PASSWORD,
      'x-kannel-to': process.env.VLXSMS,
    },
  },
  (response) => response.resume(),
)
request.end(body)
