import { VerifiedTokens } from '../src/auth/verified-tokens';
import type { AuthUser } from '../src';

const ada: AuthUser = { id: 'u1', username: 'ada', role: 'agent', sessionId: 's1' };
const bob: AuthUser = { id: 'u2', username: 'bob', role: 'employee' };

describe('VerifiedTokens', () => {
  let now = 1_000_000;
  const tokens = (maxEntries = 10, ttlMs = 60_000) =>
    new VerifiedTokens({ maxEntries, ttlMs, now: () => now });

  it('gives back the user of a token it was given, and nothing for another token', () => {
    const cache = tokens();
    cache.set('token-a', ada, now + 300_000);
    expect(cache.get('token-a')).toEqual(ada);
    expect(cache.get('token-b')).toBeUndefined();
  });

  it('forgets a token at its expiry when that comes before the TTL', () => {
    const cache = tokens(10, 60_000);
    cache.set('token-a', ada, now + 10_000);
    now += 9_999;
    expect(cache.get('token-a')).toEqual(ada);
    now += 1;
    expect(cache.get('token-a')).toBeUndefined();
  });

  it('forgets a token at the TTL when that comes before its expiry', () => {
    const cache = tokens(10, 60_000);
    cache.set('token-a', ada, now + 300_000);
    now += 59_999;
    expect(cache.get('token-a')).toEqual(ada);
    now += 1;
    expect(cache.get('token-a')).toBeUndefined();
    // Seen again: the TTL does not restart without a new verification.
    now += 1;
    expect(cache.get('token-a')).toBeUndefined();
  });

  it('keeps nothing for a token that has already expired', () => {
    const cache = tokens();
    cache.set('token-a', ada, now);
    expect(cache.get('token-a')).toBeUndefined();
  });

  it('makes room by dropping the least recently used token', () => {
    const cache = tokens(2);
    cache.set('token-a', ada, now + 300_000);
    cache.set('token-b', bob, now + 300_000);
    expect(cache.get('token-a')).toEqual(ada);
    cache.set('token-c', ada, now + 300_000);
    expect(cache.get('token-b')).toBeUndefined();
    expect(cache.get('token-a')).toEqual(ada);
    expect(cache.get('token-c')).toEqual(ada);
  });

  it('hands out copies, so a request that changes its user changes nobody else’s', () => {
    const cache = tokens();
    const user = { ...ada };
    cache.set('token-a', user, now + 300_000);
    user.role = 'admin';
    const first = cache.get('token-a') as AuthUser;
    first.role = 'admin';
    expect(cache.get('token-a')).toEqual(ada);
  });
});
