// An in-repo SMSC (the MC side of SMPP 3.4, on node-smpp's server) for fast
// tests and the benchmark: binds (or refuses to), acknowledges submit_sm (late
// on command), reassembles long messages, sends delivery receipts and inbound
// deliver_sm, throttles and drops on command, and records the PDUs it gets.
import { EventEmitter } from 'node:events';
import smpp, { type PDU, type Server, type Session } from 'smpp';
import { ESME_ROK, ESME_RTHROTTLED } from '../smpp-transport.ts';
import { encodeSms } from '../sms-encoding.ts';
import { concatFromUdh, messageText, messageUdh } from '../udh.ts';

const ESME_RBINDFAIL = 0x0d;
const ESME_RINVBNDSTS = 0x04;

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** Credentials the simulator accepts; any when absent. */
  systemId?: string;
  password?: string;
  /** Send a delivery receipt when submit_sm asks for one (default true). */
  receipts?: boolean;
  /** Messages kept for inspection (default 10 000; counters keep going). */
  keep?: number;
  /** Answer this many submit_sm per second at most, ESME_RTHROTTLED beyond (default unlimited). */
  maxPerSecond?: number;
  /** Answer submit_sm after this delay (default at once): shows the client's window at work. */
  ackDelayMs?: number;
  /** The stat: of the receipts sent (default DELIVRD). */
  receiptStatus?: string;
}

/** The addressing of a PDU as it came over the wire. */
export interface RecordedPdu {
  command: string;
  sourceTon?: number;
  sourceNpi?: number;
  source?: string;
  destTon?: number;
  destNpi?: number;
  dest?: string;
  /** validity_period as node-smpp decodes it (a Date for a relative time). */
  validity?: unknown;
}

/** One message as the SMSC saw it, its parts reassembled. */
export interface SubmittedMessage {
  from: string;
  /** The handset, national (an 86… sent with TON 1 loses its 86; `pdus` has the wire form). */
  to: string;
  text: string;
  parts: number;
  dataCoding: number;
  ids: string[];
}

interface PendingConcat {
  parts: string[];
  ids: string[];
  received: number;
}

export class SmscSimulator extends EventEmitter {
  readonly messages: SubmittedMessage[] = [];
  readonly pdus: RecordedPdu[] = [];
  readonly counters = {
    binds: 0,
    bindsRefused: 0,
    submitSm: 0,
    throttled: 0,
    receiptsSent: 0,
    enquireLinks: 0,
    delivered: 0,
  };
  private refusing = false;
  private readonly stalled = new Set<Session>();
  private throttleUntil = 0;
  private throttleAfter = 0;
  private readonly server: Server;
  private readonly bound = new Set<Session>();
  private readonly pendingConcat = new Map<string, PendingConcat>();
  private throttleNextCount = 0;
  private rejectNextCount = 0;
  private rejectStatus = 0;
  private nextId = 1;
  private nextRef = 0;
  private windowStart = 0;
  private windowCount = 0;
  private _port = 0;
  private throttleMs = 0;

  private constructor(private readonly o: SimulatorOptions) {
    super();
    this.server = smpp.createServer((session) => this.onSession(session));
    this.server.on('error', (e) => this.emit('error', e));
  }

  static async start(o: SimulatorOptions = {}): Promise<SmscSimulator> {
    const sim = new SmscSimulator(o);
    await new Promise<void>((resolve, reject) => {
      sim.server.once('error', reject);
      sim.server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    const addr = sim.server.address();
    sim._port = typeof addr === 'object' && addr ? addr.port : 0;
    return sim;
  }

  get port(): number {
    return this._port;
  }

  get boundSessions(): number {
    return this.bound.size;
  }

  /** The next `n` submit_sm are answered ESME_RTHROTTLED. */
  throttleNext(n: number): void {
    this.throttleNextCount = n;
  }

  setMaxPerSecond(n: number | undefined): void {
    this.o.maxPerSecond = n;
  }

  /** The next `n` submit_sm are refused with `status` (e.g. 0x0b ESME_RINVDSTADR). */
  rejectNext(n: number, status: number): void {
    this.rejectNextCount = n;
    this.rejectStatus = status;
  }

  /** Every submit_sm is answered ESME_RTHROTTLED for `ms`, after `after` more are accepted. */
  throttleFor(ms: number, after = 0): void {
    this.throttleAfter = after;
    this.throttleUntil = after > 0 ? Number.POSITIVE_INFINITY : Date.now() + ms;
    this.throttleMs = ms;
  }

  /** Answer submit_sm this late from now on (0: at once). */
  setAckDelay(ms: number): void {
    this.o.ackDelayMs = ms;
  }

  /** The sessions bound now stop answering anything (a hung link); new sessions answer as usual. */
  stall(): void {
    for (const s of this.bound) this.stalled.add(s);
  }

  /** Refuse every bind (ESME_RBINDFAIL, as for a wrong password) until called with false. */
  refuseBinds(on: boolean): void {
    this.refusing = on;
  }

  /** The stat: of receipts from now on (DELIVRD, UNDELIV, EXPIRED, …). */
  setReceiptStatus(status: string): void {
    this.o.receiptStatus = status;
  }

  /** Cuts every client connection without an unbind (a dropped link). */
  dropConnections(): void {
    for (const s of this.server.sessions) s.destroy();
    this.bound.clear();
  }

  /** Writes a PDU header that claims an impossible length to every bound client (a corrupt link). */
  sendCorruptPdu(): void {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(0x7fffffff, 0);
    b.writeUInt32BE(0x00000005, 4);
    for (const s of this.bound) s.socket.write(b);
  }

  /** Sends a mobile-originated SMS to a bound client as deliver_sm (split and UCS-2 like any handset). */
  async deliver(from: string, to: string, text: string, sourceTon = 1): Promise<void> {
    const session = [...this.bound][0];
    if (!session) throw new Error('no bound ESME to deliver to');
    this.nextRef = (this.nextRef + 1) & 0xff;
    const enc = encodeSms(text, this.nextRef, 16);
    await Promise.all(
      enc.parts.map(
        (part) =>
          new Promise<void>((resolve, reject) => {
            const pdu = new smpp.PDU('deliver_sm', {
              source_addr_ton: sourceTon,
              source_addr_npi: 1,
              source_addr: from,
              dest_addr_ton: 3,
              dest_addr_npi: 0,
              destination_addr: to,
              esm_class: enc.esmClass,
              data_coding: enc.dataCoding,
              short_message: part,
            });
            const ok = session.send(pdu, (resp) =>
              resp.command_status === ESME_ROK
                ? resolve()
                : reject(new Error(`deliver_sm status ${resp.command_status}`)),
            );
            if (!ok) reject(new Error('session not writable'));
          }),
      ),
    );
    this.counters.delivered += 1;
  }

  /** Resolves with the first message (already seen or future) that matches. */
  waitForMessage(match: (m: SubmittedMessage) => boolean, timeoutMs = 5000): Promise<SubmittedMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onMessage = (m: SubmittedMessage) => {
        if (!match(m)) return;
        clearTimeout(t);
        this.off('message', onMessage);
        resolve(m);
      };
      const t = setTimeout(() => {
        this.off('message', onMessage);
        reject(new Error('timed out waiting for a message at the SMSC'));
      }, timeoutMs);
      this.on('message', onMessage);
    });
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSession(s: Session): void {
    s.socket.setNoDelay(true);
    s.on('error', () => {});
    s.on('close', () => {
      this.bound.delete(s);
      this.stalled.delete(s);
    });
    const bind = (pdu: PDU) => {
      const ok =
        !this.refusing &&
        (this.o.systemId === undefined || pdu.system_id === this.o.systemId) &&
        (this.o.password === undefined || pdu.password === this.o.password);
      if (!ok) {
        this.counters.bindsRefused += 1;
        s.send(pdu.response({ command_status: ESME_RBINDFAIL }));
        s.close();
        return;
      }
      this.counters.binds += 1;
      this.bound.add(s);
      s.send(pdu.response({ system_id: 'itinerary-smsc-sim' }));
    };
    s.on('bind_transceiver', bind);
    s.on('bind_transmitter', bind);
    s.on('enquire_link', (pdu: PDU) => {
      this.counters.enquireLinks += 1;
      if (!this.stalled.has(s)) s.send(pdu.response());
    });
    s.on('unbind', (pdu: PDU) => {
      this.bound.delete(s);
      s.send(pdu.response(), () => s.close());
    });
    s.on('submit_sm', (pdu: PDU) => this.onSubmit(s, pdu));
    s.on('deliver_sm_resp', () => {});
  }

  private onSubmit(s: Session, pdu: PDU): void {
    this.pdus.push({
      command: pdu.command,
      sourceTon: pdu.source_addr_ton as number,
      sourceNpi: pdu.source_addr_npi as number,
      source: String(pdu.source_addr ?? ''),
      destTon: pdu.dest_addr_ton as number,
      destNpi: pdu.dest_addr_npi as number,
      dest: String(pdu.destination_addr ?? ''),
      validity: pdu.validity_period || undefined,
    });
    if (this.pdus.length > (this.o.keep ?? 10_000)) this.pdus.shift();
    if (this.stalled.has(s)) return;
    if (!this.bound.has(s)) {
      s.send(pdu.response({ command_status: ESME_RINVBNDSTS }));
      return;
    }
    if (this.rejectNextCount > 0) {
      this.rejectNextCount -= 1;
      s.send(pdu.response({ command_status: this.rejectStatus }));
      return;
    }
    if (this.throttleNextCount > 0 || this.throttlingNow() || this.overRate()) {
      if (this.throttleNextCount > 0) this.throttleNextCount -= 1;
      this.counters.throttled += 1;
      s.send(pdu.response({ command_status: ESME_RTHROTTLED }));
      return;
    }
    this.counters.submitSm += 1;
    const id = (this.nextId++).toString(16).padStart(8, '0');
    if (this.o.ackDelayMs) setTimeout(() => s.send(pdu.response({ message_id: id })), this.o.ackDelayMs);
    else s.send(pdu.response({ message_id: id }));
    const from = String(pdu.source_addr ?? '');
    // The handset as the rest of the tests name it: an international 86… (TON 1) made national.
    const wireTo = String(pdu.destination_addr ?? '');
    const to = pdu.dest_addr_ton === 1 && /^861\d{10}$/.test(wireTo) ? wireTo.slice(2) : wireTo;
    const field = pdu.short_message;
    const part = messageText(field);
    const concat = concatFromUdh(messageUdh(field));
    const dataCoding = Number(pdu.data_coding ?? 0);
    if (!concat || concat.total <= 1) {
      this.record({ from, to, text: part, parts: 1, dataCoding, ids: [id] });
    } else {
      const key = `${from}|${to}|${concat.ref}|${concat.total}`;
      let p = this.pendingConcat.get(key);
      if (!p) {
        p = { parts: new Array(concat.total).fill(''), ids: new Array(concat.total).fill(''), received: 0 };
        this.pendingConcat.set(key, p);
      }
      if (!p.ids[concat.seq - 1]) p.received += 1;
      p.parts[concat.seq - 1] = part;
      p.ids[concat.seq - 1] = id;
      if (p.received === concat.total) {
        this.pendingConcat.delete(key);
        this.record({ from, to, text: p.parts.join(''), parts: concat.total, dataCoding, ids: p.ids });
      }
    }
    if (this.o.receipts !== false && Number(pdu.registered_delivery ?? 0) & 1) this.sendReceipt(s, id, from, wireTo);
  }

  private throttlingNow(): boolean {
    if (this.throttleAfter > 0) {
      this.throttleAfter -= 1;
      if (this.throttleAfter === 0) this.throttleUntil = Date.now() + this.throttleMs;
      return false;
    }
    return Date.now() < this.throttleUntil;
  }

  private overRate(): boolean {
    const max = this.o.maxPerSecond;
    if (!max) return false;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += 1;
    return this.windowCount > max;
  }

  private record(m: SubmittedMessage): void {
    this.messages.push(m);
    const keep = this.o.keep ?? 10_000;
    if (this.messages.length > keep) this.messages.splice(0, this.messages.length - keep);
    this.emit('message', m);
  }

  private sendReceipt(s: Session, id: string, from: string, to: string): void {
    const stamp = smppDate(new Date());
    const stat = this.o.receiptStatus ?? 'DELIVRD';
    const delivered = stat === 'DELIVRD';
    const pdu = new smpp.PDU('deliver_sm', {
      source_addr: to,
      destination_addr: from,
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(
        `id:${id} sub:001 dlvrd:001 submit date:${stamp} done date:${stamp} stat:${stat} err:${delivered ? '000' : '001'} text:`,
        'latin1',
      ),
      receipted_message_id: id,
      ...(delivered ? { message_state: 2 } : {}),
    });
    if (s.send(pdu)) this.counters.receiptsSent += 1;
  }
}

function smppDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}
