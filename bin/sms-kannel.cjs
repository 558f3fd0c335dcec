#!/usr/bin/env node
// CommonJS on purpose: Node 20's ESM loader makes every start slower (module facades for
// built-ins); `npm run bench` measures the start.
require('../dist/cli.cjs')
