import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, BoundedQueue, RateMeter } from '../src/tail-buffer';

describe('BoundedQueue', () => {
  it('holds items in arrival order', () => {
    const q = new BoundedQueue<number>(3);
    q.push(1);
    q.push(2);
    assert.equal(q.size, 2);
    assert.deepEqual(q.drain(), { items: [1, 2], dropped: 0 });
    assert.equal(q.size, 0);
  });
  it('never holds more than its capacity and counts what it let go', () => {
    const q = new BoundedQueue<number>(1000);
    for (let i = 0; i < 2500; i++) {
      q.push(i);
      assert.ok(q.size <= 1000);
    }
    assert.equal(q.droppedCount, 1500);
    const { items, dropped } = q.drain();
    assert.equal(dropped, 1500);
    assert.equal(items.length, 1000);
    assert.equal(items[0], 1500, 'the oldest are the ones let go');
    assert.equal(items[999], 2499);
  });
  it('starts counting again after a drain', () => {
    const q = new BoundedQueue<string>(2);
    ['a', 'b', 'c'].forEach((x) => q.push(x));
    q.drain();
    q.push('d');
    assert.deepEqual(q.drain(), { items: ['d'], dropped: 0 });
  });
  it('refuses a capacity below 1', () => {
    assert.throws(() => new BoundedQueue(0));
  });
});

describe('RateMeter', () => {
  it('averages over the window', () => {
    const m = new RateMeter(5000);
    const t0 = 1_000_000;
    for (let s = 0; s < 5; s++) {
      m.record(100, t0 + s * 1000);
    }
    assert.equal(m.rate(t0 + 4500), 100);
  });
  it('forgets counts older than the window', () => {
    const m = new RateMeter(5000);
    m.record(500, 1_000_000);
    assert.equal(m.rate(1_000_500), 100);
    assert.equal(m.rate(1_010_000), 0);
  });
  it('adds counts within one second', () => {
    const m = new RateMeter(1000);
    m.record(3, 2_000_100);
    m.record(4, 2_000_900);
    assert.equal(m.rate(2_000_950), 7);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap', () => {
    const none = (): number => 0;
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1000, 30_000, none)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
  it('takes off at most a fifth as jitter', () => {
    assert.equal(backoffDelay(2, 1000, 30_000, () => 1), 3200);
    assert.equal(backoffDelay(2, 1000, 30_000, () => 0.5), 3600);
  });
});
