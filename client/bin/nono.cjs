#!/usr/bin/env node
// One bundled CommonJS file: Node's ESM loader and the resolution of dozens of modules cost
// more than the whole sandboxed run of a short command. It is compiled from V8's code cache,
// except for `learn`, which imports @nono/learn (an ES module) and so is loaded plainly.
const bundle = require('node:path').join(__dirname, '../dist/nono.cjs');
if (process.argv[2] === 'learn') require(bundle);
else require('./code-cache.cjs').run(bundle);
