// The NonoError a promise rejects with, failing the test if it resolves or rejects otherwise,
// so a test can go on to assert on the kind and the message.
import { expect } from 'vitest';
import { NonoError } from '@nono/shared';

export async function failure(promise: Promise<unknown>): Promise<NonoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NonoError);
  return error as NonoError;
}
