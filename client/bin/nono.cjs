#!/usr/bin/env node
// One bundled CommonJS file: Node's ESM loader and the resolution of dozens of modules cost
// more than the whole sandboxed run of a short command.
require('../dist/nono.cjs');
