// A settlement cut-off's workflow is named by its second (`settlement-cutoff-<time>`), and every test file's harness
// shares the one Temporal namespace of the run. Two files cutting off in the same second would therefore share one
// workflow: the second file gets `started: false` and a batch that the first file's gateway writes into the first
// file's database, so its own batch never appears. Each cut-off a test makes claims its second here first, with an
// exclusive file per second that every jest worker process sees.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLAIMS_DIR = path.join(os.tmpdir(), 'settleflow-cutoff-seconds');

/**
 * Resolves to a whole second, as an ISO time, that no other test of any jest worker has claimed: the latest second
 * that is not in the future and is later than `after` (epoch ms; default: any). Waits for the next second while the
 * current one is taken or not later than `after`.
 */
export async function claimCutoffSecond(after = Number.NEGATIVE_INFINITY): Promise<string> {
  fs.mkdirSync(CLAIMS_DIR, { recursive: true });
  for (;;) {
    const now = Date.now();
    const second = Math.floor(now / 1000) * 1000;
    if (second > after) {
      const iso = new Date(second).toISOString();
      try {
        fs.closeSync(fs.openSync(path.join(CLAIMS_DIR, iso.replace(/[:.]/g, '-')), 'wx'));
        return iso;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, second + 1_000 - now + 5));
  }
}
