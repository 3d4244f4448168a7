// The development transport: messages are kept in memory (bounded) and shown
// at /dev/outbox in demo mode; `receive` plays the part of a user's handset.
import { type Clock, formatBeijing, systemClock } from '@itinerary-card/domain';
import { trimAt } from './bounded.ts';
import { ReceiptLog } from './delivery-receipts.ts';
import { countParts } from './sms-encoding.ts';
import type {
  InboundHandler,
  InboundSms,
  OutboundSms,
  ReceiptHandler,
  SendResult,
  SmsTransport,
} from './sms-transport.ts';

export interface OutboxEntry {
  id: string;
  to: string;
  from: string;
  text: string;
  /** How many SMS parts the text would take on the air. */
  parts: number;
  /** ISO-8601, Beijing time. */
  sentAt: string;
}

export interface OutboxOptions {
  clock?: Clock;
  /** Oldest messages are dropped beyond this many. */
  limit?: number;
  /** Sender when a message names none. */
  defaultFrom?: string;
  onReceipt?: ReceiptHandler;
}

/** An entry as kept: its parts and time are worked out when the outbox is read (rarely), not on each send. */
interface Kept {
  id: string;
  to: string;
  from: string;
  text: string;
  at: number;
}

function entry(k: Kept): OutboxEntry {
  return { id: k.id, to: k.to, from: k.from, text: k.text, parts: countParts(k.text), sentAt: formatBeijing(k.at) };
}

export class OutboxTransport implements SmsTransport {
  private readonly entries: Kept[] = [];
  private readonly handlers: InboundHandler[] = [];
  private readonly clock: Clock;
  private readonly limit: number;
  private readonly defaultFrom: string;
  private seq = 0;
  private closed = false;
  readonly receipts: ReceiptLog;

  constructor(opts: OutboxOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.limit = opts.limit ?? 10_000;
    this.defaultFrom = opts.defaultFrom ?? '106900000000';
    this.receipts = new ReceiptLog(this.limit, opts.onReceipt);
  }

  async send(msg: OutboundSms): Promise<SendResult> {
    if (this.closed) throw new Error('outbox transport is closed');
    const now = this.clock.now();
    const id = `outbox-${++this.seq}`;
    this.entries.push({ id, to: msg.to, from: msg.from ?? this.defaultFrom, text: msg.text, at: now });
    // Trim in batches: dropping one entry per send past the limit would cost O(limit) every time.
    if (this.entries.length >= trimAt(this.limit)) {
      this.entries.splice(0, this.entries.length - this.limit);
    }
    // The outbox "delivers" at once, so the receipt path is exercised in development too.
    this.receipts.record({ messageId: id, status: 'DELIVRD', to: msg.to, error: '000', receivedAt: now });
    return { id };
  }

  onInbound(handler: InboundHandler): void {
    this.handlers.push(handler);
  }

  /** Simulates a handset texting a short code: runs every inbound handler. */
  async receive(m: InboundSms): Promise<void> {
    for (const h of this.handlers) await h(m);
  }

  /** Messages sent, oldest first, optionally only those to one number. */
  list(phone?: string): OutboxEntry[] {
    const kept = this.entries.length > this.limit ? this.entries.slice(-this.limit) : this.entries;
    return (phone === undefined ? kept : kept.filter((e) => e.to === phone)).map(entry);
  }

  clear(): void {
    this.entries.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
