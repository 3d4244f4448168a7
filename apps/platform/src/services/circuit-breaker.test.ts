import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, probes once after the open period, closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker(() => t, 3, 1000);
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.current()).toBe('open');
    expect(b.allow()).toBe(false);
    t = 1000;
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.failure();
    expect(b.allow()).toBe(false);
    t = 2000;
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.current()).toBe('closed');
    expect(b.allow()).toBe(true);
  });
});
