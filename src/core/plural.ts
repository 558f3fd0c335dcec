/** A count with its noun: `1 PIN`, `2 PINs`, `3 tabs`, `2 carriage returns`, `2 crashes`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : /(?:s|sh)$/.test(noun) ? 'es' : 's'}`
}
