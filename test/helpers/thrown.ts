/** The error `run` throws, for tests that check its class, exit code, message and hint together. */
export function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error, but nothing was thrown')
}
