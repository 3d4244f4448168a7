// Delivery receipts: parsing the de-facto SMPP receipt text ("id:… stat:DELIVRD
// err:000 …") and a bounded in-memory log that also forwards to a callback.
import { trimAt } from './bounded.ts';
import type { DeliveryReceipt, ReceiptHandler } from './sms-transport.ts';

const MESSAGE_STATE: Record<number, string> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

const RECEIPT_STATES = new Set(Object.values(MESSAGE_STATE));

export interface ReceiptFields {
  text: string;
  /** receipted_message_id TLV (0x001E), when the SMSC sent it. */
  receiptedMessageId?: string;
  /** message_state TLV (0x0427). */
  messageState?: number;
  to: string;
}

/** Reads a receipt; undefined when neither the TLVs nor the text name a message id. */
export function parseReceipt(f: ReceiptFields, receivedAt: number): DeliveryReceipt | undefined {
  const id = /(?:^|\s)id:(\S+)/i.exec(f.text)?.[1];
  const stat = /(?:^|\s)stat:(\S+)/i.exec(f.text)?.[1];
  const err = /(?:^|\s)err:(\S+)/i.exec(f.text)?.[1];
  const messageId = f.receiptedMessageId?.replace(/\0+$/, '') || id;
  if (!messageId) return undefined;
  const status =
    (f.messageState !== undefined ? MESSAGE_STATE[f.messageState] : undefined) ?? stat?.toUpperCase() ?? 'UNKNOWN';
  return { messageId, status, to: f.to, error: err ?? '000', receivedAt };
}

/**
 * Keeps the most recent receipts (at least `limit`, at most an eighth or 64 more) and hands
 * each to an optional callback the platform can persist from.
 */
export class ReceiptLog {
  private readonly byId = new Map<string, DeliveryReceipt>();
  /** Every receipt ever recorded, by status (not bounded by `limit`: a handful of keys). */
  private readonly byStatus: Record<string, number> = {};

  constructor(
    private readonly limit = 10_000,
    private readonly onReceipt?: ReceiptHandler,
  ) {}

  record(r: DeliveryReceipt): void {
    // Counted under the states SMPP knows: a receipt text cannot grow the keys without bound.
    const key = RECEIPT_STATES.has(r.status) ? r.status : 'UNKNOWN';
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    this.byId.delete(r.messageId);
    this.byId.set(r.messageId, r);
    // Trimmed in batches: a Map keeps the slots of deleted entries until it is rebuilt, and
    // finding the oldest entry walks past them, so dropping one entry per record cost about
    // 10 µs a receipt once the log was full (against 0.6 µs in batches).
    if (this.byId.size >= trimAt(this.limit)) {
      let drop = this.byId.size - this.limit;
      for (const id of this.byId.keys()) {
        if (drop-- <= 0) break;
        this.byId.delete(id);
      }
    }
    this.onReceipt?.(r);
  }

  get(messageId: string): DeliveryReceipt | undefined {
    return this.byId.get(messageId);
  }

  list(): DeliveryReceipt[] {
    return [...this.byId.values()];
  }

  /** Receipts recorded so far by status: DELIVRD, UNDELIV, EXPIRED, … */
  counts(): Record<string, number> {
    return { ...this.byStatus };
  }

  get size(): number {
    return this.byId.size;
  }
}
