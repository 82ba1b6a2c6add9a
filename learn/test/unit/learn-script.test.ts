// nono learn on a real script under real strace: the config it reads, the cache it writes,
// the directory it lists, the binary it runs and the server it connects to come back, each
// with the access it needed, system paths only counted, and the fragment is a valid profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { learn, learnOutput, type LearnResult } from '../../src/index.js';
import { profileProblems } from '../../../daemon/src/policy/schema-validator.js';

let world: string;
let server: Server;
let port: number;
let result: LearnResult;
let ownPort: number;

const SCRIPT = `
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
const [world, port] = process.argv.slice(2);
readFileSync(world + '/config/app.toml');
writeFileSync(world + '/cache/' + process.pid + '-1.bin', 'x');
writeFileSync(world + '/cache/' + process.pid + '-2.bin', 'y');
readdirSync(world + '/data');
execFileSync(world + '/bin/tool');
await new Promise((done, fail) => connect(Number(port), '127.0.0.1', function () { this.end(); done(); }).on('error', fail));
const own = createServer();
await new Promise((done) => own.listen(0, '127.0.0.1', done));
console.log(own.address().port);
own.close();
`;

beforeAll(async () => {
  world = realpathSync(mkdtempSync('/var/tmp/nono-learn-script-'));
  for (const dir of ['config', 'cache', 'data', 'bin', 'home']) mkdirSync(join(world, dir));
  writeFileSync(join(world, 'config', 'app.toml'), 'name = "x"\n');
  writeFileSync(join(world, 'data', 'a.txt'), 'a');
  copyFileSync('/usr/bin/true', join(world, 'bin', 'tool'));
  writeFileSync(join(world, 'script.mjs'), SCRIPT);
  server = createServer((socket) => socket.end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as { port: number }).port;
  let output = '';
  result = await learn([process.execPath, join(world, 'script.mjs'), world, String(port)], {
    cwd: world,
    env: { PATH: '/usr/bin:/bin', HOME: join(world, 'home') },
    noRdns: true,
    onOutput: (stream, chunk) => (output += stream === 'stdout' ? chunk.toString() : ''),
  });
  ownPort = Number(output.trim());
});

afterAll(() => {
  server?.close();
  rmSync(world, { recursive: true, force: true });
});

describe('learn on a script', () => {
  it('lists exactly what the script used, each with its access', () => {
    expect(result.exitCode).toBe(0);
    expect(result.partial).toBe(false);
    expect(result.paths.map(({ path, access, kind }) => ({ path, access, kind }))).toEqual([
      { path: join(world, 'bin/tool'), access: 'read', kind: 'file' },
      { path: join(world, 'cache'), access: 'readwrite', kind: 'dir' },
      { path: join(world, 'config/app.toml'), access: 'read', kind: 'file' },
      { path: join(world, 'data'), access: 'read', kind: 'dir' },
      { path: join(world, 'script.mjs'), access: 'read', kind: 'file' },
    ]);
  });

  it('counts system paths instead of listing them', () => {
    expect(result.counts.system).toBeGreaterThan(10);
    expect(result.paths.some((p) => p.path.startsWith('/usr/') || p.path.startsWith('/etc/'))).toBe(false);
    expect(result.counts.processes).toBeGreaterThanOrEqual(2);
  });

  it('reports the connection to the local server and the port the script listened on', () => {
    expect(result.network.outbound).toEqual([
      { protocol: 'tcp', address: '127.0.0.1', port, count: 1, connected: true, host: null, hostSource: null },
    ]);
    expect(ownPort).toBeGreaterThan(0);
    expect(result.network.listening).toEqual([{ protocol: 'tcp', address: '127.0.0.1', port: ownPort }]);
  });

  it('drops what existing grants cover and says how many', async () => {
    const again = await learn([process.execPath, join(world, 'script.mjs'), world, String(port)], {
      cwd: world,
      env: { PATH: '/usr/bin:/bin', HOME: join(world, 'home') },
      noRdns: true,
      existing: [
        { path: join(world, 'config'), access: 'read', kind: 'dir' },
        { path: join(world, 'bin/tool'), access: 'readwrite', kind: 'file' },
      ],
    });
    expect(again.paths.map((p) => p.path)).toEqual([join(world, 'cache'), join(world, 'data'), join(world, 'script.mjs')]);
    expect(again.counts.covered).toBe(2);
  });

  it('lists system paths with all', async () => {
    const all = await learn(['/bin/sh', '-c', 'cat /etc/hostname > /dev/null'], { cwd: world, env: { PATH: '/usr/bin:/bin' }, noRdns: true, all: true });
    expect(all.paths.find((p) => p.path === '/etc/hostname')).toMatchObject({ access: 'read', kind: 'file', system: true });
  });

  it('writes a profile fragment the profile schema accepts', () => {
    const { learned: _report, ...fragment } = learnOutput(result, { home: join(world, 'home'), workdir: world });
    expect(profileProblems(fragment)).toEqual([]);
    expect(fragment.filesystem).toEqual({
      read: ['$WORKDIR/data'],
      allow: ['$WORKDIR/cache'],
      read_file: ['$WORKDIR/bin/tool', '$WORKDIR/config/app.toml', '$WORKDIR/script.mjs'],
    });
  });
});
