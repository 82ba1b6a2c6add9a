// The protocol's single sources agree: every error kind is documented, the OpenRPC document
// lists exactly the described methods, and the daemon serves exactly those.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ERROR_KINDS, METHODS, buildOpenRpcDocument } from '@nono/shared';
import { METHOD_TABLE } from '../../../daemon/src/methods/method-table.js';

describe('protocol catalogue', () => {
  it('documents every error kind in docs/errors.md, with a unique code per non-standard kind', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const kind of Object.keys(ERROR_KINDS)) expect(doc, kind).toContain(`\`${kind}\``);
    const custom = Object.values(ERROR_KINDS).map((k) => k.code).filter((code) => code > -32100);
    expect(new Set(custom).size).toBe(custom.length);
  });

  it('publishes exactly the methods the daemon serves', () => {
    const published = (buildOpenRpcDocument('test').methods as { name: string }[]).map((m) => m.name).sort();
    expect(published).toEqual(Object.keys(METHODS).sort());
    expect(Object.keys(METHOD_TABLE).sort()).toEqual(published);
  });
});
