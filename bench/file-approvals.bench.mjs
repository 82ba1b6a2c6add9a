// What file approvals cost when nothing needs asking: the helper's supervisor answers every
// open inside the grants itself (seccomp user notification, CONTINUE), so `xargs cat` over
// 2,000 granted files is timed with approvals on and off, interleaved, and the difference is
// given per file. A second row times how soon a held open resumes once the answer is written:
// `cat F F F …` outside the grants, each open asked in turn, from answer written to next ask.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld } from './support/private-world.mjs';
import { summarize } from './support/stats.mjs';

const FILES = 2000;
const TARGET_PER_OPEN_US = 25;
const TARGET_RESUME_MS = 5;
const ASKS = 200;

const grantPaths = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/proc'];
const grants = grantPaths.map((p) => `fs read_file,read_dir,execute ${p}`);

function specText(extra) {
  return ['nono-spec 1', ...grants, 'fs read_file,write_file /dev/null', ...extra, 'end'].map((r) => `${r}\0`).join('');
}

/** Runs the helper once; onRequest(line, channel) answers asks. Resolves with wall time in ms. */
function runOnce(helper, spec, argv, approvals, onRequest) {
  const started = process.hrtime.bigint();
  const child = spawn(helper, ['--spec-fd', '3', ...(approvals ? ['--approvals-fd', '4'] : []), '--', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  child.stdio[3].end(spec);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const channel = child.stdio[4];
  channel.on('error', () => {});
  let pending = '';
  channel.on('data', (chunk) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      onRequest(JSON.parse(pending.slice(0, nl)), channel);
      pending = pending.slice(nl + 1);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

export default async function fileApprovals({ repo, scale, progress }) {
  const helper = join(repo, 'native-helper/build/nono-helper');
  const world = createWorld('nono-bench-file-approvals-');
  try {
    const list = join(world.root, 'files');
    const files = execFileSync('find', ['/usr/share', '-type', 'f', '-size', '-64k'], { encoding: 'utf8', maxBuffer: 1 << 28 })
      .split('\n')
      .filter(Boolean)
      .slice(0, FILES);
    writeFileSync(list, `${files.join('\n')}\n`);
    const cat = ['sh', '-c', `xargs -d '\\n' -a ${list} cat >/dev/null`];
    const plain = specText([`fs read_file ${list}`]);
    const withApprovals = specText([`fs read_file ${list}`, 'approvals-file 1']);
    // Opens outside the grants (xargs's look at "/", say) are denied, as Landlock would; one
    // inside them would mean the fast path is not taken.
    const grantRoots = [...grantPaths, list];
    const asked = new Set();
    const denyOutside = (request, channel) => {
      if (grantRoots.some((root) => request.path === root || request.path.startsWith(`${root}/`)))
        throw new Error(`an open inside the grants was asked about (${request.path}): the fast path is broken`);
      asked.add(request.path);
      channel.write(`${JSON.stringify({ id: request.id, allow: false })}\n`);
    };

    const on = [];
    const off = [];
    const blocks = Math.max(2, Math.round(10 * scale));
    for (let block = 0; block < blocks; block++) {
      progress(`file approvals fast path: block ${block + 1}/${blocks}`);
      const order = block % 2 === 0 ? [true, false] : [false, true];
      for (const approvals of order) {
        await runOnce(helper, approvals ? withApprovals : plain, cat, approvals, denyOutside); // warm-up
        for (let i = 0; i < 5; i++) {
          (approvals ? on : off).push(await runOnce(helper, approvals ? withApprovals : plain, cat, approvals, denyOutside));
        }
      }
    }
    const measured = summarize(on);
    const baseline = summarize(off);
    const perOpenUs = ((measured.medianMs - baseline.medianMs) * 1000) / files.length;

    progress('file approvals: held open resume');
    const outside = join(world.root, 'outside.txt');
    writeFileSync(outside, 'x\n');
    const gaps = [];
    let answeredAt = 0n;
    await runOnce(helper, withApprovals, ['cat', ...Array(ASKS).fill(outside)], true, (request, channel) => {
      if (answeredAt) gaps.push(Number(process.hrtime.bigint() - answeredAt) / 1e6);
      channel.write(`${JSON.stringify({ id: request.id, allow: true, readOnly: true })}\n`);
      answeredAt = process.hrtime.bigint();
    });
    const resume = summarize(gaps);

    return [
      {
        name: `file approvals on, opens inside the grants (xargs cat, ${files.length} files)`,
        measured,
        baseline,
        baselineLabel: 'the same spec without approvals-file',
        deltaMs: measured.medianMs - baseline.medianMs,
        ratio: measured.medianMs / baseline.medianMs,
        target: `≤ +${TARGET_PER_OPEN_US} µs per open`,
        status: perOpenUs <= TARGET_PER_OPEN_US ? 'pass' : 'fail',
        note: `${perOpenUs.toFixed(1)} µs more per file; asked (and denied) outside the grants: ${[...asked].join(', ') || 'nothing'} (each file is one open; the loader's opens of each cat exec count on top, so per open it is less)`,
      },
      {
        name: 'held open resumes after the answer (answer written → next ask)',
        measured: resume,
        target: `≤ ${TARGET_RESUME_MS} ms`,
        status: resume.medianMs <= TARGET_RESUME_MS ? 'pass' : 'fail',
        note: `${gaps.length} asks; the gap also holds cat's read, write and close, and the bench's own event loop`,
      },
    ];
  } finally {
    world.cleanup();
  }
}
