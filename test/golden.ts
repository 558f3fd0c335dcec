/**
 * Golden records for the real Kannel captures in test/fixtures/kannel/, shared by the golden
 * and schema tests. Regenerate only on purpose, and review the diff:
 * UPDATE_GOLDEN=1 npx vitest run test/core/golden.test.ts
 */
import { readFileSync } from 'node:fs'
import { DLR_PARAMS } from '../src/core/kannel-request.js'
import { parseDlrLine, resolveDlrParamNames, type DlrParamNames, type ParsedLine } from '../src/core/dlr.js'

export const FIXTURES = new URL('./fixtures/kannel/', import.meta.url)
export const GOLDEN = new URL('./fixtures/golden/', import.meta.url)

/** The captures used Kannel's letters as parameter names: d=%d, A=%A, F=%F, p=%p, P=%P, t=%t/%T, i=%i, I=%I. */
export const CAPTURE_NAMES = resolveDlrParamNames(['dlr=d,reply=A,smscmsgid=F,recipient=p,sender=P,time=t,smsc=i,kid=I']) as DlrParamNames

export const GOLDEN_CASES = [
  { fixture: 'dlr-callbacks-real.txt', golden: 'dlr-callbacks-real.jsonl', names: CAPTURE_NAMES },
  { fixture: 'kannel-access-log.txt', golden: 'kannel-access-log.jsonl', names: { ...DLR_PARAMS } },
]

export function parseFixture(fixture: string, names: DlrParamNames): ParsedLine[] {
  const text = readFileSync(new URL(fixture, FIXTURES), 'utf8')
  return text.split('\n').slice(0, -1).map((line, index) =>
    parseDlrLine(line, {
      names,
      feedbackPath: '/smsKannelfeedback',
      receivedAt: new Date('2026-11-28T12:00:00Z'),
      source: { kind: 'file', file: `fixtures/kannel/${fixture}`, line: index + 1 },
    }),
  )
}
