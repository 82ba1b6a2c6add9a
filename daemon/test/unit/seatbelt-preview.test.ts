// What `policy show --platform macos` compiles on a machine that is not a Mac: macOS's groups,
// their grants from the definitions (the paths are not on this disk), a deny inside a grant
// accepted as Seatbelt allows it; and the macOS helper's spec around the profile.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveNonoPaths, type SandboxPlan } from '@nono/shared';
import { compilePlan, type PolicyServices } from '../../src/policy/compile-plan.js';
import { GroupCatalog } from '../../src/policy/group-catalog.js';
import { SecretNames } from '../../src/policy/secret-names.js';
import { NetworkProfileCatalog } from '../../src/policy/network-profiles.js';
import { ProfileLoader } from '../../src/policy/profile-loader.js';
import { planForMacos, previewProfile } from '../../src/sandbox/seatbelt/seatbelt-preview.js';
import { encodeSeatbeltSpec } from '../../src/sandbox/seatbelt/seatbelt-spec.js';
import { readSexps } from '../fixtures/seatbelt/sexp-reader.js';

// A Mac's home, which this machine does not have: nothing here may depend on its disk.
const HOME = '/Users/dev';
const env = { HOME, TMPDIR: '/var/folders/zz/abc/T', XDG_RUNTIME_DIR: `${HOME}/.run`, PATH: '/usr/bin:/bin' };
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nono-seatbelt-'));
  mkdirSync(join(root, 'profiles'));
  writeFileSync(
    join(root, 'profiles', 'reviewer.json'),
    JSON.stringify({ extends: 'claude-code', filesystem: { deny: ['$WORKDIR/.env'] }, allow_gpu: true, allow_launch_services: true }),
  );
  writeFileSync(
    join(root, 'groups.json'),
    JSON.stringify({
      groups: {
        deny_credentials: { description: 'keys', platform: 'all', required: true, deny: ['~/.ssh'] },
        mac_tools: { description: 'tools', platform: 'macos', required: true, read: ['/opt/tools', '~/.ssh/config'], allow: ['$TMPDIR'], read_file: ['/etc/hosts'] },
        linux_tools: { description: 'tools', platform: 'linux', required: true, read: ['/usr'] },
      },
    }),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function services(groups?: string): PolicyServices {
  return {
    paths: resolveNonoPaths(env),
    groups: GroupCatalog.load(groups),
    networkProfiles: NetworkProfileCatalog.load(),
    secretNames: SecretNames.load(),
    profiles: new ProfileLoader(join(root, 'profiles')),
    daemonHome: HOME,
    // Whatever this machine has: the preview compiles with Seatbelt's semantics regardless.
    isolation: { view: false, reason: 'test' },
  };
}

const request = (profile: string) => ({ cwd: `${HOME}/project`, env, profile });

describe.skipIf(process.platform === 'darwin')('the macOS preview, made off a Mac', () => {
  it("compiles with macOS's groups and grants their paths from the definitions", () => {
    const s = services();
    const plan = planForMacos(request('default'), s);
    const sbpl = previewProfile(plan, s.profiles.load('default', HOME).profile);
    expect(plan.groups).toEqual(expect.arrayContaining(['system_read_macos', 'deny_keychains_macos', 'deny_macos_private']));
    expect(plan.groups.filter((g) => g.endsWith('_linux'))).toEqual([]);
    expect(plan.rules).toContainEqual({ path: '/System', access: 'read', kind: 'dir', source: 'group system_read_macos' });
    expect(plan.rules).toContainEqual({ path: '/dev/null', access: 'readwrite', kind: 'device', source: 'group system_write_macos' });
    // /tmp, /var and /etc resolve into /private on a Mac, and Seatbelt matches resolved paths.
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: '/private/var/folders/zz/abc/T', access: 'readwrite' }));
    expect(plan.denied).toContainEqual({ path: `${HOME}/Library/Messages`, source: 'deny_macos_private' });
    expect(plan.notes.join('\n')).toMatch(/preview made on linux: the macOS groups' grants come from their definitions/);
    expect(plan.blockedCommands).toEqual([]);
    expect(sbpl).toContain('(allow file-read* process-exec (subpath "/System")) ; group system_read_macos');
    expect(sbpl).toContain(`(deny file-read* file-write* process-exec (subpath "${HOME}/Library/Messages")) ; deny_macos_private`);
    expect(sbpl).toMatch(/^; Preview: /m);
    expect(() => readSexps(sbpl)).not.toThrow();
  });

  it('accepts a deny inside the workdir and passes the profile opt-ins to the generator', () => {
    const s = services();
    const plan = planForMacos(request('reviewer'), s);
    const sbpl = previewProfile(plan, s.profiles.load('reviewer', HOME).profile);
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: `${HOME}/project`, access: 'readwrite' }));
    expect(plan.denied).toContainEqual(expect.objectContaining({ path: `${HOME}/project/.env` }));
    expect(sbpl.indexOf(`(deny file-read* file-write* process-exec (subpath "${HOME}/project/.env"))`)).toBeGreaterThan(
      sbpl.indexOf(`(allow file-read* process-exec file-write* (subpath "${HOME}/project"))`),
    );
    expect(sbpl).toContain('com.apple.coreservices.launchservicesd');
    expect(sbpl).toContain('(allow iokit-open');
    // Proxied, with no session: the rule's port is left for the session.
    expect(sbpl).toContain('A session allows (remote tcp "localhost:PORT")');
  });

  it('drops a group grant inside a protected path with a note, and leaves the Linux groups out', () => {
    const s = services(join(root, 'groups.json'));
    writeFileSync(join(root, 'profiles', 'bare.json'), JSON.stringify({}));
    const plan = planForMacos(request('bare'), s);
    expect(plan.groups).toEqual(['deny_credentials', 'mac_tools']);
    expect(plan.rules.map((r) => [r.path, r.access, r.kind])).toEqual([
      ['/opt/tools', 'read', 'dir'],
      ['/private/etc/hosts', 'read', 'file'],
      ['/private/var/folders/zz/abc/T', 'readwrite', 'dir'],
    ]);
    expect(plan.notes).toContain(`group mac_tools: read ~/.ssh/config skipped: ${HOME}/.ssh/config is protected (deny_credentials)`);
  });

  it('leaves the Linux compile as it was: the platform only picks the groups', () => {
    const s = services(join(root, 'groups.json'));
    const linux = compilePlan({ ...request('bare'), platform: 'linux' }, s).plan;
    const mac = compilePlan({ ...request('bare'), platform: 'macos' }, s).plan;
    expect(linux.groups).toEqual(['deny_credentials', 'linux_tools']);
    expect(mac.groups).toEqual(['deny_credentials', 'mac_tools']);
  });
});

describe("the macOS helper's spec", () => {
  const plan = { cwd: '/Users/dev/project', limits: { memoryBytes: 1 << 30, maxProcesses: 64 } } as SandboxPlan;

  it('frames the profile as the last record before end, with cwd and the limits', () => {
    const spec = encodeSeatbeltSpec('(version 1)\n(deny default)\n', plan, { processesBesides: 10 });
    expect(spec.toString('utf8').split('\0')).toEqual([
      'nono-spec 1',
      'cwd /Users/dev/project',
      'rlimit-as 1073741824',
      'rlimit-nproc 74',
      'sbpl (version 1)\n(deny default)\n',
      'end',
      '',
    ]);
  });

  it('refuses a profile holding a NUL rather than send it cut short', () => {
    expect(() => encodeSeatbeltSpec('(version 1)\0(allow default)', plan, { processesBesides: 0 })).toThrow(/NUL/);
  });
});
