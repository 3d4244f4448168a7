// Issue 22 item 17: one masking for every server's logs. Numbers in request
// URLs, messages and error text are masked; timestamps and other digit runs
// are left alone.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { maskedLogger, maskSensitive } from '../src/log-masking.ts';

describe('log masking', () => {
  it('masks mobile and ID numbers standing alone, not longer digit runs', () => {
    expect(maskSensitive('/internal/v1/itinerary/13800000001?days=7')).toBe(
      '/internal/v1/itinerary/138****0001?days=7',
    );
    expect(maskSensitive('Key (phone)=(19912345678) already exists')).toBe('Key (phone)=(199****5678) already exists');
    expect(maskSensitive('id 3601021990010155512 ok')).toBe('id 3601021990010155512 ok'); // 19 digits: not an ID number
    expect(maskSensitive('id 36010219900101555X ok')).toBe('id 3601**********555X ok');
    expect(maskSensitive('id 360102199001015551 ok')).toBe('id 3601**********5551 ok');
    expect(maskSensitive('{"time":1796576436969,"pid":8818}')).toBe('{"time":1796576436969,"pid":8818}');
    expect(maskSensitive('12345678901 and 10012345678')).toBe('12345678901 and 10012345678');
  });

  it('masks every line a Fastify server writes: request URLs, messages and errors', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = Fastify({ logger: maskedLogger({ level: 'info', stream }) });
    app.get('/internal/v1/itinerary/:msisdn', async (req) => {
      const { msisdn } = req.params as { msisdn: string };
      req.log.info({ msisdn }, `looking up ${msisdn}`);
      throw new Error(`no row for ${msisdn}`);
    });
    await app.inject({ url: '/internal/v1/itinerary/13800000001' });
    await app.close();
    const text = lines.join('');
    expect(text).toContain('138****0001');
    expect(text).toContain('incoming request');
    expect(text).not.toMatch(/(?<!\d)1[3-9]\d{9}(?!\d)/);
  });
});
