import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressKey, StartRateError, VisitorLimits } from '../../src/sessions/visitor-limits.js';

describe('addressKey: how an address is counted', () => {
  test('an IPv4 address counts as itself, also when written IPv4-mapped', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.notEqual(addressKey('203.0.113.7'), addressKey('203.0.113.8'));
  });

  test('an IPv6 /64 counts as one address, however the addresses in it are written', () => {
    const key = addressKey('2001:db8:1:2::1');
    assert.equal(key, '2001:0db8:0001:0002::/64');
    for (const other of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:DB8:1:2:a:b:c:d', '2001:0db8:0001:0002:0000:0000:0000:0009', '2001:db8:1:2::5:6', '2001:db8:1:2:0:0:1.2.3.4']) {
      assert.equal(addressKey(other), key, other);
    }
  });

  test('a neighbouring /64 is another address', () => {
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
    assert.notEqual(addressKey('2001:db8::1'), addressKey('2001:db8:0:1::1'));
    assert.equal(addressKey('::1'), '0000:0000:0000:0000::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0000:0000:0000::/64');
  });
});

describe('VisitorLimits', () => {
  const options = { maxPerClient: 3, maxPerAddress: 5, startsPerAddressPerMin: 6 };
  const live = (...rows: [learner: string, client: string][]) => rows.map(([learner, client]) => ({ learner, client }));
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      return err as Error & { statusCode: number };
    }
    assert.fail('expected a refusal');
  };

  test('one browser holds at most its share, wherever it comes from', () => {
    const limits = new VisitorLimits(options);
    const err = refusal(() => limits.check(live(['a', '10.0.0.1'], ['a', '10.0.0.2'], ['a', '10.0.0.3']), 'a', '10.0.0.4'));
    assert.equal(err.statusCode, 429);
    assert.match(err.message, /You already have 3 live sessions \(the limit per visitor is 3\)/);
    limits.check(live(['a', '10.0.0.1'], ['a', '10.0.0.2']), 'a', '10.0.0.1');
  });

  test('browsers behind one address share its cap; another address is not counted with them', () => {
    const limits = new VisitorLimits(options);
    const school = live(['a', '10.0.0.1'], ['b', '10.0.0.1'], ['c', '10.0.0.1'], ['d', '::ffff:10.0.0.1'], ['e', '10.0.0.1']);
    const err = refusal(() => limits.check(school, 'f', '10.0.0.1'));
    assert.equal(err.statusCode, 429);
    assert.match(err.message, /Your network already has 5 live sessions/);
    limits.check(school, 'f', '10.0.0.2');
  });

  test('an IPv6 visitor cannot pass the address cap by picking other addresses of its /64', () => {
    const limits = new VisitorLimits(options);
    const home = live(['a', '2001:db8::1'], ['b', '2001:db8::2'], ['c', '2001:db8::3'], ['d', '2001:db8::4'], ['e', '2001:db8::5']);
    assert.match(refusal(() => limits.check(home, 'f', '2001:db8::ffff')).message, /already has 5 live sessions/);
  });

  test('starts from one address are rate limited, with the wait in the reason; time refills them', () => {
    let now = 1_000_000;
    const limits = new VisitorLimits(options, () => now);
    for (let i = 0; i < 5; i++) {
      limits.check([], `visitor-${i}`, '10.0.0.1');
      limits.started('10.0.0.1');
    }
    const err = refusal(() => limits.check([], 'visitor-5', '10.0.0.1'));
    assert.ok(err instanceof StartRateError);
    assert.equal(err.statusCode, 429);
    assert.equal(err.retryAfterSeconds, 10, 'one start comes back every 10 s at 6 a minute');
    assert.match(err.message, /Too many sessions were started from your network just now\. Try again in 10 seconds\./);
    limits.check([], 'visitor-5', '10.0.0.2');
    now += 4_000;
    assert.equal((refusal(() => limits.check([], 'visitor-5', '10.0.0.1')) as StartRateError).retryAfterSeconds, 6);
    now += 6_000;
    limits.check([], 'visitor-5', '10.0.0.1');
  });
});
