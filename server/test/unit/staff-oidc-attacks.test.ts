// What must not sign anybody in through OIDC, against a real provider (oidc-provider) and a real Berth: a forged
// or replayed state, a callback in another browser, an ID token for another client, of another sign-in (nonce)
// or signed by a key not the provider's; and what a flood of starts can cost.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { PENDING_MAX, PendingSignIns } from '../../src/people/oidc-pending.js';
import { BerthBrowser, refusalOf, withOidc } from '../oidc-berth.js';
import type { TestUser } from '../oidc-test-provider.js';

const TEA: TestUser = { sub: 'tea-1', email: 'tea@school.example', email_verified: true, name: 'Tea Teacher' };

const whyRefused = (log: Record<string, unknown>[]) => log.filter((l) => l.msg === 'OIDC sign-in refused').map((l) => `${l.refusal}: ${l.why}`);

/** The same token's header and claims, signed by a key that is not the provider's. */
function resigned(idToken: string): string {
  const [header, payload] = idToken.split('.');
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return `${header}.${payload}.${crypto.sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
}

describe('OIDC sign-in refuses', () => {
  test('a forged state, and a callback used a second time', async () => {
    await withOidc([TEA], {}, async ({ berth, provider, addAccount, log }) => {
      await addAccount(TEA.email, 'teacher');
      const browser = new BerthBrowser(berth);
      const back = await provider.signIn((await browser.start()).location, TEA.sub);
      const forged = new URL(back);
      forged.searchParams.set('state', crypto.randomBytes(24).toString('base64url'));
      const binding = browser.jar.header();
      assert.equal(refusalOf((await browser.callback(forged)).location), 'expired');
      assert.equal(browser.jar.get('berth_staff'), undefined);

      // The forged one did not use up the real one; once used, it is gone.
      const first = await fetch(back, { redirect: 'manual', headers: { cookie: binding } });
      assert.match(first.headers.get('location')!, /#staff-check=/);
      const replay = await fetch(back, { redirect: 'manual', headers: { cookie: binding } });
      assert.equal(replay.status, 303);
      assert.equal(refusalOf(new URL(replay.headers.get('location')!, berth.url)), 'expired');
      assert.ok(!replay.headers.getSetCookie().some((c) => c.startsWith('berth_staff=')));
      assert.deepEqual(whyRefused(log).map((w) => w.split(':')[0]), ['expired', 'expired']);
    });
  });

  test('a callback arriving in another browser than the one that started (login CSRF)', async () => {
    await withOidc([TEA], {}, async ({ berth, provider, addAccount, log }) => {
      await addAccount(TEA.email, 'teacher');
      const attacker = new BerthBrowser(berth);
      const back = await provider.signIn((await attacker.start()).location, TEA.sub);
      const victim = new BerthBrowser(berth);
      assert.equal(refusalOf((await victim.callback(back)).location), 'expired');
      assert.equal(victim.jar.get('berth_staff'), undefined);
      assert.match(whyRefused(log)[0]!, /another browser/);
    });
  });

  test('an ID token for another client (aud), of another sign-in (nonce), or not signed by the provider', async () => {
    await withOidc([TEA], {}, async ({ berth, provider, addAccount, log }) => {
      await addAccount(TEA.email, 'teacher');
      const throughSwap = async (swap: (mine: string) => string | Promise<string>) => {
        const browser = new BerthBrowser(berth);
        const started = (await browser.start()).location;
        const substitute = await swap(started.searchParams.get('nonce')!);
        provider.swapIdToken = (real) => (substitute === 'resign' ? resigned(real) : substitute);
        try {
          const page = (await browser.callback(await provider.signIn(started, TEA.sub))).location;
          assert.equal(await browser.me(page), null);
          return refusalOf(page);
        } finally {
          provider.swapIdToken = null;
        }
      };
      // Valid, signed by the provider, with this sign-in's nonce: but for the other client.
      assert.equal(await throughSwap((nonce) => provider.idTokenForOtherClient(TEA.sub, nonce)), 'failed');
      // Valid and for Berth: but from another sign-in, so with another nonce.
      const other = new BerthBrowser(berth);
      assert.ok(await other.me(await other.signIn(provider, TEA.sub)));
      const earlier = provider.idTokens.at(-1)!;
      assert.equal(await throughSwap(() => earlier), 'failed');
      assert.equal(await throughSwap(() => 'resign'), 'failed');
      const why = whyRefused(log);
      assert.equal(why.length, 3);
      assert.match(why[0]!, /aud/);
      assert.match(why[1]!, /nonce/);
      assert.match(why[2]!, /signature/i);
    });
  });

  test('a flood of starts: 30 per address per 15 minutes, and never more than PENDING_MAX pending', async () => {
    await withOidc([TEA], { BERTH_TRUST_PROXY: '127.0.0.1' }, async ({ berth, provider, addAccount }) => {
      await addAccount(TEA.email, 'teacher');
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const early = new BerthBrowser(berth);
      const earlyBack = await provider.signIn((await early.start(from('192.0.2.1'))).location, TEA.sub);

      const one = new BerthBrowser(berth);
      for (let i = 0; i < 29; i += 1) assert.equal((await one.start(from('192.0.2.1'))).location.origin, provider.issuer);
      const refused = await one.start(from('192.0.2.1'));
      assert.equal(refusalOf(refused.location), 'too-many');

      // Many addresses: the oldest pending sign-ins make room for the newest.
      const addresses = Array.from({ length: Math.ceil(PENDING_MAX / 30) + 2 }, (_, i) => `198.51.${i >> 8}.${i & 255}`);
      for (const address of addresses) {
        await Promise.all(Array.from({ length: 30 }, async () => assert.equal((await new BerthBrowser(berth).start(from(address))).status, 303)));
      }
      assert.equal(refusalOf((await early.callback(earlyBack)).location), 'expired', 'pushed out by the flood');
      const late = new BerthBrowser(berth);
      assert.equal((await late.me(await late.signIn(provider, TEA.sub)))!.email, TEA.email, 'a sign-in started now still works');
    });
  });

  test('the provider down: the page is told, the operator reads which provider', async () => {
    await withOidc([TEA], {}, async ({ berth, provider, log }) => {
      await provider.close();
      const started = await new BerthBrowser(berth).start();
      assert.equal(started.status, 303);
      assert.equal(refusalOf(started.location), 'provider-down');
      const line = log.find((l) => l.refusal === 'provider-down')!;
      assert.equal(line.level, 50);
      assert.match(String(line.msg), new RegExp(`the OIDC provider ${provider.issuer} cannot be reached`));
    });
    // Gone between the start and the callback: the code cannot be exchanged.
    await withOidc([TEA], {}, async ({ berth, provider, addAccount, log }) => {
      await addAccount(TEA.email, 'teacher');
      const browser = new BerthBrowser(berth);
      const back = await provider.signIn((await browser.start()).location, TEA.sub);
      await provider.close();
      assert.equal(refusalOf((await browser.callback(back)).location), 'provider-down');
      assert.equal(log.find((l) => l.refusal === 'provider-down')!.level, 50);
    });
  });
});

describe('pending OIDC sign-ins', () => {
  test('stay bounded: the oldest go first, each is taken once, and none outlives ten minutes', () => {
    const pending = new PendingSignIns(100, 600_000);
    const entry = (state: string, startedAt: number) => ({ state, nonce: 'n', verifier: 'v', browser: 'b', address: 'a', startedAt });
    for (let i = 0; i < 10_000; i += 1) {
      pending.add(entry(`s${i}`, 1000 + i));
      assert.ok(pending.size <= 100);
    }
    assert.equal(pending.take('s0', 20_000), null);
    assert.equal(pending.take('s9999', 20_000)?.state, 's9999');
    assert.equal(pending.take('s9999', 20_000), null, 'used once');
    assert.equal(pending.take('s9998', 1000 + 9998 + 600_000), null, 'too old');
    pending.add(entry('fresh', 2_000_000));
    assert.equal(pending.size, 1, 'the old ones were swept when a new one came');
  });
});
