// A stand-in for the query platform (API.md) used to develop the page before
// apps/platform exists: serves the built pages and answers the API from a
// small table of numbers. The end-to-end suite prefers the real platform.
import { randomInt, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { checkPhone, ERROR_TABLE, type ErrorCode, langFromHeader, maskPhone } from '@itinerary-card/domain';
import { webDistDir } from '../../src/index.ts';

export interface FakeAnswer {
  cities?: Array<{ code: string; province: string; city: string; risk: boolean }>;
  countries?: Array<{ code: string; name: string }>;
  notes?: string[];
  error?: ErrorCode;
}

export interface FakePlatform {
  url: string;
  outbox(phone: string): Array<{ to: string; text: string; sentAt: string }>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export async function startFakePlatform(answers: Record<string, FakeAnswer>): Promise<FakePlatform> {
  const codes = new Map<string, { code: string; tries: number }>();
  const sessions = new Map<string, string>();
  const devices = new Map<string, string>();
  const outbox: Array<{ to: string; text: string; sentAt: string }> = [];

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const fail = (req: IncomingMessage, res: ServerResponse, code: ErrorCode) => {
    const row = ERROR_TABLE[code];
    send(res, row.status, {
      error: { code, message: langFromHeader(req.headers['accept-language']) === 'en' ? row.en : row.zh },
    });
  };
  const body = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let s = '';
    for await (const chunk of req) s += chunk;
    return s ? JSON.parse(s) : {};
  };
  const login = (res: ServerResponse, msisdn: string, remember: boolean) => {
    const token = randomUUID();
    sessions.set(token, msisdn);
    const deviceToken = remember ? randomUUID() : undefined;
    if (deviceToken) devices.set(deviceToken, msisdn);
    send(res, 200, { token, expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(), deviceToken });
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/api/v1/sms-code') {
      const phone = checkPhone((await body(req)).phone);
      if (!phone.ok) return fail(req, res, phone.reason === 'overseas' ? 'UNSUPPORTED_NUMBER' : 'INVALID_PHONE');
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      codes.set(phone.msisdn, { code, tries: 0 });
      outbox.push({ to: phone.msisdn, text: `您的验证码是${code}，5分钟内有效。`, sentAt: new Date().toISOString() });
      return send(res, 200, { resendAfterSeconds: 60 });
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/login') {
      const b = await body(req);
      const phone = checkPhone(b.phone);
      if (!phone.ok) return fail(req, res, 'INVALID_PHONE');
      if (typeof b.deviceToken === 'string') {
        if (devices.get(b.deviceToken) !== phone.msisdn) return fail(req, res, 'UNAUTHENTICATED');
        return login(res, phone.msisdn, false);
      }
      const c = codes.get(phone.msisdn);
      if (!c) return fail(req, res, 'CODE_EXPIRED');
      if (c.code !== b.code) {
        c.tries++;
        if (c.tries >= 3) {
          codes.delete(phone.msisdn);
          return fail(req, res, 'TOO_MANY_ATTEMPTS');
        }
        return fail(req, res, 'CODE_INVALID');
      }
      codes.delete(phone.msisdn);
      return login(res, phone.msisdn, b.rememberDevice === true);
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/itinerary') {
      const msisdn = sessions.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!msisdn) return fail(req, res, 'UNAUTHENTICATED');
      const client = Number(req.headers['x-client-time']);
      if (!Number.isFinite(client) || Math.abs(client - Date.now()) > 5 * 60_000) {
        return fail(req, res, 'ILLEGAL_ACCESS');
      }
      const a = answers[msisdn];
      if (!a) return fail(req, res, 'NO_DATA');
      if (a.error) return fail(req, res, a.error);
      const day = Date.now() - (Date.now() % 86_400_000) - 8 * 3_600_000;
      return send(res, 200, {
        phone: maskPhone(msisdn),
        updatedAt: new Date(day + 16 * 3_600_000 + 47 * 60_000).toISOString(),
        windowDays: 7,
        windowStart: new Date(day - 7 * 86_400_000).toISOString(),
        windowEnd: new Date(day).toISOString(),
        cities: a.cities ?? [],
        countries: a.countries ?? [],
        notes: a.notes ?? [],
      });
    }
    const path =
      url.pathname === '/' ? 'card/index.html' : url.pathname === '/help' ? 'card/help.html' : url.pathname.slice(1);
    const file = normalize(join(webDistDir, path));
    if (!file.startsWith(webDistDir) || (!path.startsWith('assets/') && !path.startsWith('card/'))) {
      return fail(req, res, 'NOT_FOUND');
    }
    try {
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    } catch {
      fail(req, res, 'NOT_FOUND');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    outbox: (phone) => outbox.filter((m) => m.to === phone),
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
