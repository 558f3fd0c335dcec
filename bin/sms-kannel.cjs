#!/usr/bin/env -S node --
// `--`: Node 20 itself reads an --env-file anywhere in argv (exiting 9 when it is missing); ours is sms-kannel's option.
// CommonJS on purpose: Node 20's ESM loader makes every start slower (module facades for
// built-ins); `npm run bench` measures the start.
require('../dist/cli.cjs')
