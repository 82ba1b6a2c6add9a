// The optional webhook asked about every approval request: config.json's approvals.webhook
// {url, secret}. The body is signed (X-Nono-Signature: sha256=HMAC of the body with the secret)
// so the receiver knows it came from this daemon; its JSON {answer} decides unless someone
// answered first. Threat: the answer comes from the network, so anything but a known answer
// word is ignored (and the request stays pending until timeout).
import { createHmac } from 'node:crypto';
import type { ApprovalAnswer, ApprovalRequestView } from '@nono/shared';

export interface WebhookTarget {
  url: string;
  secret: string;
}

const ANSWERS: readonly string[] = ['allow-once', 'allow-session', 'always', 'deny'];

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The webhook's answer, or undefined when it gave none usable before the request expires. */
export async function askWebhook(target: WebhookTarget, view: ApprovalRequestView, timeoutMs: number): Promise<ApprovalAnswer | undefined> {
  const body = JSON.stringify(view);
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-nono-signature': signatureOf(target.secret, body) },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) return undefined;
  const reply = (await response.json()) as { answer?: unknown };
  return typeof reply.answer === 'string' && ANSWERS.includes(reply.answer) ? (reply.answer as ApprovalAnswer) : undefined;
}
