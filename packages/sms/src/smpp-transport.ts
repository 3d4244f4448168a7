// SMPP 3.4 client (ESME) over node-smpp: one bind_transceiver session with
// enquire_link keep-alive, a window of unacknowledged submit_sm paced to the
// contracted rate, back-off on throttling, reconnect with back-off, inbound
// deliver_sm (acknowledged once handled) and delivery receipts.
import { AppError, type Clock, MSISDN_RE, maskPhone, systemClock } from '@itinerary-card/domain';
import smpp, { type PDU, type Session } from 'smpp';
import { ConcatReassembler } from './concat-reassembler.ts';
import { parseReceipt, ReceiptLog } from './delivery-receipts.ts';
import { encodeSms } from './sms-encoding.ts';
import type { InboundHandler, OutboundSms, ReceiptHandler, SendResult, SmsTransport } from './sms-transport.ts';
import { concatFromUdh, messageText, messageUdh } from './udh.ts';

export const ESME_ROK = 0x00;
const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;
/** Temporary application error: the SMSC keeps the message and retries it later. */
const ESME_RX_T_APPN = 0x64;

/** A pino-compatible logger subset; the transport never logs a full number or a message text. */
export interface SmsLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: SmsLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface SmppTransportOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** source_addr when a message names no sender. */
  defaultFrom?: string;
  /** Most submit_sm sent and not yet acknowledged (default 10). */
  window?: number;
  /** enquire_link period (default 30 s). */
  enquireLinkMs?: number;
  /**
   * How long a response PDU may take before the link is probed (default 10 s). An overdue
   * submit_sm_resp is not a reason to submit again: the link is probed with enquire_link
   * (dropped and re-bound when that goes unanswered too) and a late answer is taken.
   */
  responseTimeoutMs?: number;
  /** Reconnect back-off: first delay and cap (default 500 ms, 30 s), doubling. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** Cap of the reconnect back-off while sends are wanted (one in the last reconnectMaxMs; default 1 s). */
  reconnectBusyMaxMs?: number;
  /** submit_sm per second at most, evenly spaced (the contracted rate; default unpaced). */
  tps?: number;
  /** TON/NPI of the sender (a short code: 3 network specific / 0 unknown, the default). */
  sourceTon?: number;
  sourceNpi?: number;
  /** TON/NPI of a mobile number (default 1 international / 1 E.164, with `countryCode` in front). */
  destTon?: number;
  destNpi?: number;
  /** Country code put before an 11-digit number when destTon is 1, and taken off inbound ones (default 86). */
  countryCode?: string;
  /**
   * How long a message of several parts keeps being retried once one of its parts was
   * accepted (default 5 minutes): a reply arrives whole or, when none of it went out, not at all.
   */
  partialRetryMs?: number;
  /** Throttling back-off (ESME_RTHROTTLED / ESME_RMSGQFUL): first delay and cap (default 100 ms, 5 s). */
  throttleInitialMs?: number;
  throttleMaxMs?: number;
  /** How often one part may be re-submitted after throttling or a lost response (default 8). */
  maxAttempts?: number;
  /** send() gives up with SMS_SEND_FAILED after this long (default 15 s: a person is waiting for the code). */
  sendTimeoutMs?: number;
  /** Longest message accepted, in parts (default 8). */
  maxParts?: number;
  /** Ask the SMSC for delivery receipts (default true). */
  registeredDelivery?: boolean;
  onReceipt?: ReceiptHandler;
  receiptLimit?: number;
  /** Inbound messages handled at once; beyond it deliver_sm is answered ESME_RX_T_APPN so the SMSC retries (default 256). */
  maxInboundInFlight?: number;
  clock?: Clock;
  logger?: SmsLogger;
}

export interface SmppStats {
  bound: boolean;
  /** A connect or bind failed and none has succeeded since: sends fail at once. */
  linkDown: boolean;
  /** Connections that ended before a bind (connect error, bind refused or unanswered). */
  connectFailures: number;
  bindsRefused: number;
  /** submit_sm_resp by command_status (0 = ESME_ROK). */
  submitStatus: Record<number, number>;
  /** submit_sm whose response was overdue, and how many of those were answered late (and taken). */
  responseTimeouts: number;
  lateResponses: number;
  /** Sends refused at once because the link was down. */
  failedUnbound: number;
  /** Delivery receipts by status (DELIVRD, UNDELIV, …). */
  receiptStatus: Record<string, number>;
  submitted: number;
  acknowledged: number;
  failed: number;
  throttled: number;
  retried: number;
  reconnects: number;
  inbound: number;
  receipts: number;
  queued: number;
  inFlight: number;
  /** The most submit_sm ever unacknowledged at once (never above the window). */
  maxInFlight: number;
}

interface MessageJob {
  to: string;
  ids: (string | undefined)[];
  remaining: number;
  settled: boolean;
  /** A part was accepted: the rest is retried to the end (a half reply helps no one). */
  started: boolean;
  timer: NodeJS.Timeout;
  resolve(r: SendResult): void;
  reject(e: Error): void;
}

interface PartJob {
  msg: MessageJob;
  index: number;
  params: Record<string, unknown>;
  attempts: number;
  /** Changes on every submission so a late response to an abandoned attempt is ignored. */
  attempt: number;
  /** Its response is overdue (the link is being probed). */
  overdue: boolean;
}

const DEFAULTS = {
  window: 10,
  enquireLinkMs: 30_000,
  responseTimeoutMs: 10_000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  reconnectBusyMaxMs: 1_000,
  sourceTon: 3,
  sourceNpi: 0,
  destTon: 1,
  destNpi: 1,
  countryCode: '86',
  partialRetryMs: 300_000,
  throttleInitialMs: 100,
  throttleMaxMs: 5_000,
  maxAttempts: 8,
  sendTimeoutMs: 15_000,
  maxParts: 8,
  maxInboundInFlight: 256,
};

export class SmppTransport implements SmsTransport {
  private readonly o: SmppTransportOptions & typeof DEFAULTS;
  private readonly clock: Clock;
  private readonly log: SmsLogger;
  private readonly handlers: InboundHandler[] = [];
  private readonly reassembler: ConcatReassembler;
  readonly receipts: ReceiptLog;

  private session: Session | null = null;
  private bound = false;
  private linkDown = false;
  /** The last connection ended with a refused bind (wrong credentials, too many binds). */
  private refused = false;
  private probing: Session | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private lastDemandAt = Number.NEGATIVE_INFINITY;
  private nextSendAt = 0;
  private reconnectDueAt = 0;
  private readonly submitStatus: Record<number, number> = {};
  private started = false;
  private closing = false;
  private queue: PartJob[] = [];
  private readonly inFlight = new Map<PartJob, NodeJS.Timeout>();
  private ref = Math.floor(Math.random() * 256);
  private attemptSeq = 0;
  private inboundInFlight = 0;
  private reconnectDelay: number;
  private throttleDelay: number;
  private throttledUntil = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private enquireTimer: NodeJS.Timeout | null = null;
  private boundWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private readonly counters = {
    submitted: 0,
    acknowledged: 0,
    failed: 0,
    throttled: 0,
    retried: 0,
    reconnects: 0,
    inbound: 0,
    receipts: 0,
    maxInFlight: 0,
    connectFailures: 0,
    bindsRefused: 0,
    responseTimeouts: 0,
    lateResponses: 0,
    failedUnbound: 0,
  };

  constructor(opts: SmppTransportOptions) {
    this.o = { ...DEFAULTS, ...stripUndefined(opts) } as SmppTransportOptions & typeof DEFAULTS;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    this.reassembler = new ConcatReassembler(this.clock);
    this.receipts = new ReceiptLog(opts.receiptLimit ?? 10_000, opts.onReceipt);
    this.reconnectDelay = this.o.reconnectInitialMs;
    this.throttleDelay = this.o.throttleInitialMs;
  }

  /** Connects and binds; resolves at the first successful bind (it keeps reconnecting until then). */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.connect();
    }
    return this.whenBound();
  }

  whenBound(): Promise<void> {
    if (this.bound) return Promise.resolve();
    if (this.closing) return Promise.reject(new AppError('SMS_SEND_FAILED', { reason: 'transport closed' }));
    return new Promise((resolve, reject) => this.boundWaiters.push({ resolve, reject }));
  }

  get isBound(): boolean {
    return this.bound;
  }

  /** The link is down: a connect or bind failed and none has succeeded since. */
  get isLinkDown(): boolean {
    return this.linkDown;
  }

  stats(): SmppStats {
    return {
      ...this.counters,
      bound: this.bound,
      linkDown: this.linkDown,
      submitStatus: { ...this.submitStatus },
      receiptStatus: this.receipts.counts(),
      queued: this.queue.length,
      inFlight: this.inFlight.size,
    };
  }

  onInbound(handler: InboundHandler): void {
    this.handlers.push(handler);
  }

  send(msg: OutboundSms): Promise<SendResult> {
    if (this.closing) return Promise.reject(new AppError('SMS_SEND_FAILED', { reason: 'transport closed' }));
    if (!this.started) void this.start().catch(() => {});
    this.lastDemandAt = Date.now();
    if (this.linkDown) {
      // The SMSC could not be reached or refused the bind: say so now rather than after the
      // send deadline, and bring the next attempt forward (someone is waiting for a code).
      this.counters.failed += 1;
      this.counters.failedUnbound += 1;
      this.hurryReconnect();
      return Promise.reject(new AppError('SMS_SEND_FAILED', { reason: 'not bound to the SMSC' }));
    }
    this.ref = (this.ref + 1) & 0xff;
    const enc = encodeSms(msg.text, this.ref, this.o.maxParts);
    const validity = msg.validityMs ? relativeTime(msg.validityMs) : undefined;
    return new Promise<SendResult>((resolve, reject) => {
      const job: MessageJob = {
        to: msg.to,
        ids: new Array(enc.parts.length),
        remaining: enc.parts.length,
        settled: false,
        started: false,
        resolve,
        reject,
        timer: setTimeout(() => this.failMessage(job, 'send timeout'), this.o.sendTimeoutMs),
      };
      enc.parts.forEach((part, index) => {
        this.queue.push({
          msg: job,
          index,
          attempts: 0,
          attempt: 0,
          overdue: false,
          params: {
            service_type: '',
            source_addr_ton: this.o.sourceTon,
            source_addr_npi: this.o.sourceNpi,
            source_addr: msg.from ?? this.o.defaultFrom ?? '',
            dest_addr_ton: this.o.destTon,
            dest_addr_npi: this.o.destNpi,
            destination_addr: this.wireNumber(msg.to),
            esm_class: enc.esmClass,
            registered_delivery: this.o.registeredDelivery === false ? 0 : 1,
            data_coding: enc.dataCoding,
            short_message: part,
            ...(validity ? { validity_period: validity } : {}),
          },
        });
      });
      this.pump();
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of [this.pumpTimer, this.reconnectTimer, this.enquireTimer, this.probeTimer]) if (t) clearTimeout(t);
    for (const w of this.boundWaiters.splice(0))
      w.reject(new AppError('SMS_SEND_FAILED', { reason: 'transport closed' }));
    const pending = new Set<MessageJob>([
      ...this.queue.map((p) => p.msg),
      ...[...this.inFlight.keys()].map((p) => p.msg),
    ]);
    for (const m of pending) this.failMessage(m, 'transport closed');
    const s = this.session;
    if (!s) return;
    if (this.bound) {
      // A polite unbind; the socket is destroyed whether or not the SMSC answers.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        const ok = (s.unbind as (o: object, cb: () => void) => boolean)({}, () => {
          clearTimeout(t);
          resolve();
        });
        if (!ok) {
          clearTimeout(t);
          resolve();
        }
      });
    }
    this.bound = false;
    await new Promise<void>((resolve) => {
      if (s.socket.destroyed) resolve();
      else s.destroy(() => resolve());
    });
  }

  // ---- connection ------------------------------------------------------

  private connect(): void {
    if (this.closing) return;
    const s = smpp.connect({ host: this.o.host, port: this.o.port });
    // PDUs are small and request/response: Nagle plus delayed ACKs would add ~40 ms per exchange.
    s.socket.setNoDelay(true);
    this.session = s;
    s.on('error', (e: Error) => {
      this.log.warn({ host: this.o.host, port: this.o.port, err: e.message }, 'smpp connection error');
      // node-smpp stops reading after a PDU it cannot parse: start over on a fresh session.
      s.destroy();
    });
    s.on('close', () => this.onClose(s));
    s.on('connect', () => {
      // An SMSC that accepts the connection but never answers the bind is dropped and retried.
      const bindTimer = setTimeout(() => {
        this.log.warn({ timeoutMs: this.o.responseTimeoutMs }, 'smpp bind_transceiver unanswered, reconnecting');
        s.destroy();
      }, this.o.responseTimeoutMs);
      s.once('close', () => clearTimeout(bindTimer));
      (s.bind_transceiver as (o: object, cb: (p: PDU) => void) => boolean)(
        {
          system_id: this.o.systemId,
          password: this.o.password,
          system_type: this.o.systemType ?? '',
          interface_version: 0x34,
        },
        (resp) => {
          clearTimeout(bindTimer);
          if (resp.command_status !== ESME_ROK) {
            this.counters.bindsRefused += 1;
            this.refused = true;
            this.log.error(
              { systemId: this.o.systemId, status: hex(resp.command_status) },
              'smpp bind_transceiver refused',
            );
            s.destroy();
            return;
          }
          this.bound = true;
          this.linkDown = false;
          this.refused = false;
          this.reconnectDelay = this.o.reconnectInitialMs;
          this.log.info({ host: this.o.host, port: this.o.port, systemId: this.o.systemId }, 'smpp bound');
          this.scheduleEnquire(s);
          for (const w of this.boundWaiters.splice(0)) w.resolve();
          this.pump();
        },
      );
    });
    s.on('enquire_link', (pdu: PDU) => s.send(pdu.response()));
    s.on('unbind', (pdu: PDU) => {
      this.log.warn({}, 'smpp unbind from the SMSC');
      s.send(pdu.response());
      s.destroy();
    });
    s.on('deliver_sm', (pdu: PDU) => this.onDeliver(s, pdu));
    s.on('unknown', (pdu: PDU) => s.send(pdu.response()));
  }

  private onClose(s: Session): void {
    if (this.session !== s) return;
    this.session = null;
    if (this.probing === s) {
      this.probing = null;
      if (this.probeTimer) clearTimeout(this.probeTimer);
      this.probeTimer = null;
    }
    const wasBound = this.bound;
    this.bound = false;
    if (this.enquireTimer) clearTimeout(this.enquireTimer);
    this.enquireTimer = null;
    // Parts sent but not acknowledged go out again on the next session (at-least-once).
    const lost = [...this.inFlight.keys()].sort((a, b) => a.attempt - b.attempt);
    for (const [, t] of this.inFlight) clearTimeout(t);
    this.inFlight.clear();
    for (const p of lost) p.overdue = false;
    this.queue = [...lost.filter((p) => !p.msg.settled), ...this.queue];
    if (this.closing) return;
    const now = Date.now();
    // While someone is waiting to send, the next attempt comes soon after an outage; idle, or
    // after a refused bind (hammering a wrong password can lock the account), the back-off grows.
    const busy = now - this.lastDemandAt < this.o.reconnectMaxMs && !this.refused;
    const cap = busy ? this.o.reconnectBusyMaxMs : this.o.reconnectMaxMs;
    const delay = Math.min(this.reconnectDelay, cap);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.o.reconnectMaxMs);
    if (wasBound) {
      this.log.warn({ requeued: lost.length, retryInMs: delay }, 'smpp connection lost');
    } else {
      // Never bound on this connection: the SMSC is down or refuses us. Sends fail at once
      // from now until a bind succeeds; messages not started yet fail now (none is half sent).
      this.counters.connectFailures += 1;
      if (!this.linkDown) this.log.error({ host: this.o.host, port: this.o.port }, 'smpp link down');
      this.linkDown = true;
      for (const w of this.boundWaiters.splice(0))
        w.reject(new AppError('SMS_SEND_FAILED', { reason: 'not bound to the SMSC' }));
      const waiting = new Set(this.queue.filter((p) => !p.msg.started).map((p) => p.msg));
      for (const m of waiting) this.failMessage(m, 'not bound to the SMSC');
    }
    this.scheduleReconnect(delay);
  }

  private scheduleReconnect(delay: number): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectDueAt = Date.now() + delay;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.counters.reconnects += 1;
      this.connect();
    }, delay);
  }

  /** A send while the SMSC is unreachable: the next attempt comes within reconnectBusyMaxMs. */
  private hurryReconnect(): void {
    if (!this.reconnectTimer || this.closing || this.refused) return;
    if (this.reconnectDueAt - Date.now() > this.o.reconnectBusyMaxMs) this.scheduleReconnect(this.o.reconnectBusyMaxMs);
    this.reconnectDelay = Math.min(this.reconnectDelay, this.o.reconnectBusyMaxMs);
  }

  private scheduleEnquire(s: Session): void {
    if (this.enquireTimer) clearTimeout(this.enquireTimer);
    this.enquireTimer = setTimeout(() => {
      this.enquireTimer = null;
      if (this.session !== s || !this.bound) return;
      this.probe(s, 'keep-alive');
    }, this.o.enquireLinkMs);
  }

  /** enquire_link now; unanswered within responseTimeoutMs, the session is dropped (and re-bound). */
  private probe(s: Session, why: string): void {
    if (this.probing === s) return;
    this.probing = s;
    const timeout = setTimeout(() => {
      this.log.warn({ why, timeoutMs: this.o.responseTimeoutMs }, 'smpp enquire_link unanswered, reconnecting');
      s.destroy();
    }, this.o.responseTimeoutMs);
    this.probeTimer = timeout;
    (s.enquire_link as (o: object, cb: () => void) => boolean)({}, () => {
      clearTimeout(timeout);
      if (this.probeTimer === timeout) this.probeTimer = null;
      if (this.probing === s) this.probing = null;
      if (this.session === s) this.scheduleEnquire(s);
    });
  }

  // ---- sending ---------------------------------------------------------

  private pump(): void {
    const s = this.session;
    if (!s || !this.bound || this.pumpTimer || this.closing) return;
    if (this.inFlight.size >= this.o.window || this.queue.length === 0) return;
    const now = Date.now();
    const wait = Math.max(this.throttledUntil, this.o.tps ? this.nextSendAt : 0) - now;
    if (wait > 0) {
      this.pumpLater(wait);
      return;
    }
    // Several PDUs queued at once go out in one write instead of one syscall each.
    s.socket.cork();
    try {
      while (this.inFlight.size < this.o.window && this.queue.length > 0) {
        if (this.o.tps) {
          // Evenly spaced at the contracted rate: the SMSC's throttling never has to say so.
          const t = Date.now();
          if (t < this.nextSendAt) {
            this.pumpLater(this.nextSendAt - t);
            return;
          }
          this.nextSendAt = Math.max(t, this.nextSendAt) + 1000 / this.o.tps;
        }
        const part = this.queue.shift()!;
        if (part.msg.settled) continue;
        // A socket that is no longer writable is about to close; the reconnect resumes the queue.
        if (!this.submit(s, part)) return;
      }
    } finally {
      process.nextTick(() => s.socket.uncork());
    }
  }

  private pumpLater(ms: number): void {
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, Math.ceil(ms));
  }

  private submit(s: Session, part: PartJob): boolean {
    part.attempts += 1;
    const attempt = ++this.attemptSeq;
    part.attempt = attempt;
    part.overdue = false;
    const timer = setTimeout(() => {
      if (part.attempt !== attempt || !this.inFlight.has(part)) return;
      // Overdue, but submitting again on this session would deliver the message twice if the
      // SMSC is merely slow: keep the slot, take a late answer, and find out whether the link
      // is alive (a dead one is dropped, and what was in flight goes out on the next session).
      part.overdue = true;
      this.counters.responseTimeouts += 1;
      this.log.warn(
        { to: maskPhone(part.msg.to), timeoutMs: this.o.responseTimeoutMs },
        'smpp submit_sm_resp overdue, probing the link',
      );
      this.probe(s, 'submit_sm_resp overdue');
    }, this.o.responseTimeoutMs);
    this.inFlight.set(part, timer);
    if (this.inFlight.size > this.counters.maxInFlight) this.counters.maxInFlight = this.inFlight.size;
    this.counters.submitted += 1;
    const pdu = new smpp.PDU('submit_sm', { ...part.params });
    const written = s.send(pdu, (resp) => this.onSubmitResp(part, attempt, resp));
    if (!written) {
      clearTimeout(timer);
      this.inFlight.delete(part);
      this.queue.unshift(part);
      part.attempts -= 1;
      this.counters.submitted -= 1;
      return false;
    }
    return true;
  }

  private onSubmitResp(part: PartJob, attempt: number, resp: PDU): void {
    const status = resp.command_status;
    this.submitStatus[status] = (this.submitStatus[status] ?? 0) + 1;
    if (part.attempt !== attempt) return;
    const timer = this.inFlight.get(part);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.inFlight.delete(part);
    if (part.overdue) this.counters.lateResponses += 1;
    if (status === ESME_ROK) {
      this.counters.acknowledged += 1;
      this.throttleDelay = this.o.throttleInitialMs;
      this.partDone(part, String(resp.message_id ?? ''));
    } else if (status === ESME_RTHROTTLED || status === ESME_RMSGQFUL) {
      this.counters.throttled += 1;
      const now = Date.now();
      // Answers to PDUs already in the window when the pause began do not lengthen it;
      // a throttle after the pause ended does (doubling up to the cap).
      if (now >= this.throttledUntil) {
        this.throttledUntil = now + this.throttleDelay;
        this.log.warn({ status: hex(status), backoffMs: this.throttleDelay }, 'smpp throttled, backing off');
        this.throttleDelay = Math.min(this.throttleDelay * 2, this.o.throttleMaxMs);
      }
      this.retryOrFail(part, `throttled (${hex(status)})`, true);
    } else {
      this.log.warn({ status: hex(status), to: maskPhone(part.msg.to) }, 'smpp submit_sm rejected');
      this.failMessage(part.msg, `submit_sm status ${hex(status)}`);
    }
    this.pump();
  }

  private retryOrFail(part: PartJob, reason: string, front: boolean): void {
    if (part.msg.settled) return;
    // A started message is retried to the end (within partialRetryMs): its first part is on a phone.
    if (part.attempts >= this.o.maxAttempts && !part.msg.started) {
      this.failMessage(part.msg, reason);
      return;
    }
    this.counters.retried += 1;
    if (front) this.queue.unshift(part);
    else this.queue.push(part);
  }

  private partDone(part: PartJob, id: string): void {
    const m = part.msg;
    if (m.settled) return;
    if (m.ids[part.index] === undefined) {
      m.ids[part.index] = id;
      m.remaining -= 1;
    }
    if (m.remaining > 0) {
      if (!m.started) {
        m.started = true;
        clearTimeout(m.timer);
        m.timer = setTimeout(() => this.failMessage(m, 'message left incomplete'), this.o.partialRetryMs);
      }
      return;
    }
    m.settled = true;
    clearTimeout(m.timer);
    const ids = m.ids as string[];
    m.resolve(ids.length > 1 ? { id: ids[0]!, partIds: ids } : { id: ids[0]! });
  }

  private failMessage(m: MessageJob, reason: string): void {
    if (m.settled) return;
    m.settled = true;
    clearTimeout(m.timer);
    this.counters.failed += 1;
    this.queue = this.queue.filter((p) => p.msg !== m);
    // Its parts leave the window; an answer that still comes for one of them is ignored.
    for (const [p, t] of this.inFlight) {
      if (p.msg !== m) continue;
      clearTimeout(t);
      this.inFlight.delete(p);
    }
    const sent = m.ids.filter((id) => id !== undefined).length;
    this.log.warn({ to: maskPhone(m.to), reason, parts: m.ids.length, partsSent: sent }, 'sms send failed');
    m.reject(new AppError('SMS_SEND_FAILED', { reason }));
    this.pump();
  }

  /** 13800000001 as the SMSC expects it: with the country code when the TON is international. */
  private wireNumber(msisdn: string): string {
    return this.o.destTon === 1 && this.o.countryCode && MSISDN_RE.test(msisdn)
      ? `${this.o.countryCode}${msisdn}`
      : msisdn;
  }

  /** A handset address from the SMSC, as the 11-digit number the rest of the system uses. */
  private nationalNumber(addr: string): string {
    const cc = this.o.countryCode;
    if (cc && addr.startsWith(cc) && MSISDN_RE.test(addr.slice(cc.length))) return addr.slice(cc.length);
    if (addr.startsWith(`+${cc}`) && MSISDN_RE.test(addr.slice(cc.length + 1))) return addr.slice(cc.length + 1);
    return addr;
  }

  // ---- receiving -------------------------------------------------------

  private onDeliver(s: Session, pdu: PDU): void {
    const esm = Number(pdu.esm_class ?? 0);
    const isReceipt = (esm & 0x3c) === 0x04 || (esm & 0x3c) === 0x08;
    if (!isReceipt && this.inboundInFlight >= this.o.maxInboundInFlight) {
      // Back-pressure on a flood: the SMSC keeps the message and offers it again later.
      s.send(pdu.response({ command_status: ESME_RX_T_APPN }));
      return;
    }
    const from = this.nationalNumber(String(pdu.source_addr ?? ''));
    const to = String(pdu.destination_addr ?? '');
    const field = pdu.message_payload ?? pdu.short_message;
    if (isReceipt) {
      s.send(pdu.response({ message_id: '' }));
      const r = parseReceipt(
        {
          text: messageText(field),
          receiptedMessageId: typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : undefined,
          messageState: typeof pdu.message_state === 'number' ? pdu.message_state : undefined,
          // A receipt comes from the handset the message went to.
          to: from,
        },
        this.clock.now(),
      );
      if (r) {
        this.counters.receipts += 1;
        this.receipts.record(r);
        if (!isDeliveredOrPending(r.status)) {
          this.log.warn(
            { to: maskPhone(r.to), messageId: r.messageId, status: r.status, error: r.error },
            'sms not delivered',
          );
        }
      }
      return;
    }
    const part = messageText(field);
    const concat = concatFromUdh(messageUdh(field));
    const text = concat ? this.reassembler.add(from, to, concat, part) : part;
    if (text === undefined) {
      // A part of a longer message: kept until the rest arrives.
      s.send(pdu.response({ message_id: '' }));
      return;
    }
    this.counters.inbound += 1;
    this.inboundInFlight += 1;
    // Acknowledged once handled (its reply queued): an MO the SMSC considers delivered must
    // not be lost here. When a handler fails, the SMSC is asked to offer it again later.
    void this.runHandlers({ from, to, text })
      .then(
        () => s.send(pdu.response({ message_id: '' })),
        () => s.send(pdu.response({ command_status: ESME_RX_T_APPN })),
      )
      .finally(() => {
        this.inboundInFlight -= 1;
      });
  }

  private async runHandlers(m: { from: string; to: string; text: string }): Promise<void> {
    let failed: unknown;
    for (const h of this.handlers) {
      try {
        await h(m);
      } catch (e) {
        failed = e;
        const err = e instanceof Error ? e.message : String(e);
        this.log.error({ from: maskPhone(m.from), err }, 'inbound handler failed, the SMSC will offer it again');
      }
    }
    if (failed !== undefined) throw failed;
  }
}

/** DELIVRD, or a state that is not final yet. */
function isDeliveredOrPending(status: string): boolean {
  return status === 'DELIVRD' || status === 'ENROUTE' || status === 'ACCEPTD';
}

function hex(status: number): string {
  return `0x${status.toString(16).padStart(8, '0')}`;
}

/** SMPP 3.4 relative time (YYMMDDhhmmss000R) for a duration under a month. */
function relativeTime(ms: number): string {
  let sec = Math.max(1, Math.min(Math.round(ms / 1000), 30 * 86_400));
  const days = Math.floor(sec / 86_400);
  sec -= days * 86_400;
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const p = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  return `0000${p(days)}${p(h)}${p(m)}${p(sec % 60)}000R`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
