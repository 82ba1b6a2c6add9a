// A realistic agent workload runs unchanged inside the view with `-p node-dev --allow-cwd`:
// git, npm, a C compiler and Python all see real files, and their writes land on disk.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();

beforeAll(() => {
  mkdirSync(join(ctx.world.home, '.npm'), { recursive: true });
  const work = ctx.world.work;
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'tiny', version: '1.0.0', scripts: { test: 'node test.js' } }));
  writeFileSync(join(work, 'index.js'), 'module.exports = (a, b) => a + b;\n');
  writeFileSync(join(work, 'test.js'), "const add = require('./index.js'); if (add(2, 3) !== 5) process.exit(1); console.log('tests passed');\n");
  writeFileSync(join(work, 'hello.c'), '#include <stdio.h>\nint main(void) { puts("compiled and ran"); return 0; }\n');
  writeFileSync(join(work, 'write.py'), "import pathlib\nfor i in range(3):\n    pathlib.Path(f'out/{i}.txt').write_text(str(i * i))\nprint('python wrote')\n");
});

const inSandbox = (script: string) =>
  runCli(['run', '-p', 'node-dev', '--allow-cwd', '--', 'sh', '-c', script], ctx.world, { timeoutMs: 60_000 });

describe('a realistic workload in the view', () => {
  it('git init, add and commit', async () => {
    const r = await inSandbox('git init -q && git add package.json index.js && git -c user.name=agent -c user.email=agent@example.com commit -qm first && git log --format=%s');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('first\n');
    expect(existsSync(join(ctx.world.work, '.git', 'HEAD'))).toBe(true);
  });

  it('npm test of a small package', async () => {
    const r = await inSandbox('npm test --silent');
    expect(r.stdout).toMatch(/tests passed/);
    expect(r.code).toBe(0);
  });

  it('a C compile, with temporary files in the private /tmp', async () => {
    const r = await inSandbox('cc -o hello hello.c && ./hello');
    expect(r.stdout).toBe('compiled and ran\n');
    expect(existsSync(join(ctx.world.work, 'hello'))).toBe(true);
  });

  it('a Python script writing files', async () => {
    const r = await inSandbox('mkdir -p out && /usr/bin/python3 write.py');
    expect(r.stdout).toBe('python wrote\n');
    expect(readFileSync(join(ctx.world.work, 'out', '2.txt'), 'utf8')).toBe('4');
  });
});
