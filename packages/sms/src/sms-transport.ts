// The seam every SMS sender and receiver of the project goes through: the
// development outbox and SMPP 3.4 both implement it (docs/TEAM-CONTRACTS.md).

export interface OutboundSms {
  /** Destination mobile number (11 digits). */
  to: string;
  text: string;
  /** Sender address, e.g. the short code a user texted; the transport's default when absent. */
  from?: string;
  /**
   * How long the network should keep trying to deliver it (SMPP validity_period, relative):
   * a code that expires in 5 minutes is no use to a phone switched on an hour later.
   */
  validityMs?: number;
}

export interface SendResult {
  /** The gateway's id of the message (of its first part when it was split). */
  id: string;
  /** Ids of every part, in order, when the message went out as several parts. */
  partIds?: string[];
}

export interface InboundSms {
  /** The subscriber who sent it. */
  from: string;
  /** The address it was sent to (the operator's short code). */
  to: string;
  text: string;
}

export type InboundHandler = (m: InboundSms) => Promise<void>;

export interface SmsTransport {
  send(msg: OutboundSms): Promise<SendResult>;
  onInbound(handler: InboundHandler): void;
  close(): Promise<void>;
}

/** A delivery receipt (SMPP deliver_sm with esm_class 0x04, or the outbox's immediate one). */
export interface DeliveryReceipt {
  messageId: string;
  /** DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE */
  status: string;
  /** The handset the receipt is about (the original destination). */
  to: string;
  /** Network error code from the receipt (`err:`), '000' when none. */
  error: string;
  /** When the transport received the receipt (epoch ms). */
  receivedAt: number;
}

export type ReceiptHandler = (r: DeliveryReceipt) => void;
