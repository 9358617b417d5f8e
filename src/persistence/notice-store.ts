// Parties' inboxes: notices and inquiries about their orders. Insert-only with deterministic ids,
// so a retried activity never delivers a notice twice.

import type { NoticeDraft } from '../contracts/order-contract';
import type { Database, NoticeRecord } from './database';
import { isOnlyDuplicateKeys, nativeCollection } from './database';

/**
 * Inserts notices in one command, ignoring the ones already stored (a retried activity).
 * @throws any error other than duplicate keys
 */
export async function insertNotices(db: Database, drafts: readonly NoticeDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  const createdAt = new Date();
  try {
    await nativeCollection(db.notices).insertMany(
      drafts.map(({ noticeId, ...rest }) => ({ _id: noticeId, ...rest, createdAt })),
      { ordered: false },
    );
  } catch (error) {
    if (!isOnlyDuplicateKeys(error)) throw error;
  }
}

/** The notices of one party, newest first; `orderId` narrows to one order, `actionRequired` to inquiries. */
export async function listNotices(
  db: Database,
  recipientId: string,
  options: { limit: number; orderId?: string | undefined; actionRequired?: boolean | undefined },
): Promise<NoticeDraft[]> {
  const query: Record<string, unknown> = { recipientId };
  if (options.orderId) query.orderId = options.orderId;
  if (options.actionRequired !== undefined) query.actionRequired = options.actionRequired;
  const records = await db.notices.find(query).sort({ at: -1, _id: -1 }).limit(options.limit).lean<NoticeRecord[]>();
  return records.map(({ _id, createdAt: _createdAt, ...rest }) => ({ noticeId: _id, ...rest }));
}

/** One notice by its id, or undefined. */
export async function findNotice(db: Database, noticeId: string): Promise<NoticeDraft | undefined> {
  const record = await db.notices.findById(noticeId).lean<NoticeRecord>();
  if (!record) return undefined;
  const { _id, createdAt: _createdAt, ...rest } = record;
  return { noticeId: _id, ...rest };
}
