// `@nono/client` as a plugin author gets it: `npm pack` of client/, installed offline into a
// project outside this repository (nothing resolvable from the workspace), and the editor-plugin
// example run there by package name against a real daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { REPO, runCommand } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
let project: string;

function npm(args: string[], cwd: string): string {
  // The developer's npm cache, not the test world's empty HOME: --offline installs from it.
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', env: process.env, timeout: 120_000 });
  expect(r.status, `npm ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  // /var/tmp, not under the repository: no node_modules above it can supply @nono/*.
  project = mkdtempSync('/var/tmp/nono-plugin-');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-editor-plugin', version: '1.0.0', private: true, type: 'module' }));
}, 180_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('npm pack of @nono/client', () => {
  it('installs offline outside the repository, with its README, a semver version and no @nono/shared to fetch', () => {
    npm(['pack', '-w', 'client', '--pack-destination', project], REPO);
    const tarball = readdirSync(project).find((f) => /^nono-client-\d+\.\d+\.\d+\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    npm(['install', '--offline', `./${tarball!}`], project);
    const installed = join(project, 'node_modules', '@nono', 'client');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string; private?: boolean; dependencies?: object };
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(readFileSync(join(installed, 'README.md'), 'utf8')).toMatch(/^# @nono\/client/);
    expect(existsSync(join(installed, 'dist', 'types', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', '@nono', 'shared'))).toBe(false);
  }, 180_000);

  it('runs docs/examples/editor-plugin.mjs there, by package name, against a running daemon', async () => {
    copyFileSync(join(REPO, 'docs/examples/editor-plugin.mjs'), join(project, 'editor-plugin.mjs'));
    const workdir = ctx.world.work;
    const before = readdirSync(workdir).sort();
    const result = await runCommand([process.execPath, join(project, 'editor-plugin.mjs'), workdir], ctx.world, { cwd: project, timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ready> hello from the editor\nwrote NOTES-\d+\.md/);
    expect(result.stdout).toMatch(/^\+ NOTES-\d+\.md \(\+1 -0\)$/m);
    expect(result.stdout).toMatch(/^rolled back: \+ NOTES-\d+\.md$/m);
    expect(readdirSync(workdir).sort()).toEqual(before);
  });
});
