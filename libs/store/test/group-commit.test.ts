import { groupCommit } from '../src';

describe('groupCommit', () => {
  it('writes a lone call at once and the calls made meanwhile together, at most maxGroup at a time', async () => {
    const groups: number[][] = [];
    const call = groupCommit<number, number>(async (group) => {
      groups.push(group.map((member) => member.item));
      await new Promise((resolve) => setImmediate(resolve));
      for (const member of group) member.resolve(member.item * 10);
    }, 3);
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => call(n)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(groups).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('gives a failed write’s error to the members it left unsettled, and goes on', async () => {
    const call = groupCommit<string, string>(async (group) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (group.length === 2) {
        group[0]?.resolve('settled before the failure');
        throw new Error('engine gone');
      }
      for (const member of group) member.resolve(member.item);
    });
    const lone = call('a');
    const pair = [call('b'), call('c')];
    await expect(lone).resolves.toBe('a');
    const outcomes = await Promise.allSettled(pair);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'settled before the failure' },
      { status: 'rejected', reason: new Error('engine gone') },
    ]);
    await expect(call('d')).resolves.toBe('d');
  });
});
