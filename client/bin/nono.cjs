#!/usr/bin/env node
// One bundled CommonJS file: Node's ESM loader and the resolution of dozens of modules cost
// more than the whole sandboxed run of a short command. It is compiled from V8's code cache,
// except for `learn`, which imports @nono/learn (an ES module) and so is loaded plainly.
const bundle = require('node:path').join(__dirname, '../dist/nono.cjs');
const cli = process.argv[2] === 'learn' ? require(bundle) : require('./code-cache.cjs').load(bundle, process.argv[2] ?? '', true);
void cli.startCli();
