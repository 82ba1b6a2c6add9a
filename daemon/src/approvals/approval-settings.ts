// config.json's approvals section: how long a question waits (timeout_seconds, default 60) and
// the optional webhook {url, secret}. Read at each request so an edit applies at once; a broken
// section falls back to the defaults rather than failing the sandboxed program's request.
import { readUserConfig } from '../user-config.js';
import type { WebhookTarget } from './approval-webhook.js';

const DEFAULT_TIMEOUT_MS = 60_000;

export function approvalSettings(configDir: string): { timeoutMs: number; webhook: WebhookTarget | undefined } {
  let section: Record<string, unknown> = {};
  try {
    const value = readUserConfig(configDir).approvals;
    if (value && typeof value === 'object') section = value as Record<string, unknown>;
  } catch {
    // A broken config.json is reported by the commands that edit it; here the defaults hold.
  }
  const seconds = section.timeout_seconds;
  const timeoutMs = typeof seconds === 'number' && seconds > 0 && seconds <= 3600 ? seconds * 1000 : DEFAULT_TIMEOUT_MS;
  const hook = section.webhook as { url?: unknown; secret?: unknown } | undefined;
  const webhook = hook && typeof hook.url === 'string' && typeof hook.secret === 'string' ? { url: hook.url, secret: hook.secret } : undefined;
  return { timeoutMs, webhook };
}
