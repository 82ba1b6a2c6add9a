// Reading, hashing and renaming files one at a time leaves the disk and the thread pool idle
// between them; a few in flight keep both busy without holding many 1 MiB buffers.

export const FILES_IN_FLIGHT = 8;

/**
 * Calls `work` for every index below `count`, at most `limit` at a time. The first failure
 * stops new calls; it is thrown once the calls under way have settled, so none is left
 * running behind the caller's cleanup.
 */
export async function forEachInFlight(count: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (err) {
        next = count;
        throw err;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(limit, count) }, runner));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}
