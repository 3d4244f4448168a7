// The few parts of the `smpp` npm package (node-smpp, CommonJS, untyped) this package uses.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';

  export interface PDU {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [param: string]: unknown;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): PDU;
  }

  export interface Session extends EventEmitter {
    socket: import('node:net').Socket;
    send(pdu: PDU, responseCallback?: (resp: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    [command: string]: unknown;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  interface SmppModule {
    connect(options: { host: string; port: number; [k: string]: unknown }, listener?: () => void): Session;
    createServer(listener: (session: Session) => void): Server;
    createServer(options: Record<string, unknown>, listener: (session: Session) => void): Server;
    PDU: new (command: string, options?: Record<string, unknown>) => PDU;
  }
  const smpp: SmppModule;
  export default smpp;
}
