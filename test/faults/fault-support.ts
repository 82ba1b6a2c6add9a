// What every fault-injection test shares: a seeded schedule of kill points, a bit-exact
// fingerprint of a tree, the daemon killed and brought back, and the checks that nothing half
// written survives. The seed and the number of points come from the environment so that
// bench/fault-injection.mjs can run many more points than CI does with the same tests.
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { startDaemon, waitForSocket, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import type { TestWorld } from '../support/sandbox-env.js';

/** CI's fixed seed; NONO_FAULT_SEED overrides it (the bench passes its --seed). */
export const FAULT_SEED = Number(process.env.NONO_FAULT_SEED ?? 20261206);

/** Kill points per operation: `ci` in CI, NONO_FAULT_POINTS when the bench asks for more. */
export function faultPoints(ci: number): number {
  const asked = Number(process.env.NONO_FAULT_POINTS);
  return Number.isInteger(asked) && asked > 0 ? asked : ci;
}

/** mulberry32: tiny, fast, and the same sequence on every machine for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` kill points as fractions of the operation's measured duration: one in each equal
 * slice of [0, 1.1), placed by the seeded PRNG, so even a few points reach every phase of the
 * operation rather than bunching, and the last may land just after it finished. Each
 * operation has its own stream, so more points for one leave the others' unchanged.
 */
export function killSchedule(operation: string, count: number): number[] {
  const salt = createHash('sha256').update(operation).digest().readUInt32LE(0);
  const next = prng(FAULT_SEED ^ salt);
  return Array.from({ length: count }, (_, i) => ((i + next()) / count) * 1.1);
}

/**
 * A tree worth crashing in: `files` small files over a few directories with different modes,
 * two larger files, symlinks and an empty directory. `variant` changes every file's bytes,
 * so each point stores new objects instead of finding them all already there.
 */
export function buildTree(dir: string, variant: string, files = 300): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'empty'), { recursive: true });
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${i % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.txt`), `${variant} file ${i}\n`.repeat(1 + (i % 7)), { mode: [0o644, 0o600, 0o755][i % 3] });
  }
  for (const n of [1, 2]) writeFileSync(join(dir, `big${n}.bin`), Buffer.alloc(512 * 1024 * n, `${variant}-${n}`));
  symlinkSync('d0/f0.txt', join(dir, 'link-to-f0'));
  symlinkSync('/nonexistent/target', join(dir, 'dangling'));
  chmodSync(join(dir, 'd3'), 0o750);
}

/** Every entry of a tree as one line: path, type, mode, and content hash or symlink target. */
export function fingerprint(dir: string): string[] {
  const lines: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stats = lstatSync(full);
      const mode = (stats.mode & 0o7777).toString(8);
      const rel = relative(dir, full);
      if (stats.isSymbolicLink()) lines.push(`${rel} link ${readlinkSync(full)}`);
      else if (stats.isDirectory()) {
        lines.push(`${rel} dir ${mode}`);
        walk(full);
      } else lines.push(`${rel} file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(dir);
  return lines;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs the daemon (no handler runs, nothing is flushed) and waits until it is gone. */
export async function killDaemon(daemon: RunningDaemon): Promise<void> {
  const child = daemon.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * A daemon for the world after a crash. A CLI that found the socket dead may already have
 * started one itself, as it does for any user, and run its command there (`adopted`); then
 * that one is used and stopped with `nono daemon stop` like a user's.
 */
export async function restartDaemon(world: TestWorld): Promise<RunningDaemon & { adopted: boolean }> {
  try {
    return { ...(await startDaemon(world, { daemon: {} })), adopted: false };
  } catch (error) {
    if (!/already answers/.test(String(error))) throw error;
    await waitForSocket(world.socketPath);
    const status = JSON.parse((await runCli(['daemon', 'status', '--json'], world)).stdout) as { pid: number };
    const { spawn } = await import('node:child_process');
    // A stand-in ChildProcess so killDaemon works on it too: `tail --pid` exits with nonod.
    const watcher = spawn('tail', [`--pid=${status.pid}`, '-f', '/dev/null'], { stdio: 'ignore' });
    const proxy = Object.assign(watcher, {
      kill: (signal?: NodeJS.Signals | number) => {
        process.kill(status.pid, signal ?? 'SIGTERM');
        return true;
      },
    });
    return {
      adopted: true,
      process: proxy,
      stop: async () => {
        if (proxy.exitCode !== null) return;
        const exited = new Promise((resolve) => proxy.once('exit', resolve));
        await runCli(['daemon', 'stop'], world);
        await exited;
      },
    };
  }
}

export function snapshotStore(world: TestWorld): string {
  return join(world.root, 'state', 'nono', 'snapshots');
}

export interface StoreDamage {
  /** Temp files outside objects/incoming (where gc is documented to clear them) not of the kind below. */
  strayTemps: string[];
  /**
   * Temp files of writeFileDurably (`.NAME.PID-HEX.tmp` beside a manifest, stat cache, session
   * record or journal) that a crash left between write and rename. Known gap, reported: no
   * reader ever trusts one (their names start with a dot), but nothing removes them either.
   */
  abandonedTemps: string[];
  /** Abandoned object copies in objects/incoming; `nono snapshot gc` removes them. */
  incoming: string[];
  /** Files under an object's name whose bytes do not hash to it. */
  badObjects: string[];
  /** Manifests that do not parse. */
  badManifests: string[];
  /** Stat-cache hashes with no object: a later snapshot would trust them without reading. */
  danglingCache: string[];
}

/** Everything in the snapshot store a crash could have left half done, checked file by file. */
export function inspectStore(world: TestWorld): StoreDamage {
  const root = snapshotStore(world);
  const damage: StoreDamage = { strayTemps: [], abandonedTemps: [], incoming: [], badObjects: [], badManifests: [], danglingCache: [] };
  if (!existsSync(root)) return damage;
  const objects = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(root, full);
      if (lstatSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      if (rel.startsWith('objects/incoming/')) damage.incoming.push(rel);
      else if (/^(manifests|stat-cache|sessions|journals)\/\.[^/]+\.\d+-[0-9a-f]{8}\.tmp$/.test(rel)) damage.abandonedTemps.push(rel);
      else if (/\.tmp$|\.nono-restore$/.test(name)) damage.strayTemps.push(rel);
      else if (rel.startsWith('objects/')) {
        objects.add(name);
        if (createHash('sha256').update(readFileSync(full)).digest('hex') !== name) damage.badObjects.push(rel);
      } else if (rel.startsWith('manifests/')) {
        try {
          JSON.parse(readFileSync(full, 'utf8'));
        } catch {
          damage.badManifests.push(rel);
        }
      }
    }
  };
  walk(root);
  const caches = join(root, 'stat-cache');
  for (const name of existsSync(caches) ? readdirSync(caches) : []) {
    if (name.startsWith('.')) continue;
    // [path, key, hash] triples (see stat-cache.ts); only a file's stat key ("f…") makes a hash trusted.
    const { entries } = JSON.parse(readFileSync(join(caches, name), 'utf8')) as { entries: string[] };
    for (let i = 0; i < entries.length; i += 3) {
      if (entries[i + 1]!.startsWith('f') && !objects.has(entries[i + 2]!)) damage.danglingCache.push(`${name}:${entries[i]!}`);
    }
  }
  return damage;
}

/** The store after a crash: only what the design allows (see StoreDamage), nothing it would trust. */
export function expectWholeStore(damage: StoreDamage): void {
  expect({ ...damage, incoming: [], abandonedTemps: [] }).toEqual({ strayTemps: [], abandonedTemps: [], incoming: [], badObjects: [], badManifests: [], danglingCache: [] });
}

/** Restore temp files a crash left in the user's tree. */
export function treeTemps(dir: string): string[] {
  return fingerprint(dir)
    .map((line) => line.split(' ')[0]!)
    .filter((path) => /\.nono-restore$|\.tmp$/.test(path));
}

/** Pids of live processes whose command line contains `marker` (zombies excluded). */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker) && !/ [ZX] /.test(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\)/, ''))) pids.push(Number(name));
    } catch {
      // Gone between readdir and read.
    }
  }
  return pids;
}

/** Pids of live processes whose environment mentions `text` (the daemon's children inherit the world's paths). */
export function processesWithEnv(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'utf8').includes(text)) continue;
      if (/ [ZX] /.test(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\)/, ''))) continue;
      pids.push(Number(name));
    } catch {
      // Gone, or a kernel thread.
    }
  }
  return pids;
}

/** Waits for a condition the kernel settles asynchronously (a reaped pid, a torn-down namespace). */
export async function eventually<T>(probe: () => T, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(50);
    value = probe();
  }
  return value;
}

export interface FaultOutcome {
  operation: string;
  seed: number;
  point: number;
  delayMs: number;
  /** Which valid state the crash left: before, after, or resumed (finished by running it again). */
  state: string;
  detail?: string;
  /** StoreDamage.abandonedTemps after this point (they pile up over a run's points). */
  abandonedTemps?: string[];
}

/** One line per point for bench/fault-injection.mjs's summary; nothing when no report is asked for. */
export function recordOutcome(outcome: FaultOutcome): void {
  const file = process.env.NONO_FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(outcome)}\n`);
}

/** Starts `nono ARGS`, SIGKILLs the daemon `delayMs` later, and returns what the CLI said. */
export async function crashDuring(world: TestWorld, daemon: RunningDaemon, args: string[], delayMs: number, cwd?: string): Promise<CliResult> {
  const cli = runCli(args, world, cwd ? { cwd } : {});
  await sleep(delayMs);
  await killDaemon(daemon);
  return cli;
}

/** When, after spawning the CLI, the daemon works on the call: the kill points are placed in there. */
export interface Window {
  /** About when the request reaches nonod: most of a CLI start is Node loading the client. */
  fromMs: number;
  toMs: number;
}

/**
 * Times `nono ARGS` end to end here, and a call that does nothing (`daemon status`) for the
 * client's own start-up, so kill points land in the operation, not in Node loading the CLI.
 */
export async function calibrate(world: TestWorld, args: string[], cwd?: string): Promise<{ window: Window; result: CliResult }> {
  const time = async (argv: string[]) => {
    const t0 = performance.now();
    const result = await runCli(argv, world, cwd ? { cwd } : {});
    return { ms: performance.now() - t0, result };
  };
  const idle = Math.min(...(await Promise.all([0, 1, 2].map(() => time(['daemon', 'status', '--json'])))).map((t) => t.ms));
  const { ms, result } = await time(args);
  const fromMs = Math.min(idle * 0.8, ms * 0.5);
  return { window: { fromMs, toMs: Math.max(ms, fromMs + 50) }, result };
}

/** A point of killSchedule as a delay after the CLI is spawned. */
export function delayOf(fraction: number, window: Window): number {
  return Math.round(window.fromMs + fraction * (window.toMs - window.fromMs));
}

/** The one JSON error line a `--json` command writes when it fails. */
export function jsonError(result: CliResult): { kind: string; message: string } {
  const lines = result.stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one error line, got: ${result.stderr}`);
  return (JSON.parse(lines[0]!) as { error: { kind: string; message: string } }).error;
}

/**
 * Stops the world's daemon, then ends (by pid) anything still running with the world's
 * environment: a nonod a CLI started for itself after a kill, which no test went on to use,
 * would otherwise outlive the directories it serves. Says so, since it should not happen.
 */
export async function closeWorld(world: TestWorld | undefined, daemon: RunningDaemon | undefined): Promise<void> {
  await daemon?.stop();
  if (!world) return;
  const strays = await eventually(() => processesWithEnv(world.root), (pids) => pids.length === 0, 2_000);
  for (const pid of strays) {
    process.stderr.write(`fault test: ending pid ${pid} (${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}), still running for ${world.root}\n`);
    process.kill(pid, 'SIGKILL');
  }
  world.cleanup();
}
