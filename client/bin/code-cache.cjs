// Runs the bundled CLI through V8's code cache: parsing and compiling the half-megabyte bundle
// cost about as much as Node's own start. The cache sits beside the bundle, where only whoever
// installed nono can write (never a shared temp dir: whoever writes the cache chooses the code
// that runs), and its header names the bundle's size and mtime, since V8 checks only the length.
'use strict';
const { readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const vm = require('node:vm');

const HEADER_BYTES = 64;

const cachePath = (bundle) => `${bundle}.cache`;

function keyOf(bundle) {
  const { size, mtimeMs } = statSync(bundle);
  return `nono code cache ${size} ${mtimeMs}`;
}

function readCache(bundle, key) {
  try {
    const file = readFileSync(cachePath(bundle));
    return file.subarray(0, HEADER_BYTES).toString('latin1').trimEnd() === key ? file.subarray(HEADER_BYTES) : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole under a temporary name and renamed, so a reader never sees half a cache. */
function writeCache(bundle, key, data) {
  const header = Buffer.alloc(HEADER_BYTES, ' ');
  header.write(key, 'latin1');
  const temp = `${cachePath(bundle)}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([header, data]), { mode: 0o644 });
    renameSync(temp, cachePath(bundle));
  } catch {
    // An install this user cannot write to runs without a cache, as before there was one.
    rmSync(temp, { force: true });
  }
}

function compile(bundle, cachedData) {
  const source = readFileSync(bundle, 'utf8');
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
}

/**
 * Runs the bundle as CommonJS would, but for import(): a script compiled from a code cache loses
 * its module loader on Node 20, so a command that imports an ES module must use plain require.
 * Without a usable cache the bundle is compiled as usual and the cache is written on exit,
 * holding every function the command needed.
 */
function run(bundle) {
  const key = keyOf(bundle);
  const cachedData = readCache(bundle, key);
  const script = compile(bundle, cachedData);
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(bundle, key, script.createCachedData()));
  const bundleModule = { exports: {}, filename: bundle };
  // Module.createRequire, not node:module's: loading that public module alone cost 2 ms.
  return script.runInThisContext()(bundleModule.exports, module.constructor.createRequire(bundle), bundleModule, bundle, dirname(bundle));
}

/**
 * At build time: a cache of every function, compiled eagerly, so the first run of any command
 * finds its code there. The flag is restored before the cache is taken, because V8 refuses a
 * cache made under other flags.
 */
function build(bundle) {
  const v8 = require('node:v8');
  v8.setFlagsFromString('--no-lazy');
  const script = compile(bundle, undefined);
  v8.setFlagsFromString('--lazy');
  writeCache(bundle, keyOf(bundle), script.createCachedData());
}

module.exports = { run, build };
