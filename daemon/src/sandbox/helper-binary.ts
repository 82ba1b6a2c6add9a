// Locates nono-helper and asks it what the kernel can enforce. The daemon refuses to run
// anything when the helper is missing: there is no unsandboxed fallback.
import { accessSync, constants } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NonoError } from '@nono/shared';

export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.NONO_HELPER ?? fileURLToPath(new URL('../../../native-helper/build/nono-helper', import.meta.url));
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new NonoError(
      'SANDBOX_UNAVAILABLE',
      `nono-helper not found or not executable at ${path}; run \`npm run build\` (it needs make, gcc and libseccomp-dev)`,
      { path },
    );
  }
  return path;
}

export interface SandboxFeatures {
  landlock: { abi: number; [feature: string]: unknown };
  userns?: boolean;
  userns_error?: string;
  /** Seccomp user notification with SECCOMP_IOCTL_NOTIF_ADDFD + SEND: the helper can do file approvals. */
  file_approvals?: boolean;
  [key: string]: unknown;
}

export function probeSandbox(path: string, flags: string[] = []): Promise<SandboxFeatures> {
  return new Promise((resolve, reject) => {
    execFile(path, [...flags, '--probe'], { timeout: 5000 }, (error, stdout) => {
      if (error) {
        reject(new NonoError('SANDBOX_UNAVAILABLE', `nono-helper --probe failed: ${error.message.split('\n')[0]}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as SandboxFeatures);
      } catch {
        reject(new NonoError('SANDBOX_UNAVAILABLE', 'nono-helper --probe printed something that is not JSON; rebuild it'));
      }
    });
  });
}
