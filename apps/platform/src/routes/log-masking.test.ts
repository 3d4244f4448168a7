import { describe, expect, it } from 'vitest';
import { maskedRequest, withMaskedRequests } from './log-masking.ts';

describe('request log masking', () => {
  it('masks numbers in URLs and keeps other serializers', () => {
    expect(maskedRequest({ method: 'GET', url: '/dev/outbox?phone=13800000001', ip: '::1' })).toEqual({
      method: 'GET',
      url: '/dev/outbox?phone=138****0001',
      ip: '::1',
    });
    const custom = () => ({});
    expect(withMaskedRequests({ level: 'info', serializers: { res: custom } })).toMatchObject({
      level: 'info',
      serializers: { req: maskedRequest, res: custom },
    });
    expect(withMaskedRequests(false)).toBe(false);
  });
});
