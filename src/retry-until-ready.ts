// Start-up helper for the processes: wait for a backing service that may still be starting (docker compose starts
// everything at once), with progress lines, and give up with its last error after a bounded time.

/**
 * Calls `connect` until it succeeds, `maxAttempts` times at most, `delayMs` apart.
 * @throws the last error once the attempts are used up
 */
export async function retryUntilReady<T>(
  what: string,
  connect: () => Promise<T>,
  log: (line: string) => void,
  options: { delayMs?: number; maxAttempts?: number } = {},
): Promise<T> {
  const delayMs = options.delayMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? 60;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
      log(`${what} not reachable yet (attempt ${attempt}/${maxAttempts}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
