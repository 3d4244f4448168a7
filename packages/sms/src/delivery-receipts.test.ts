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

  it('keeps only the most recent receipts and forwards each to the callback', () => {
    const seen: string[] = [];
    const log = new ReceiptLog(2, (r) => seen.push(r.messageId));
    for (const id of ['a', 'b', 'c'])
      log.record({ messageId: id, status: 'DELIVRD', to: '1', error: '000', receivedAt: 0 });
    expect(log.size).toBe(2);
    expect(log.get('a')).toBeUndefined();
    expect(log.list().map((r) => r.messageId)).toEqual(['b', 'c']);
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
