// Runs the bundled CLI through V8's code cache: parsing and compiling the half-megabyte bundle
// cost about as much as Node's own start. There is one cache per command, holding just the code
// that command ran (a cache of everything took longer to load than it saved). Caches sit beside
// the bundle, where only whoever installed nono can write (never a shared temp dir: whoever
// writes a cache chooses the code that runs), and each names the bundle's size and mtime in its
// header, since V8 itself checks only the source's length.
'use strict';
const { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

const HEADER_BYTES = 64;

function keyOf(bundle) {
  const { size, mtimeMs } = statSync(bundle);
  return `nono code cache ${size} ${mtimeMs}`;
}

/**
 * Threat: in a directory anyone may create files in (world-writable, with the sticky bit so the
 * bundle itself is safe), another user could plant a cache: bytecode V8 runs as whoever runs
 * nono. A cache is read only if this user or root owns it and nobody else may write it, and no
 * cache is read or written in a world-writable directory. (A group that may write the install
 * directory may replace the bundle too, so a user-private group's 0775 keeps caches.)
 */
function ownedByUs(stats) {
  const euid = process.geteuid?.();
  return euid !== undefined && (stats.uid === euid || stats.uid === 0);
}

/** The install directory, if caches may be read and written there. */
function trustedDir(bundle) {
  try {
    return (statSync(dirname(bundle)).mode & 0o002) === 0;
  } catch {
    return false;
  }
}

function readCache(path, key) {
  let fd;
  try {
    // O_NOFOLLOW: a symlink at the cache path is not the cache; O_NONBLOCK: a FIFO there cannot hang us.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile() || !ownedByUs(stats) || (stats.mode & 0o022) !== 0) return undefined;
    const file = readFileSync(fd);
    return file.subarray(0, HEADER_BYTES).toString('latin1').trimEnd() === key ? file.subarray(HEADER_BYTES) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Written whole under a temporary name and renamed, so a reader never sees half a cache. */
function writeCache(path, key, data) {
  const header = Buffer.alloc(HEADER_BYTES, ' ');
  header.write(key, 'latin1');
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // 'wx' (O_EXCL): never through something already at the temporary name, such as a symlink.
    writeFileSync(temp, Buffer.concat([header, data]), { mode: 0o644, flag: 'wx' });
    renameSync(temp, path);
  } catch {
    // An install this user cannot write to runs without a cache, as before there was one.
    rmSync(temp, { force: true });
  }
}

/**
 * Loads the bundle as CommonJS would, but for import(): a script compiled from a code cache loses
 * its module loader on Node 20, so a command that imports an ES module must use plain require.
 * Compiled from `word`'s cache; with `write`, a run of that command without a usable cache
 * compiles the bundle as usual and writes the cache on exit. Anything that names no command (--help, a typo) gets
 * none. Returns the bundle's exports.
 */
function load(bundle, word, write) {
  const cachePath = /^[a-z]+$/.test(word) && trustedDir(bundle) ? `${bundle}.${word}.cache` : undefined;
  const key = keyOf(bundle);
  const cachedData = cachePath === undefined ? undefined : readCache(cachePath, key);
  const source = readFileSync(bundle, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const bundleModule = { exports: {}, filename: bundle };
  // Module.createRequire, not node:module's: loading that public module alone cost 2 ms.
  script.runInThisContext()(bundleModule.exports, module.constructor.createRequire(bundle), bundleModule, bundle, dirname(bundle));
  const missed = cachedData === undefined || script.cachedDataRejected === true;
  if (write && cachePath !== undefined && missed && bundleModule.exports.commandWords?.includes(word)) {
    // Checked at exit: a warm client loads before it knows its command, and this cache is `word`'s.
    process.once('exit', () => process.argv[2] === word && writeCache(cachePath, key, script.createCachedData()));
  }
  return bundleModule.exports;
}

module.exports = { load, keyOf };
