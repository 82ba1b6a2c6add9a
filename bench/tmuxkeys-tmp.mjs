import { spawnSync, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pty from 'node-pty';
const sock = '/tmp/tmuxkeys.sock';
spawnSync('tmux', ['-S', sock, '-f', '/dev/null', 'new', '-d', '-s', 'k', 'cat']);
const spid = Number(execFileSync('tmux', ['-S', sock, 'display', '-p', '#{pid}'], { encoding: 'utf8' }).trim());
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return [Number(f[11]) * 10, Number(f[12]) * 10]; };
const term = pty.spawn('tmux', ['-S', sock, 'attach', '-t', 'k'], { env: { ...process.env, TERM: 'xterm' }, cols: 80, rows: 24 });
let out = ''; let waiter;
term.onData((d) => { out += d; if (waiter && out.includes(waiter.t)) { const r = waiter.r; waiter = undefined; r(); } });
const until = (t) => out.includes(t) ? Promise.resolve() : new Promise((r) => (waiter = { t, r }));
await new Promise((r) => setTimeout(r, 1500));
const N = 4000; const samples = [];
const c0 = cpu(spid), k0 = cpu(term.pid);
for (let i = 0; i < N; i++) { const k = String.fromCharCode(97 + (i % 26)); out = ''; const t0 = performance.now(); term.write(k); await until(k); samples.push(performance.now() - t0); }
const c1 = cpu(spid), k1 = cpu(term.pid);
const q = (arr, p) => { const s = [...arr].sort((a, b) => a - b); return s[Math.floor(s.length * p)].toFixed(3); }; for (let i = 0; i < 4; i++) { const part = samples.slice(i * N / 4, (i + 1) * N / 4); console.log("quarter", i, "p50", q(part, 0.5), "p99", q(part, 0.99), "max", q(part, 0.999)); }
samples.sort((a, b) => a - b);
console.log(`tmux median ${samples[N / 2].toFixed(3)} p99 ${samples[Math.floor(N * 0.99)].toFixed(3)}; server user/sys us/key ${((c1[0] - c0[0]) / N * 1000).toFixed(0)}/${((c1[1] - c0[1]) / N * 1000).toFixed(0)}; client ${((k1[0] - k0[0]) / N * 1000).toFixed(0)}/${((k1[1] - k0[1]) / N * 1000).toFixed(0)}`);
term.kill(); spawnSync('tmux', ['-S', sock, 'kill-server']); process.exit(0);
