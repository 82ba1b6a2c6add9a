// The systemd units and the launchd agent, checked as files: they parse, carry the keys the
// README promises, and point at the same daemon entry and socket path as the client. Whether
// a service manager accepts them is `systemd-analyze verify --user` (see README.md); this
// does not start anything.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveNonoPaths } from '../../shared/src/paths.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A unit file as section → key → values (a key may repeat); comments and blank lines dropped. */
function parseUnit(file: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of readFileSync(path.join(repo, file), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair || !current) throw new Error(`${file}: not a unit line: ${line}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2]]);
  }
  return sections;
}

const value = (unit: Map<string, Map<string, string[]>>, section: string, key: string) => unit.get(section)?.get(key)?.at(-1);

describe('systemd/nono.service', () => {
  const unit = parseUnit('systemd/nono.service');

  it('runs daemon/bin/nonod.js with node, as the client does, restarting only on failure', () => {
    const words = value(unit, 'Service', 'ExecStart')?.split(' ');
    expect(words).toEqual(['/usr/bin/env', 'node', '%h/.local/lib/nono/daemon/bin/nonod.js']);
    // The client's autostart resolves @nono/daemon/bin/nonod.js: this file of the checkout.
    expect(existsSync(path.join(repo, 'daemon/bin/nonod.js'))).toBe(true);
    expect(value(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(value(unit, 'Service', 'KillMode')).toBe('mixed');
    expect(value(unit, 'Install', 'WantedBy')).toBe('default.target');
  });

  it('sets none of the sandboxing options that would break the helper or the views', () => {
    const forbidden = ['PrivateTmp', 'ProtectSystem', 'ProtectHome', 'PrivateUsers', 'RestrictNamespaces', 'SystemCallFilter', 'NoNewPrivileges', 'MemoryDenyWriteExecute', 'PrivateMounts'];
    expect([...(unit.get('Service')?.keys() ?? [])].filter((key) => forbidden.includes(key))).toEqual([]);
  });
});

describe('systemd/nono.socket', () => {
  const unit = parseUnit('systemd/nono.socket');

  it('listens where the client looks when XDG_RUNTIME_DIR is the user manager\'s %t', () => {
    const listen = value(unit, 'Socket', 'ListenStream');
    expect(listen).toBe(resolveNonoPaths({ HOME: '/home/u', XDG_RUNTIME_DIR: '/%t' }).socketPath.slice(1));
    expect(value(unit, 'Socket', 'SocketMode')).toBe('0600');
    expect(value(unit, 'Socket', 'DirectoryMode')).toBe('0700');
    expect(value(unit, 'Socket', 'Service')).toBe('nono.service');
    expect(value(unit, 'Install', 'WantedBy')).toBe('sockets.target');
  });
});

describe('launchd/dev.nono.nonod.plist', () => {
  const parsed = spawnSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', path.join(repo, 'launchd/dev.nono.nonod.plist')], { encoding: 'utf8' });

  it('is a plist that runs the same command as the systemd unit, kept alive, logging under ~/Library/Logs/nono', () => {
    expect(parsed.stderr).toBe('');
    const agent = JSON.parse(parsed.stdout);
    expect(agent.Label).toBe('dev.nono.nonod');
    expect(agent.ProgramArguments).toEqual(['/usr/bin/env', 'node', '/Users/YOU/.local/lib/nono/daemon/bin/nonod.js']);
    expect(agent.RunAtLoad).toBe(true);
    expect(agent.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(agent.StandardOutPath).toBe('/Users/YOU/Library/Logs/nono/nonod.stdout');
    expect(agent.StandardErrorPath).toBe('/Users/YOU/Library/Logs/nono/nonod.stderr');
  });
});
