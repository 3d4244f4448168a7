// What the platform needs of an SMS transport (the SmsTransport seam of
// packages/sms), and of the development outbox behind /dev/outbox.
export interface SmsSender {
  /** validityMs: how long the network may keep trying (a code is useless once it expired). */
  send(msg: { to: string; text: string; from?: string; validityMs?: number }): Promise<{ id: string }>;
}

export interface OutboxReader {
  list(phone?: string): ReadonlyArray<{ to: string; from: string; text: string; sentAt: string }>;
}
