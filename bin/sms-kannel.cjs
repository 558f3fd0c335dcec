#!/usr/bin/env node
// CommonJS on purpose: Node 20's ESM loader cost ~60 ms a start in module facades for
// built-ins alone (bench: --help 1.68x `node -e 0` as ESM, 1.20x as CommonJS).
require('../dist/cli.cjs')
