import { AppError } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { parseSubscribersCsv } from './porting-registry.ts';

const HEADER = 'msisdn,operator,activated_at,ported_at,kind,primary_msisdn';

describe('parseSubscribersCsv', () => {
  it('reads quoted fields as DuckDB does, with CRLF, a byte-order mark and blank lines', () => {
    const text = `\uFEFF${HEADER}\r\n"13800000007","ctcc",2020-01-01,"2022-09-07",normal,\r\n\r\n13800000008,cmcc,2021-01-01,,"secondary","13800000001"\r\n`;
    expect(parseSubscribersCsv(text)).toEqual([
      { msisdn: '13800000007', operator: 'ctcc', portedAt: '2022-09-07', kind: 'normal' },
      { msisdn: '13800000008', operator: 'cmcc', kind: 'secondary', primaryMsisdn: '13800000001' },
    ]);
  });

  it('names the line of a bad row, counting blank lines, and a quote left open', () => {
    const bad = (text: string) => {
      try {
        parseSubscribersCsv(text);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        return (e as AppError).details;
      }
      throw new Error('accepted');
    };
    expect(bad(`${HEADER}\n13800000007,ctcc,2020-01-01,,normal,\n\n13800000008,xxxx,2021-01-01,,normal,\n`)).toEqual({
      field: 'operator',
      where: 'line 4',
    });
    // "ctcc,2020-01-01" is one field: no operator.
    expect(bad(`${HEADER}\n13800000007,"ctcc,2020-01-01",,normal,\n`)).toEqual({ field: 'operator', where: 'line 2' });
    expect(bad(`${HEADER}\n13800000007,"ctcc,2020-01-01,,normal,\n`)).toMatchObject({ field: 'csv' });
    expect(bad('msisdn,"operator,kind"\n13800000007,ctcc\n')).toEqual({ field: 'operator', where: 'header' });
  });
});
