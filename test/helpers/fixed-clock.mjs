// Preloaded by black-box tests (node --import <this file>?now=ISO-8601): the CLI's wall clock,
// `new Date()`, reads that instant. Date.now() keeps running, so timeouts and timers behave.
const now = new URL(import.meta.url).searchParams.get('now')
const fixedMs = Date.parse(now ?? '')
if (!Number.isFinite(fixedMs)) throw new Error(`fixed-clock: ?now=${now} is not a time`)

const RealDate = Date
function FixedDate(...args) {
  if (!new.target) return new RealDate(fixedMs).toString()
  return args.length === 0 ? new RealDate(fixedMs) : new RealDate(...args)
}
FixedDate.prototype = RealDate.prototype
Object.setPrototypeOf(FixedDate, RealDate)
globalThis.Date = FixedDate
