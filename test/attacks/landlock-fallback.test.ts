// Without user namespaces (simulated with the helper's --no-userns switch) nono falls back to
// Landlock alone: it says once which protections are missing, refuses what Landlock cannot
// make safe (a grant containing a protected path), still keeps the credentials out, and
// refuses to start at all under --require-full-isolation.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const ctx = usePrivateDaemon({ daemon: { helperFlags: ['--no-userns'] } });
const run = (args: string[]) => runCli(['run', ...args], ctx.world);

describe('on Landlock alone', () => {
  it('says in one line which protections are missing, and still runs', async () => {
    const r = await run(['--allow-cwd', '--', 'cat', 'file.txt']);
    expect(r.stdout).toBe('hello from the workdir\n');
    const warning = r.stderr.trim().split('\n');
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/^nono: Landlock alone, user namespaces are unavailable \(disabled by --no-userns\): .*deny inside allow.*host unix sockets/);
  });

  it('refuses a grant that contains a protected path, naming it', async () => {
    const r = await run(['--allow', '~', '--', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/contains .*\.ssh \(deny_credentials\)/);
    for (const path of [dirname(ctx.world.socketPath), ctx.world.root]) {
      const own = await run(['--allow', path, '--', 'true']);
      expect(own.code, path).toBe(125);
      expect(own.stderr).toMatch(/runtime dir/);
    }
  });

  it('keeps the credentials out', async () => {
    const r = await run(['--allow-cwd', '--', 'cat', join(ctx.world.home, '.ssh', 'id_rsa')]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('refuses to start under --require-full-isolation or a profile that requires it, and runs nothing', async () => {
    const marker = join(ctx.world.work, 'ran');
    const r = await run(['--require-full-isolation', '--', 'touch', marker]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/full isolation is required \(--require-full-isolation\) but user namespaces are unavailable.*nono doctor/);
    expect(existsSync(marker)).toBe(false);
    mkdirSync(join(ctx.world.root, 'config', 'nono', 'profiles'), { recursive: true });
    writeFileSync(join(ctx.world.root, 'config', 'nono', 'profiles', 'strict.json'), '{ "extends": "default", "require_full_isolation": true }');
    const strict = await run(['-p', 'strict', '--', 'touch', marker]);
    expect(strict.code).toBe(125);
    expect(strict.stderr).toMatch(/profile strict: require_full_isolation/);
    expect(existsSync(marker)).toBe(false);
  });

  it('nono doctor names the missing user namespaces and what they cost', async () => {
    const r = await runCli(['doctor', '--json'], ctx.world);
    const report = JSON.parse(r.stdout);
    expect(report.isolation).toBe('landlock');
    const userns = report.checks.find((c: { name: string }) => c.name === 'user namespaces');
    expect(userns).toMatchObject({ ok: false, value: 'disabled by --no-userns' });
    expect(userns.meaning).toMatch(/unprivileged_userns_clone/);
    const human = await runCli(['doctor'], ctx.world);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/MISSING user namespaces/);
  });
});

// As the unprivileged user, so its /tmp/nono-$UID is not the one filesystem-view.test.ts uses
// for root at the same time.
describe('on Landlock alone, with the runtime dir under /tmp (XDG_RUNTIME_DIR unset)', () => {
  const as = unprivilegedUser();
  const tmp = usePrivateDaemon({ world: { noRuntimeDir: true, owner: as }, as, daemon: { helperFlags: ['--no-userns'] } });

  it('refuses --allow /tmp, which would expose the socket and its secret', async () => {
    const r = await runCli(['run', '--allow', '/tmp', '--', 'true'], tmp.world, { as });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`/tmp: /tmp contains /tmp/nono-${as.uid}`));
  });

  it('gives the sandbox a private TMPDIR instead of /tmp, and removes it afterwards', async () => {
    const r = await runCli(
      ['run', '--', 'sh', '-c', `echo scratch > "$TMPDIR/x" && cat "$TMPDIR/x" && echo "$TMPDIR"; ls /tmp/nono-${as.uid} && echo LISTED`],
      tmp.world,
      { as },
    );
    const [content, tmpdir] = r.stdout.split('\n');
    expect(content).toBe('scratch');
    expect(tmpdir).toMatch(/^\/tmp\/nono-sandbox-/);
    expect(r.stdout).not.toMatch(/LISTED/);
    expect(existsSync(tmpdir!)).toBe(false);
  });
});

describe('proxied mode on Landlock alone', () => {
  it('reaches the proxy port only, gets 403 for unlisted hosts, and cannot connect anywhere else', async () => {
    const listener = (await import('node:net')).createServer((socket) => socket.destroy());
    let hits = 0;
    listener.on('connection', () => hits++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
    const port = (listener.address() as { port: number }).port;
    const r = await run([
      '--allow-domain',
      'allowed.example',
      '--',
      'sh',
      '-c',
      `echo "$HTTPS_PROXY" | grep -q ':3128$' && echo RELAY-PORT; curl -sS -o /dev/null -w '%{http_code}\\n' --max-time 5 http://unlisted.example/; curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${port}/ && echo REACHED; true`,
    ]);
    listener.close();
    expect(r.stdout).not.toMatch(/RELAY-PORT/);
    expect(r.stdout).toMatch(/^403$/m);
    expect(r.stdout).not.toMatch(/REACHED/);
    expect(hits).toBe(0);
  });
});
