// trust.sign, trust.verify and trust.list: instruction files under a workdir against the policy.
import { relative } from 'node:path';
import { NonoError } from '@nono/shared';
import { signInstructionFile } from '../trust/sign-file.js';
import { listTrust, verifyInstructionFile } from '../trust/verify-files.js';
import { loadTrustPolicy } from '../trust/trust-policy.js';
import { userTrustPolicyFile } from '../trust/run-gate.js';
import type { CallContext } from '../rpc/call-context.js';
import { trustKeyStore } from './trust-keys.js';
import type { MethodHandler } from './method-handler.js';

function policyFor(workdir: string, ctx: CallContext) {
  return loadTrustPolicy({ userPolicyFile: userTrustPolicyFile(ctx.services.paths.configDir), workdir });
}

/** The files named, as workdir-relative paths, or every included one with `all`. */
async function selectFiles(workdir: string, params: { files?: string[]; all?: boolean }, ctx: CallContext): Promise<string[]> {
  if (params.all === true) return (await listTrust(workdir, await policyFor(workdir, ctx))).map((r) => r.path);
  if (!params.files || params.files.length === 0) {
    throw new NonoError('INVALID_PARAMS', 'name the instruction files, or pass --all for every file the trust policy includes', {});
  }
  return params.files.map((file) => {
    const rel = relative(workdir, file);
    if (rel === '' || rel.startsWith('..') || rel.startsWith('/')) {
      throw new NonoError('INVALID_PARAMS', `${file} is outside the workdir ${workdir}; sign and verify files of the project you run in`, { path: file });
    }
    return rel.split('\\').join('/');
  });
}

export const trustSign: MethodHandler<'trust.sign'> = async (params, ctx) => {
  const key = await trustKeyStore.load(params.key);
  const files = await selectFiles(params.workdir, params, ctx);
  const signed = [];
  for (const file of files) signed.push(await signInstructionFile(params.workdir, file, key));
  return { signed };
};

export const trustVerify: MethodHandler<'trust.verify'> = async (params, ctx) => {
  const policy = await policyFor(params.workdir, ctx);
  const files = await selectFiles(params.workdir, params, ctx);
  const results = await Promise.all(files.map((file) => verifyInstructionFile(params.workdir, file, policy)));
  return { ok: results.every((r) => r.status === 'signed'), enforcement: policy.enforcement, policyFiles: policy.sources, results };
};

export const trustList: MethodHandler<'trust.list'> = async (params, ctx) => {
  const policy = await policyFor(params.workdir, ctx);
  return { enforcement: policy.enforcement, policyFiles: policy.sources, results: await listTrust(params.workdir, policy) };
};
