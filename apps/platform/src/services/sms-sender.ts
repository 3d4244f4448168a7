// What the platform needs of an SMS transport (the SmsTransport seam of
// packages/sms), and of the development outbox behind /dev/outbox.
export interface SmsSender {
  send(msg: { to: string; text: string; from?: string }): Promise<{ id: string }>;
}

export interface OutboxReader {
  list(phone?: string): ReadonlyArray<{ to: string; text: string; sentAt: string }>;
}
