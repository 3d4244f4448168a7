import { describe, expect, it } from 'vitest';
import { parseReceipt, ReceiptLog } from './delivery-receipts.ts';

describe('delivery receipts', () => {
  it('reads the id, status and error from the receipt text', () => {
    const r = parseReceipt(
      {
        text: 'id:0A1B sub:001 dlvrd:001 submit date:2209080847 done date:2209080848 stat:UNDELIV err:034 text:',
        to: '13800000001',
      },
      1,
    );
    expect(r).toEqual({ messageId: '0A1B', status: 'UNDELIV', to: '13800000001', error: '034', receivedAt: 1 });
  });

  it('prefers the receipted_message_id and message_state TLVs', () => {
    const r = parseReceipt({ text: 'id:zzz stat:ENROUTE', receiptedMessageId: 'abc\0', messageState: 2, to: '1' }, 5);
    expect(r).toMatchObject({ messageId: 'abc', status: 'DELIVRD' });
  });

  it('ignores a receipt without any message id', () => {
    expect(parseReceipt({ text: 'hello', to: '1' }, 0)).toBeUndefined();
  });

  it('keeps the most recent receipts, bounded, and forwards each to the callback', () => {
    const seen: string[] = [];
    const log = new ReceiptLog(100, (r) => seen.push(r.messageId));
    const ids = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    for (const id of ids) log.record({ messageId: id, status: 'DELIVRD', to: '1', error: '000', receivedAt: 0 });
    // At least the last 100, at most 64 more (trimmed in batches), oldest first.
    expect(log.size).toBeGreaterThanOrEqual(100);
    expect(log.size).toBeLessThan(100 + 64);
    expect(log.list().map((r) => r.messageId)).toEqual(ids.slice(-log.size));
    expect(log.get('m0')).toBeUndefined();
    expect(log.get('m999')?.status).toBe('DELIVRD');
    expect(seen).toEqual(ids);
  });

  it('moves a receipt recorded again to the newest end, so it is kept', () => {
    const log = new ReceiptLog(100);
    const rec = (id: string, status = 'DELIVRD') =>
      log.record({ messageId: id, status, to: '1', error: '000', receivedAt: 0 });
    rec('first', 'ENROUTE');
    for (let i = 0; i < 300; i++) {
      rec(`m${i}`);
      if (i === 250) rec('first');
    }
    expect(log.get('first')?.status).toBe('DELIVRD');
    expect(log.get('m0')).toBeUndefined();
  });
});
