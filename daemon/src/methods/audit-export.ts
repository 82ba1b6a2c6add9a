// audit.export: the whole log with its hashes to a file, written beside its target and renamed,
// so a reader never sees half an export and an existing file is replaced only when complete.
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { NonoError } from '@nono/shared';
import { tempPathBeside } from '../snapshots/durable-files.js';
import type { MethodHandler } from './method-handler.js';

export const auditExport: MethodHandler<'audit.export'> = async (params, ctx) => {
  const { audit } = ctx.services;
  audit.log.flush();
  const temp = tempPathBeside(params.path);
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  try {
    await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
    const result = await audit.log.exportEvents(params.format ?? 'ndjson', out);
    out.end();
    await finished(out);
    await rename(temp, params.path);
    return { path: params.path, ...result };
  } catch (error) {
    out.destroy();
    await unlink(temp).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
      throw new NonoError('PATH_INVALID', `cannot write ${params.path} (${code}); give a path in a directory you can write`, { path: params.path });
    }
    throw error;
  }
};
