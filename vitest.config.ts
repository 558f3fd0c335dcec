import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration suites start their own Kannel stacks; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
