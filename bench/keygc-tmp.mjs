import { createWorld, startDaemon } from './support/private-world.mjs';
import { nonoArgv } from './support/nono-cli.mjs';
import { spawnSync, spawn } from 'node:child_process';
import { readFileSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
const repo = '/work/main';
const world = createWorld();
const prof = process.argv[2] === 'prof';
if (prof) {
  spawn(process.execPath, ['--trace-gc', join(repo, 'test/support/nonod-test-entry.mjs'), '{}'], { env: world.env, detached: true, stdio: ['ignore', openSync('/tmp/gc.log', 'w'), 'ignore'] }).unref();
  while (!existsSync(join(world.env.XDG_RUNTIME_DIR, 'nono', 'nono.sock'))) await new Promise((r) => setTimeout(r, 50));
}
const daemon = startDaemon(repo, world, prof ? undefined : {});
const cli = (...a) => { const v = nonoArgv(repo, a); return spawnSync(v[0], v.slice(1), { cwd: world.work, env: world.env, encoding: 'utf8' }); };
cli('run', '--name', 'rtt', '--detached', '--', 'cat');
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return globalThis.SPLIT ? [Number(f[11])*10, Number(f[12])*10] : (Number(f[11]) + Number(f[12])) * 10; };
const term = pty.spawn(process.execPath, [join(repo, 'client/bin/nono.cjs'), 'attach', 'rtt'], { cwd: world.work, env: { ...world.env, TERM: 'xterm' }, cols: 80, rows: 24 });
let out = ''; let waiter;
term.onData((d) => { out += d; if (waiter && out.includes(waiter.t)) { const r = waiter.r; waiter = undefined; r(); } });
const until = (t) => out.includes(t) ? Promise.resolve() : new Promise((r) => (waiter = { t, r }));
await new Promise((r) => setTimeout(r, 1500));
term.write('x'); await until('x');
const N = 4000;
const pid = daemon.status.pid;
const tr = { kill() {} };
await new Promise((r) => setTimeout(r, 500));
globalThis.SPLIT = true; const s0 = cpu(pid); globalThis.SPLIT = false;
const c0 = cpu(pid), k0 = cpu(term.pid);
const samples = [];
for (let i = 0; i < N; i++) { const k = String.fromCharCode(97 + (i % 26)); out = ''; const t0 = performance.now(); term.write(k); await until(k); samples.push(performance.now() - t0); if (performance.now() - t0 > 1) console.log('slow key', i, (performance.now() - t0).toFixed(2), new Date().toISOString()); }
globalThis.SPLIT = true; const s1 = cpu(pid); globalThis.SPLIT = false; console.log("user us/key", (s1[0]-s0[0])/N*1000, "sys us/key", (s1[1]-s0[1])/N*1000);
const q = (arr, p) => { const s = [...arr].sort((a, b) => a - b); return s[Math.floor(s.length * p)].toFixed(3); }; for (let i = 0; i < 4; i++) { const part = samples.slice(i * N / 4, (i + 1) * N / 4); console.log("quarter", i, "p50", q(part, 0.5), "p99", q(part, 0.99), "max", q(part, 0.999)); }
samples.sort((a, b) => a - b);
console.log(`median ${samples[N / 2].toFixed(3)} p90 ${samples[Math.floor(N * 0.9)].toFixed(3)} p99 ${samples[Math.floor(N * 0.99)].toFixed(3)}; nonod cpu/key ${((cpu(pid) - c0) / N * 1000).toFixed(0)} us; client cpu/key ${((cpu(term.pid) - k0) / N * 1000).toFixed(0)} us`);
tr.kill('SIGINT');
await new Promise((r) => setTimeout(r, 500));
term.kill();
cli('daemon', 'stop');
await new Promise((r) => setTimeout(r, 1000));
world.cleanup();
process.exit(0);
