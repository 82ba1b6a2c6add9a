// `nono policy show P --platform macos --sbpl` prints, on any system, the Seatbelt profile the
// macOS helper would apply: macOS's groups, the protected paths denied after every grant, the
// network only to the proxy. The plan view and the Linux plan stay as they were.
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { readSexps } from '../../daemon/test/fixtures/seatbelt/sexp-reader.js';

const ctx = usePrivateDaemon();
const run = (args: string[]) => runCli(args, ctx.world);
// The test world lives under /var/tmp, which a Mac resolves into /private.
const onMac = (path: string) => (/^\/(tmp|var|etc)(\/|$)/.test(path) ? `/private${path}` : path);

describe('nono policy show --sbpl', () => {
  it('prints a Seatbelt profile that parses, grants /System and the workdir and denies ~/.ssh after them', async () => {
    const r = await run(['policy', 'show', 'claude-code', '--platform', 'macos', '--sbpl']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('; nono Seatbelt profile for claude-code')).toBe(true);
    expect(() => readSexps(r.stdout)).not.toThrow();
    expect(r.stdout).toContain('(version 1)\n(deny default)\n');
    expect(r.stdout).toContain('(allow file-read* process-exec (subpath "/System")) ; group system_read_macos');
    // Long rules wrap: compare with each rule on one line.
    const flat = r.stdout.replace(/\n +/g, ' ');
    const workdir = flat.indexOf(`(allow file-read* process-exec file-write* (subpath "${onMac(ctx.world.work)}"))`);
    const ssh = flat.indexOf(`(deny file-read* file-write* process-exec (subpath "${onMac(ctx.world.home)}/.ssh")) ; deny_credentials`);
    expect(workdir).toBeGreaterThan(0);
    expect(ssh).toBeGreaterThan(workdir);
    expect(flat).toContain(`(subpath "${onMac(ctx.world.home)}/Library/Messages")) ; deny_macos_private`);
    // claude-code is proxied: no IP rule at all in a preview, as the port comes with a session.
    expect(r.stdout).not.toMatch(/\(allow network-(outbound|inbound|bind) \((remote|local) (ip|tcp)/);
    expect(r.stdout).not.toMatch(/system_read_linux|\(subpath "\/lib"\)/);
  });

  it('implies --platform macos, and gives {sbpl} with --json', async () => {
    const text = await run(['policy', 'show', 'default', '--sbpl']);
    const json = await run(['policy', 'show', 'default', '--sbpl', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ sbpl: text.stdout });
  });

  it('refuses --sbpl for Linux with one line', async () => {
    const r = await run(['policy', 'show', 'default', '--platform', 'linux', '--sbpl']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/a Seatbelt profile exists only for macOS/);
  });

  it("shows the macOS plan with --platform macos, and this machine's plan without it", async () => {
    const mac = JSON.parse((await run(['policy', 'show', 'default', '--platform', 'macos', '--json'])).stdout);
    expect(mac.groups).toEqual(expect.arrayContaining(['system_read_macos', 'deny_macos_private']));
    expect(mac.groups.filter((g: string) => g.endsWith('_linux'))).toEqual([]);
    expect(mac.notes.join('\n')).toMatch(/preview made on linux/);
    const here = JSON.parse((await run(['policy', 'show', 'default', '--json'])).stdout);
    expect(here.groups).toEqual(expect.arrayContaining(['system_read_linux']));
    expect(here.groups.filter((g: string) => g.endsWith('_macos'))).toEqual([]);
  });
});
