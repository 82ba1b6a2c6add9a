// The pack archive reader as an attacker's target: each unsafe entry is refused by name before
// anything is written, and what nono builds reads back byte for byte (and builds the same twice).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as tar from 'tar-stream';
import { buildArchive, readArchive } from '../../src/packs/pack-archive.js';

type Header = tar.Headers & { content?: string };

async function rawArchive(entries: Header[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => pack.entry(header, content ?? '', (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

const refusal = async (entries: Header[]): Promise<unknown> => readArchive(await rawArchive(entries), 'test/pack@1.0.0').then(() => 'accepted', (error: unknown) => error);

describe('pack archives', () => {
  it('round-trips files with their executable bit, deterministically', async () => {
    const files = [
      { path: 'nono-pack.json', content: Buffer.from('{}'), executable: false },
      { path: 'hooks/check.sh', content: Buffer.from('#!/bin/sh\n'), executable: true },
    ];
    const one = await buildArchive(files);
    const two = await buildArchive([...files].reverse());
    expect(one.equals(two)).toBe(true);
    const read = await readArchive(one, 'x');
    expect(read.map((f) => [f.path, f.content.toString(), f.executable])).toEqual([
      ['hooks/check.sh', '#!/bin/sh\n', true],
      ['nono-pack.json', '{}', false],
    ]);
  });

  it.each([
    ['a .. component', [{ name: '../x', content: 'evil' }], /"\.\.\/x" is absolute, has a \.\. or empty component/],
    ['a nested .. component', [{ name: 'a/../../x', content: 'evil' }], /has a \.\. or empty component/],
    ['an absolute path', [{ name: '/etc/cron.d/x', content: 'evil' }], /"\/etc\/cron.d\/x" is absolute/],
    ['a symlink out of the pack', [{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }], /"link" is a symlink/],
    ['a hard link', [{ name: 'a', content: 'x' }, { name: 'b', type: 'link', linkname: 'a' }], /"b" is a link/],
    ['a character device', [{ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 }], /"dev" is a character-device/],
    ['a fifo', [{ name: 'f', type: 'fifo' }], /"f" is a fifo/],
    ['a name twice', [{ name: 'a', content: '1' }, { name: 'a', content: '2' }], /"a" appears twice/],
    ['a file under a file', [{ name: 'a', content: '1' }, { name: 'a/b', content: '2' }], /lies under the file "a"/],
  ] as [string, Header[], RegExp][])('refuses %s', async (_what, entries, message) => {
    const error = await refusal(entries);
    expect(error).toMatchObject({ kind: 'PACK_INVALID', message: expect.stringMatching(message) });
    expect((error as Error).message).toMatch(/; the pack was not installed$/);
  });

  it('refuses what is not a gzip tar, and archives over the size cap', async () => {
    await expect(readArchive(Buffer.from('not a tarball'), 'x')).rejects.toMatchObject({ kind: 'PACK_INVALID', message: expect.stringContaining('not a gzip-compressed tar archive') });
    await expect(readArchive(Buffer.alloc(17 * 1024 * 1024), 'x')).rejects.toMatchObject({ kind: 'PACK_INVALID', message: expect.stringContaining('over the') });
  });

  it('refuses an archive that unpacks beyond the limit (a gzip bomb)', async () => {
    const bomb = await rawArchive([{ name: 'big', content: 'a'.repeat(65 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(readArchive(bomb, 'x')).rejects.toMatchObject({ kind: 'PACK_INVALID', message: expect.stringMatching(/more than \d+ bytes/) });
  });
});
