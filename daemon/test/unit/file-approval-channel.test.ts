// nonod's end of the helper's file-approval channel: strict request parsing, and a real
// nono-helper asking over it, so both ends agree on the lines.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseFileOpenRequest,
  serveFileApprovals,
  type FileOpenRequest,
} from '../../src/sandbox/file-approval-channel.js';

const helper = fileURLToPath(new URL('../../../native-helper/build/nono-helper', import.meta.url));

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'nono-file-approval-channel-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseFileOpenRequest', () => {
  const good = { id: 3, pid: 42, path: '/home/u/a b.txt', access: 'read', flags: 0 };

  it('takes exactly the helper\'s request', () => {
    expect(parseFileOpenRequest(JSON.stringify(good))).toEqual(good);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a relative path', JSON.stringify({ ...good, path: 'a.txt' })],
    ['another access', JSON.stringify({ ...good, access: 'exec' })],
    ['an id of 0', JSON.stringify({ ...good, id: 0 })],
    ['a fractional pid', JSON.stringify({ ...good, pid: 1.5 })],
    ['a missing field', JSON.stringify({ id: 1, pid: 2, path: '/a', access: 'read' })],
    ['an extra field', JSON.stringify({ ...good, allow: true })],
  ])('refuses %s', (_what, line) => {
    expect(parseFileOpenRequest(line)).toBeUndefined();
  });
});

describe('serveFileApprovals with nono-helper', () => {
  it('answers the helper\'s asks, so an allowed file is read and a denied one is not', async () => {
    const allowed = path.join(tmp, 'allowed.txt');
    const denied = path.join(tmp, 'denied.txt');
    writeFileSync(allowed, 'yes\n');
    writeFileSync(denied, 'no\n');
    const spec = [
      'nono-spec 1',
      ...['/usr', '/bin', '/lib', '/lib64', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`),
      'approvals-file 1',
      'end',
    ]
      .map((r) => `${r}\0`)
      .join('');
    const child = spawn(helper, ['--spec-fd', '3', '--approvals-fd', '4', '--', 'sh', '-c', `cat ${allowed}; cat ${denied}`], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    (child.stdio[3] as Writable).end(spec);
    const asked: FileOpenRequest[] = [];
    serveFileApprovals(child.stdio[4] as Socket, async (request) => {
      asked.push(request);
      await new Promise((r) => setTimeout(r, 10));
      return { allow: request.path === allowed, readOnly: true };
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await new Promise((resolve) => child.on('close', resolve));
    expect(stdout).toBe('yes\n');
    expect(stderr).toContain('Permission denied');
    expect(asked.map((r) => [r.path, r.access])).toEqual([
      [allowed, 'read'],
      [denied, 'read'],
    ]);
  });
});
