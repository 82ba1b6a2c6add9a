// The macOS helper, tested on Linux: src/seatbelt.c compiles with the helper's strict flags
// against a stub <sandbox.h>, stays out of the Linux build, and, linked with a stub
// sandbox_init that confines nothing, reads its spec strictly and runs the procedure in order.
// Seatbelt itself is only exercised on a Mac.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxPlan } from '@nono/shared';
import { seatbeltProfile } from '../../daemon/src/sandbox/seatbelt/seatbelt-profile.js';
import { encodeSeatbeltSpec } from '../../daemon/src/sandbox/seatbelt/seatbelt-spec.js';

const helperDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(helperDir, 'build');
const stubDir = path.join(helperDir, 'test', 'macos-stub');
const stubHelper = path.join(buildDir, 'macos-stub', 'nono-helper');
const linuxHelper = path.join(buildDir, 'nono-helper');

const check = spawnSync('make', ['-s', '-C', helperDir, 'check-macos'], { encoding: 'utf8' });
// helper.test.ts builds the Linux helper too; only build it here when nothing has yet.
if (!existsSync(linuxHelper)) {
  const make = spawnSync('make', ['-s', '-C', helperDir], { encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`make failed: ${make.stderr}`);
}

const STRICT = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', '-O2'];

function cc(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('cc', args, { cwd: helperDir, encoding: 'utf8' });
}

function specOf(...records: string[]): string {
  return records.map((r) => `${r}\0`).join('');
}

const PROFILE = '(version 1)\n(deny default)\n(allow file-read* (subpath "/a \\"b\\" (c)"))\n';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(helper: string, spec: string | Buffer, command: string[], extraFds = 0, env: Record<string, string> = {}): Promise<Result> {
  const extra = Array.from({ length: extraFds }, () => 'pipe' as const);
  const child = spawn(helper, ['--spec-fd', '3', '--', ...command], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', ...extra],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  const specPipe = child.stdio[3] as Writable;
  specPipe.on('error', () => {}); // the helper may refuse before reading it all
  specPipe.end(spec);
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'nono-seatbelt-helper-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('the macOS helper source', () => {
  it('compiles with the strict flags and -D__APPLE__ against the stub <sandbox.h> (make check-macos)', () => {
    expect(check.status, check.stderr).toBe(0);
    const bare = cc(['-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-D__APPLE__', '-I', stubDir, 'src/seatbelt.c']);
    expect(bare.status, bare.stderr).toBe(0);
  });

  it('is really checked: a warning in seatbelt.c fails the check', () => {
    const broken = path.join(tmp, 'seatbelt.c');
    writeFileSync(broken, `${readFileSync(path.join(helperDir, 'src', 'seatbelt.c'), 'utf8')}\nstatic void unused_on_purpose(void) { int x; }\n`);
    const result = cc([...STRICT, '-fsyntax-only', '-D__APPLE__', '-I', stubDir, '-I', 'src', broken]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/unused/);
  });

  it("main.c's __APPLE__ branch runs seatbelt_main and nothing of Linux's; the Linux branch is untouched", () => {
    const apple = cc(['-E', '-P', '-D__APPLE__', '-I', stubDir, 'src/main.c']);
    const linux = cc(['-E', '-P', '-D_GNU_SOURCE', 'src/main.c']);
    expect(apple.stdout).toMatch(/return seatbelt_main\(argc, argv\);/);
    expect(apple.stdout).not.toMatch(/landlock_restrict|prctl/);
    expect(linux.stdout).toMatch(/landlock_restrict\(&spec\);/);
    expect(linux.stdout).not.toMatch(/seatbelt/);
  });

  it('is not part of the Linux build: not in its commands, objects or symbols', () => {
    const dry = spawnSync('make', ['-n', '-B', '-C', helperDir, 'build/nono-helper'], { encoding: 'utf8' });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('src/landlock.c');
    expect(dry.stdout).not.toContain('seatbelt');
    expect(existsSync(path.join(buildDir, 'obj', 'seatbelt.o'))).toBe(false);
    const symbols = spawnSync('nm', [linuxHelper], { encoding: 'utf8' });
    expect(symbols.status, symbols.stderr).toBe(0);
    expect(symbols.stdout).toMatch(/ T landlock_restrict$/m);
    expect(symbols.stdout).not.toMatch(/seatbelt|\bsandbox_init\b|sandbox_free_error/);
  });
});

describe('the macOS helper procedure (stub sandbox_init)', () => {
  it('enters the cwd, hands sandbox_init the profile, closes inherited fds, sets the limits, then execs', async () => {
    const out = path.join(tmp, 'profile.sb');
    const spec = specOf('nono-spec 1', `cwd ${tmp}`, 'rlimit-as 1073741824', `sbpl ${PROFILE}`, 'end');
    // No pipeline: while one starts, the shell itself holds its pipe's fds.
    const script = 'pwd; ls /proc/$$/fd; ulimit -v';
    const result = await run(stubHelper, spec, ['sh', '-c', script], 2, { NONO_STUB_SBPL_OUT: out });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(tmp);
    expect(lines.slice(1, -1).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2]);
    expect(lines.at(-1)).toBe(String(1073741824 / 1024));
    expect(readFileSync(out, 'utf8')).toBe(PROFILE);
  });

  it('prints {"seatbelt":true} for --probe', () => {
    const result = spawnSync(stubHelper, ['--probe'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ seatbelt: true });
  });

  const refused: [string, string, RegExp][] = [
    ['no profile', specOf('nono-spec 1', 'cwd /', 'end'), /no sbpl record, so there is no Seatbelt profile to apply; nothing was run/],
    ['a Linux spec', specOf('nono-spec 1', 'fs read_file /usr', `sbpl ${PROFILE}`, 'end'), /record 2 "fs read_file \/usr": not a macOS record/],
    ['two profiles', specOf('nono-spec 1', `sbpl ${PROFILE}`, `sbpl ${PROFILE}`, 'end'), /record 3 .*repeated/],
    ['a relative cwd', specOf('nono-spec 1', 'cwd here', `sbpl ${PROFILE}`, 'end'), /the path must be absolute/],
    ['a zero limit', specOf('nono-spec 1', 'rlimit-nproc 0', `sbpl ${PROFILE}`, 'end'), /expected a decimal number from 1 to 2\^62/],
    ['a limit with a sign', specOf('nono-spec 1', 'rlimit-as +5', `sbpl ${PROFILE}`, 'end'), /expected a decimal number/],
    ['no end record', specOf('nono-spec 1', `sbpl ${PROFILE}`), /no end record, the spec is truncated/],
    ['bytes after end', `${specOf('nono-spec 1', `sbpl ${PROFILE}`, 'end')}sbpl (version 1)`, /bytes after the end record/],
    ['another first record', specOf('nono-spec 2', `sbpl ${PROFILE}`, 'end'), /the first record must be "nono-spec 1"/],
    ['a profile Seatbelt refuses', specOf('nono-spec 1', 'sbpl (deny default)', 'end'), /Seatbelt refused the profile: stub: the profile has no \(version 1\); nothing was run/],
  ];
  for (const [what, spec, message] of refused) {
    it(`refuses ${what} with exit 125 and one line, running nothing`, async () => {
      const marker = path.join(tmp, 'ran');
      const result = await run(stubHelper, spec, ['touch', marker]);
      expect(result.code).toBe(125);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it("applies the daemon's encoding of a generated profile byte for byte", async () => {
    const fixture = JSON.parse(readFileSync(path.join(helperDir, '..', 'daemon', 'test', 'fixtures', 'seatbelt', 'opt-ins.plan.json'), 'utf8')) as SandboxPlan;
    const plan = { ...fixture, cwd: tmp, limits: { memoryBytes: null, maxProcesses: 4096 } };
    const profile = seatbeltProfile(plan, { terminal: '/dev/ttys001' });
    const out = path.join(tmp, 'profile.sb');
    const result = await run(stubHelper, encodeSeatbeltSpec(profile, plan, { processesBesides: 0 }), ['grep', 'Max processes', '/proc/self/limits'], 0, {
      NONO_STUB_SBPL_OUT: out,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Max processes +4096 +4096 /);
    expect(readFileSync(out, 'utf8')).toBe(profile);
  });

  it('is refused by the Linux helper, which knows no sbpl record', async () => {
    const marker = path.join(tmp, 'ran');
    const result = await run(linuxHelper, specOf('nono-spec 1', `sbpl ${PROFILE}`, 'end'), ['touch', marker]);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/unknown directive "sbpl"/);
    expect(existsSync(marker)).toBe(false);
  });
});
