// Sessions against tmux on this machine: keystroke round trip (client -> daemon -> PTY -> echo
// -> daemon -> client) over 1,000 keys, output throughput of `cat` of a 100 MB file to one
// attached client, and the daemon's memory idle and with 50 sessions. Both sides are driven
// through a real PTY by the same harness, so only nono and tmux differ.
import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { nonoArgv } from './support/nono-cli.mjs';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { single, summarize, quantile } from './support/stats.mjs';
import { rssMb } from './support/processes.mjs';

const KEYS = 1000;
const WARM_UP_KEYS = 500;
const KEY_BLOCK = 100;
const CAT_ROUNDS = 2;
const FILE_MB = 100;
const SESSIONS = 50;

/** A client on a real PTY, with a way to wait for bytes in its output. */
function openClient(argv, world) {
  const term = pty.spawn(argv[0], argv.slice(1), { cols: 80, rows: 24, cwd: world.work, env: { ...world.env, TERM: 'xterm-256color' } });
  let out = '';
  let waiter;
  term.onData((d) => {
    out += d;
    if (out.length > 1 << 16) out = out.slice(-(1 << 15));
    if (waiter && out.includes(waiter.text)) {
      const { resolve } = waiter;
      waiter = undefined;
      resolve();
    }
  });
  return {
    term,
    until(text, timeoutMs = 120_000) {
      if (out.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; last output ${JSON.stringify(out.slice(-300))}`)), timeoutMs);
        waiter = { text, resolve: () => (clearTimeout(timer), resolve()) };
      });
    },
    /**
     * Waits until the client has put its terminal in raw mode. Before that the line discipline
     * echoes keys itself, and a key "round trip" would time the local echo, not the client.
     */
    async raw(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!/(^|\s)-icanon(\s|$)/.test(spawnSync('stty', ['-F', term.ptsName, '-a'], { encoding: 'utf8' }).stdout ?? '')) {
        if (Date.now() > deadline) throw new Error(`the client never put its terminal in raw mode; last output ${JSON.stringify(out.slice(-300))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    clear() {
      out = '';
    },
    close() {
      term.kill('SIGKILL');
    },
  };
}

/** Times `count` keys typed one at a time, each until the client shows its echo. */
async function keystrokes(client, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    client.clear();
    const t0 = performance.now();
    client.term.write(key);
    await client.until(key);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/**
 * Warm-up keys first, then every side in alternating blocks (A B C, C B A, ...), as hyperfine rows
 * are: a p99 is the few slowest keys, and whatever else the machine did in one stretch would
 * land on one side only. nonod is a Node process: its first keys run unoptimised code while V8
 * compiles it on the second core, so the warm-up's p99 is reported as well (a daemon that has
 * run a while has long compiled it).
 */
async function keystrokeRounds(sides, keys, progress) {
  for (const side of sides) {
    await side.client.raw();
    side.client.term.write('x');
    await side.client.until('x', 30_000);
    progress(`sessions: ${side.label} warm-up keys`);
    side.warmUp = await keystrokes(side.client, WARM_UP_KEYS);
    side.samples = [];
  }
  const blocks = Math.ceil(keys / KEY_BLOCK);
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) side.samples.push(...(await keystrokes(side.client, Math.min(KEY_BLOCK, keys - b * KEY_BLOCK))));
    progress(`sessions: keys ${Math.min(keys, (b + 1) * KEY_BLOCK)}/${keys} each side`);
  }
  return sides.map((side) => ({ ...summarize(side.samples), p99Ms: quantile(side.samples, 0.99), warmUpP99Ms: quantile(side.warmUp, 0.99) }));
}

async function throughput(client) {
  client.clear();
  const t0 = performance.now();
  client.term.write('\r');
  await client.until('END-OF-' + 'CAT', 600_000);
  return performance.now() - t0;
}

function writeBigFile(path, megabytes) {
  const line = `${'the quick brown fox jumps over the lazy dog '.repeat(2)}\n`;
  const chunk = line.repeat(Math.ceil((1 << 20) / line.length));
  const fd = openSync(path, 'w');
  for (let i = 0; i < megabytes; i++) writeSync(fd, chunk.slice(0, 1 << 20));
  closeSync(fd);
}

export default async function sessions({ repo, scale, progress }) {
  const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (tmux.status !== 0) {
    return [{ name: 'sessions vs tmux', status: 'skip', reason: 'tmux is not installed (scripts/install-system-packages.sh bench installs it)' }];
  }
  const world = createWorld('nono-bench-sessions-');
  const tmuxArgs = ['-L', `nono-bench-${process.pid}`, '-f', '/dev/null'];
  const cli = (...args) => {
    const argv = nonoArgv(repo, args);
    const r = spawnSync(argv[0], argv.slice(1), { cwd: world.work, env: world.env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`nono ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const tmuxRun = (...args) => spawnSync('tmux', [...tmuxArgs, ...args], { env: world.env, encoding: 'utf8' });
  let daemon;
  const clients = [];
  try {
    daemon = startDaemon(repo, world);
    const rows = [];
    const keys = Math.max(100, Math.round(KEYS * scale));

    // Memory first, on a fresh daemon: idle, then with 50 sessions that each drew a screenful.
    const pid = daemon.status.pid;
    await new Promise((r) => setTimeout(r, 500));
    const idle = rssMb(pid);
    for (let i = 0; i < SESSIONS; i++) cli('run', '--name', `idle-${i}`, '--detached', '--', 'sh', '-c', 'seq 1 200; exec cat');
    await new Promise((r) => setTimeout(r, 1000));
    const loaded = rssMb(pid);
    const perSession = (loaded - idle) / SESSIONS;
    rows.push({
      name: 'daemon RSS idle (MB)',
      measured: single(idle),
      baseline: undefined,
      unit: 'MB',
      target: '≤ 60 MB',
      status: idle <= 60 ? 'pass' : 'fail',
      note: 'resident memory of nonod one second after start, before any session',
    });
    rows.push({
      name: `daemon RSS per session (${SESSIONS} sessions)`,
      measured: single(perSession),
      baseline: single(loaded),
      baselineLabel: `total ${loaded.toFixed(0)} MB`,
      unit: 'MB',
      target: '≤ 2 MB each',
      status: perSession <= 2 ? 'pass' : 'fail',
      note: 'each session holds a headless terminal with 1000 lines of scrollback; this measures the daemon, not the sandboxed processes',
    });
    for (let i = 0; i < SESSIONS; i++) cli('stop', `idle-${i}`, '--force');
    // Keystroke round trip: `cat` on a terminal in cooked mode echoes every key.
    cli('run', '--name', 'rtt', '--detached', '--', 'cat');
    tmuxRun('new-session', '-d', '-s', 'rtt', '-x', '80', '-y', '24', 'cat');
    const nonoClient = openClient(nonoArgv(repo, ['attach', 'rtt']), world);
    const tmuxClient = openClient(['tmux', ...tmuxArgs, 'attach', '-t', 'rtt'], world);
    const relayClient = openClient([process.execPath, join(repo, 'bench', 'support', 'node-relay.cjs')], world);
    clients.push(nonoClient, tmuxClient, relayClient);
    const [nonoKeys, tmuxKeys, relayKeys] = await keystrokeRounds(
      [
        { client: nonoClient, label: 'nono' },
        { client: tmuxClient, label: 'tmux' },
        { client: relayClient, label: 'a bare Node relay' },
      ],
      keys,
      progress,
    );
    rows.push({
      name: 'keystroke round trip',
      measured: nonoKeys,
      baseline: tmuxKeys,
      baselineLabel: `tmux ${tmux.stdout.trim().replace(/^tmux /, '')}`,
      deltaMs: nonoKeys.medianMs - tmuxKeys.medianMs,
      ratio: nonoKeys.p99Ms / tmuxKeys.p99Ms,
      target: 'p99 ratio ≤ 1',
      status: nonoKeys.p99Ms <= tmuxKeys.p99Ms ? 'pass' : 'fail',
      note: `${keys} keys each side after ${WARM_UP_KEYS} warm-up keys, one at a time, in alternating blocks of ${KEY_BLOCK}, echoed by the PTY's line discipline; p99 ${nonoKeys.p99Ms.toFixed(2)} ms (nono) vs ${tmuxKeys.p99Ms.toFixed(2)} ms (tmux); the ratio is of the p99s; during the warm-up p99 ${nonoKeys.warmUpP99Ms.toFixed(2)} ms (nono, freshly started) vs ${tmuxKeys.warmUpP99Ms.toFixed(2)} ms (tmux); a bare Node relay on the same path (support/node-relay.cjs, what any Node process there reaches): median ${relayKeys.medianMs.toFixed(2)} ms, p99 ${relayKeys.p99Ms.toFixed(2)} ms`,
    });
    nonoClient.close();
    tmuxClient.close();
    relayClient.close();

    // Throughput: the command waits for Enter, then cats the file and prints a marker.
    const megabytes = Math.max(10, Math.round(FILE_MB * scale));
    const dataDir = join(world.root, 'data');
    mkdirSync(dataDir);
    const big = join(dataDir, 'big.txt');
    writeBigFile(big, megabytes);
    const script = `while read x; do cat ${big}; printf 'END-OF-%s\\n' CAT; done`;
    cli('run', '--name', 'cat', '--detached', '--read', dataDir, '--', 'sh', '-c', script);
    tmuxRun('new-session', '-d', '-s', 'cat', '-x', '80', '-y', '24', 'sh', '-c', script);
    const nonoCat = openClient(nonoArgv(repo, ['attach', 'cat']), world);
    const tmuxCat = openClient(['tmux', ...tmuxArgs, 'attach', '-t', 'cat'], world);
    clients.push(nonoCat, tmuxCat);
    await Promise.all([nonoCat.raw(), tmuxCat.raw()]);
    await new Promise((r) => setTimeout(r, 1000));
    // Rounds in alternating order (nono tmux, tmux nono), so drift lands on both sides.
    const catMs = { nono: [], tmux: [] };
    const catSides = [['nono', nonoCat], ['tmux', tmuxCat]];
    for (let round = 0; round < CAT_ROUNDS; round++) {
      for (const [label, client] of round % 2 === 0 ? catSides : [...catSides].reverse()) {
        progress(`sessions: ${label} cat, round ${round + 1}/${CAT_ROUNDS}`);
        catMs[label].push(await throughput(client));
      }
    }
    const nonoMs = quantile(catMs.nono, 0.5);
    const tmuxMs = quantile(catMs.tmux, 0.5);
    rows.push({
      name: `cat ${megabytes} MB to one attached client`,
      measured: summarize(catMs.nono),
      baseline: summarize(catMs.tmux),
      baselineLabel: 'the same under tmux',
      deltaMs: nonoMs - tmuxMs,
      ratio: nonoMs / tmuxMs,
      target: 'time ratio ≤ 1',
      status: nonoMs <= tmuxMs ? 'pass' : 'fail',
      note: `${CAT_ROUNDS} runs each side, alternating; ${((megabytes * 1000) / nonoMs).toFixed(0)} MB/s through nono vs ${((megabytes * 1000) / tmuxMs).toFixed(0)} MB/s through tmux; nonod logs every byte, parses into its screen model all but the plain lines that scroll past unseen, sends the bytes in binary frames, and like tmux sends a client that falls behind the screen instead of the bytes`,
    });
    nonoCat.close();
    tmuxCat.close();
    cli('stop', 'cat', '--force');
    cli('stop', 'rtt', '--force');

    return rows;
  } finally {
    for (const client of clients) client.close();
    tmuxRun('kill-server');
    daemon?.stop();
    world.cleanup();
  }
}
