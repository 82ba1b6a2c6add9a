// The daemon's end of the helper's file-approval channel over a real socketpair (a child's
// stdio 'pipe' is one): fake request lines in, one answer line per request out, in the order the
// answers come, ids echoed exactly, anything malformed denied or dropped.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ApprovalDecision } from '../../src/approvals/approval-broker.js';
import { parseRequest, serveFileApprovals } from '../../src/approvals/file-approval-channel.js';

/** A child holding the other end on fd 3: it writes `lines`, then prints every answer it reads. */
function helperStandIn(lines: string[], expectAnswers: number): { answers: Promise<string[]>; channel: Socket } {
  const script = `const s=new (require('net').Socket)({fd:3,readable:true,writable:true});let got='';s.setEncoding('utf8');s.on('data',(d)=>{got+=d;if(got.split('\\n').length>${expectAnswers}){process.stdout.write(got);process.exit(0)}});s.write(${JSON.stringify(lines.map((l) => `${l}\n`).join(''))});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const answers = new Promise<string[]>((resolve) => child.on('close', () => resolve(out.trim().split('\n').filter(Boolean))));
  return { answers, channel: child.stdio[3] as Socket };
}

const log = pino({ level: 'silent' });
const HELPER = fileURLToPath(new URL('../../../native-helper/build/nono-helper', import.meta.url));

describe('file-approval channel', () => {
  it('asks the broker for each request and answers each id, in the order the answers come', async () => {
    const big = '18446744073709551615';
    const { answers, channel } = helperStandIn(
      [
        `{"id":${big},"pid":${process.pid},"path":"/home/u/notes/todo.txt","access":"read","flags":0}`,
        `{"id":2,"pid":${process.pid},"path":"/home/u/notes/out.txt","access":"write","flags":577}`,
        `{"id":3,"pid":${process.pid},"path":"/home/u/.ssh/id_rsa","access":"read","flags":0}`,
      ],
      3,
    );
    const asked: { path: string; access: string; session: string }[] = [];
    const stop = serveFileApprovals(channel, 'sess1', async (request): Promise<ApprovalDecision> => {
      asked.push({ path: request.path, access: request.access, session: request.session });
      if (request.path.endsWith('todo.txt')) {
        await new Promise((r) => setTimeout(r, 100));
        return { answer: 'allow-once', by: 'test' };
      }
      if (request.path.endsWith('out.txt')) return { answer: 'allow-session', by: 'test', readOnly: true };
      return { answer: 'deny', by: 'policy' };
    }, log);
    const lines = await answers;
    stop();
    expect(asked).toEqual([
      { path: '/home/u/notes/todo.txt', access: 'read', session: 'sess1' },
      { path: '/home/u/notes/out.txt', access: 'write', session: 'sess1' },
      { path: '/home/u/.ssh/id_rsa', access: 'read', session: 'sess1' },
    ]);
    // The slow answer comes last; the u64 id is echoed exactly.
    expect(lines).toEqual([`{"id":2,"allow":true,"readOnly":true}`, `{"id":3,"allow":false,"readOnly":false}`, `{"id":${big},"allow":true,"readOnly":false}`]);
  });

  it('denies a malformed request that names an id, and drops one that does not, without asking', async () => {
    const { answers, channel } = helperStandIn(['{"id":7,"pid":1,"path":"relative/path","access":"read","flags":0}', 'not json at all', '{"id":8,"pid":1,"path":"/x","access":"exec","flags":0}'], 2);
    let asked = 0;
    const stop = serveFileApprovals(channel, 's', async () => {
      asked++;
      return { answer: 'allow-once', by: 'test' };
    }, log);
    expect(await answers).toEqual(['{"id":7,"allow":false,"readOnly":false}', '{"id":8,"allow":false,"readOnly":false}']);
    stop();
    expect(asked).toBe(0);
  });

  it('parses only exact requests', () => {
    expect(parseRequest('{"id":1,"pid":5,"path":"/a","access":"write","flags":65}')).toEqual({ path: '/a', access: 'write', pid: 5, flags: 65 });
    for (const bad of ['{"id":1,"pid":0,"path":"/a","access":"read","flags":0}', '{"id":1,"pid":5,"path":"/a\\u0000b","access":"read","flags":0}', '{"id":1,"pid":5,"path":"/a","access":"read"}', '[]', 'null']) {
      expect(parseRequest(bad)).toBeUndefined();
    }
  });
});
