/**
 * Message ids for the dlr-url, as UUID version 7 (RFC 9562): a millisecond timestamp, then
 * random bits. Ids that grow with time land at the end of the store's message-id index
 * instead of on a random page of it, which makes storing faster.
 */
export function uuidV7(unixMs: number, random: Uint8Array): string {
  if (!Number.isSafeInteger(unixMs) || unixMs < 0 || unixMs >= 2 ** 48) throw new RangeError('uuidV7 needs a 48-bit millisecond timestamp')
  if (random.length < 10) throw new RangeError('uuidV7 needs 10 random bytes')
  const bytes = new Uint8Array(16)
  for (let index = 0; index < 6; index++) bytes[index] = Math.floor(unixMs / 2 ** (8 * (5 - index))) % 256
  bytes.set(random.subarray(0, 10), 6)
  bytes[6] = 0x70 | (bytes[6]! & 0x0f) // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f) // variant 10
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
