// A `nono` client started before it is needed. nonod starts one (daemon/src/launch/warm-clients.ts)
// with the runtime dir's launch.sock as fd 3 and a line to the daemon as fd 4; it loads the CLI
// bundle and waits. The `nono` launcher (native-helper/launcher/nono.c) connects, proves it may
// read the daemon's secret, and hands over its arguments, environment, umask, working directory
// and standard fds; from then on this process is that command's client, exactly as if
// `node nono.cjs ARGS` had been started there, and it tells the launcher how it exited.
'use strict';
const { closeSync, readFileSync, readSync, writeSync } = require('node:fs');
const { Socket } = require('node:net');
const { join } = require('node:path');
const { keyOf, load } = require('./code-cache.cjs');

const LISTEN_FD = 3;
const DAEMON_FD = 4;
/** An unused warm client gives its memory back; the daemon starts another when a client next connects. */
const IDLE_MS = 10 * 60_000;
/** The exit status that tells the daemon the installed bundle is not the one loaded (warm-clients.ts). */
const STALE_EXIT = 75;

const [handoffPath] = process.argv.slice(2);

/** The daemon's first line on fd 4 names its secret file (kept out of argv, which ps shows). */
function readLine(fd) {
  const bytes = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n;
    try {
      n = readSync(fd, one, 0, 1, null);
    } catch (error) {
      // The line may be non-blocking and not written yet: nothing else to do meanwhile.
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      continue;
    }
    if (n !== 1 || one[0] === 0x0a) return Buffer.from(bytes).toString('utf8');
    bytes.push(one[0]);
  }
}
const secretPath = readLine(DAEMON_FD);
const handoff = require(handoffPath);
const bundle = join(__dirname, '../dist/nono.cjs');
const loadedKey = keyOf(bundle);
// From `run`'s code cache, as bin/nono.cjs loads it for `run`: what the cache holds is compiled
// already when the command comes (about 10 ms of a short run). Written here if missing.
const cached = load(bundle, 'run', true);
writeSync(DAEMON_FD, 'loaded\n');

/** NUL-separated strings: secret, umask, argument count, arguments, environment (launch-wire.h). */
function parseRequest(payload) {
  const fields = payload.toString('utf8').split('\0');
  fields.pop();
  const [secret, umask, count, ...rest] = fields;
  const argc = Number(count);
  if (!/^[0-7]{1,4}$/.test(umask ?? '') || !Number.isSafeInteger(argc) || argc < 0 || argc > rest.length) return undefined;
  return { secret, umask: parseInt(umask, 8), args: rest.slice(0, argc), env: rest.slice(argc) };
}

function currentSecret() {
  try {
    return readFileSync(secretPath, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Compared in constant time, as auth.hello compares the daemon's. */
function sameSecret(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function closeQuietly(fd) {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

/** Waits for a request this process may take: from our user, knowing the secret, for the bundle we loaded. */
function takeRequest() {
  for (;;) {
    const taken = handoff.takeLaunch(LISTEN_FD, DAEMON_FD, IDLE_MS);
    if (typeof taken === 'string') process.exit(0);
    const request = parseRequest(taken.payload);
    const stale = keyOf(bundle) !== loadedKey;
    if (request !== undefined && !stale && sameSecret(request.secret, currentSecret())) return { taken, request };
    // Nothing ran: the launcher may run the command the slow way (its one chance to, launch-wire.h).
    try {
      writeSync(taken.conn, 'not-run\n');
    } catch {
      // It hung up already.
    }
    for (const fd of [...taken.fds, taken.conn]) closeQuietly(fd);
    // nono was reinstalled since this process loaded it: the daemon replaces every warm client.
    if (stale) process.exit(STALE_EXIT);
  }
}

const { taken, request } = takeRequest();
// The launcher's pid (SO_PEERCRED): the daemon stops or continues this process with it when
// the launcher is stopped or killed by a signal it cannot catch (launcher-watch.ts).
writeSync(DAEMON_FD, `taken ${taken.launcherPid}\n`);
closeSync(DAEMON_FD);
closeSync(LISTEN_FD);
handoff.adoptStdio(taken.fds);
process.umask(request.umask);
for (const name of Object.keys(process.env)) delete process.env[name];
for (const entry of request.env) {
  const eq = entry.indexOf('=');
  if (eq > 0) process.env[entry.slice(0, eq)] = entry.slice(eq + 1);
}
process.argv = [process.argv[0], join(__dirname, 'nono.cjs'), ...request.args];
process.title = `nono ${request.args[0] ?? ''}`.trimEnd();
process.on('exit', (code) => {
  try {
    writeSync(taken.conn, `exit ${code}\n`);
  } catch {
    // The launcher is gone (its terminal closed): nobody is waiting for the status.
  }
});
// The launcher sends nothing more; its connection ends only when it does (killed, say). A client
// whose launcher was killed would go on reading the terminal the shell now reads: it ends as the
// killed Node client would, after giving the terminal back its mode.
const launcher = new Socket({ fd: taken.conn, readable: true, writable: false });
launcher.unref();
launcher.on('error', () => undefined);
launcher.on('end', () => {
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
});
launcher.resume();
// As bin/nono.cjs does: a script compiled from a code cache cannot import(), which `learn` does.
const cli = request.args[0] === 'learn' ? require(bundle) : cached;
void cli.startCli();
