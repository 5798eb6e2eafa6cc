// How a visitor is counted. A browser (its learner cookie) holds a few live sessions; an address holds
// enough for a class behind one NAT, and starts sessions at a bounded rate: a client that drops its cookie
// is a new browser every time, so only the address rules stop one machine from starting a hundred.
import net from 'node:net';
import { HttpError } from '../errors.js';

export interface VisitorLimitOptions {
  /** Live sessions per browser. */
  maxPerClient: number;
  /** Live sessions per address (an IPv6 /64 is one address). */
  maxPerAddress: number;
  /** Session starts per address per minute, with bursts of up to maxPerAddress. */
  startsPerAddressPerMin: number;
}

/** What the limits need of a live session. */
export interface CountedSession {
  learner: string;
  client: string;
}

/** Too many starts from one address: answered 429 with a Retry-After. */
export class StartRateError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, `Too many sessions were started from your network just now. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`);
  }
}

/**
 * The key an address is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 address too), an IPv6
 * address by its /64 — one home or one school gets a whole /64, and picks any address in it at will.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/** Eight 4-digit lowercase groups (an embedded IPv4 tail becomes its two groups). */
function expandIPv6(ip: string): string[] {
  let text = ip.toLowerCase().split('%')[0]!;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.padStart(4, '0'));
}

export class VisitorLimits {
  /** A token bucket per address key: tokens left and when it was last filled up. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly o: VisitorLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws a 429 with the reason when this browser, from this address, may not start another session now. */
  check(live: readonly CountedSession[], learner: string, client: string): void {
    const mine = live.filter((s) => s.learner === learner).length;
    if (mine >= this.o.maxPerClient) {
      throw new HttpError(429, `You already have ${mine} live session${mine === 1 ? '' : 's'} (the limit per visitor is ${this.o.maxPerClient}). End one before starting another.`);
    }
    const key = addressKey(client);
    const fromAddress = live.filter((s) => addressKey(s.client) === key).length;
    if (fromAddress >= this.o.maxPerAddress) {
      throw new HttpError(429, `Your network already has ${fromAddress} live sessions, the most one address may hold. Try again when some of them have ended.`);
    }
    const tokens = this.tokens(key);
    if (tokens < 1) throw new StartRateError(Math.ceil(((1 - tokens) * 60) / this.o.startsPerAddressPerMin));
  }

  /** A session was started from this address: it spends one start. */
  started(client: string): void {
    const key = addressKey(client);
    this.buckets.set(key, { tokens: this.tokens(key) - 1, at: this.now() });
    this.forgetFull();
  }

  /** Starts this address may make at once now. */
  private tokens(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.o.maxPerAddress;
    const refilled = ((this.now() - bucket.at) / 60_000) * this.o.startsPerAddressPerMin;
    return Math.min(this.o.maxPerAddress, bucket.tokens + refilled);
  }

  /** A full bucket is the same as none: dropping them keeps the map to the addresses active lately. */
  private forgetFull(): void {
    if (this.buckets.size < 1000) return;
    for (const key of [...this.buckets.keys()]) if (this.tokens(key) >= this.o.maxPerAddress) this.buckets.delete(key);
  }
}
