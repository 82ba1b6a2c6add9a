// The session log gathers output in blocks: nothing is lost across many small appends, a
// reader who flushes first finds every byte in order, close writes the rest, and the cap still
// rotates the file to .1.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_CAP_BYTES, OutputLog, readLog } from '../../src/sessions/output-log.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const logIn = () => {
  const dir = mkdtempSync(join(tmpdir(), 'nono-output-log-'));
  dirs.push(dir);
  return OutputLog.forSession(dir, 's-1');
};

describe('OutputLog', () => {
  it('keeps every byte of many small appends, in order, once flushed', () => {
    const log = logIn();
    const chunks = Array.from({ length: 5000 }, (_, i) => Buffer.from(`line ${i}\r\n`));
    for (const chunk of chunks) log.append(chunk);
    log.flush();
    expect(readFileSync(log.path)).toEqual(Buffer.concat(chunks));
    log.append(Buffer.from('tail'));
    log.close();
    expect(readLog(log.path, 1).toString()).toBe('tail');
  });

  it('rotates at the cap, keeping the newest output in the current file', () => {
    const log = logIn();
    const block = Buffer.alloc(64 * 1024, 0x61);
    for (let written = 0; written <= LOG_CAP_BYTES; written += block.length) log.append(block);
    log.append(Buffer.from('\nnewest\n'));
    log.close();
    expect(statSync(`${log.path}.1`).size).toBeGreaterThan(0);
    expect(readFileSync(log.path).toString().endsWith('\nnewest\n')).toBe(true);
    expect(readLog(log.path, 1).toString()).toBe('newest\n');
  });
});
