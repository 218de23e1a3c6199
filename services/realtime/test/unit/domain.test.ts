import { canJoinRoom, ticketRecipients, type TicketParties } from '../../src/domain/access';
import { TokenBucket } from '../../src/domain/rate-limit';
import { gapSizeLabel, nextStep } from '../../src/domain/sequence';

const ticket: TicketParties = {
  ticketId: 't1',
  requesterId: 'emp',
  assigneeId: 'ag1',
  agentIds: ['ag1', 'ag2'],
};

describe('room access', () => {
  it('lets staff join any room and an employee only their own', () => {
    expect(canJoinRoom({ id: 'x', role: 'agent' }, ticket)).toBe(true);
    expect(canJoinRoom({ id: 'x', role: 'admin' }, ticket)).toBe(true);
    expect(canJoinRoom({ id: 'emp', role: 'employee' }, ticket)).toBe(true);
    expect(canJoinRoom({ id: 'other', role: 'employee' }, ticket)).toBe(false);
  });

  it('routes to requester, assignee and agents, once each', () => {
    expect(ticketRecipients(ticket).sort()).toEqual(['ag1', 'ag2', 'emp']);
    expect(ticketRecipients(ticket, { staffOnly: true }).sort()).toEqual(['ag1', 'ag2']);
    expect(ticketRecipients(ticket, { except: 'ag2', also: ['old', null] }).sort()).toEqual([
      'ag1',
      'emp',
      'old',
    ]);
  });
});

describe('sequence steps', () => {
  it('drops repeats, delivers the next one and names a gap', () => {
    expect(nextStep(5, 5)).toEqual({ kind: 'duplicate' });
    expect(nextStep(5, 6)).toEqual({ kind: 'next' });
    expect(nextStep(5, 9)).toEqual({ kind: 'gap', afterSeq: 5, beforeSeq: 9, missing: 3 });
  });

  it('buckets gap sizes into a closed set', () => {
    expect([1, 2, 5, 6, 20, 21, 500].map(gapSizeLabel)).toEqual([
      '1',
      '2-5',
      '2-5',
      '6-20',
      '6-20',
      '>20',
      '>20',
    ]);
  });
});

describe('token bucket', () => {
  it('allows a burst, then the refill rate', () => {
    const bucket = new TokenBucket(2, 1, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, false]);
    expect(bucket.take(999)).toBe(false);
    expect(bucket.take(1000)).toBe(true);
  });
});
