import { CommandDispatcher, type DispatchGate } from '../../../lib/store/command-dispatcher.js';
import { PendingInvalidations } from '../../../lib/store/pending-invalidations.js';

function setup(maxKeys = 100, timeout = 1_000) {
  const state = { writable: false };
  const gate: DispatchGate = {
    readable: () => true,
    writable: () => state.writable,
    unusableSince: () => undefined,
    noteHeld: () => undefined,
    onReadonly: () => undefined,
    sent: () => undefined,
    answered: () => undefined,
    check: () => undefined,
  };
  const dispatcher = new CommandDispatcher(gate, timeout);
  const unlinked: string[][] = [];
  const cleared: string[] = [];
  let fail = false;
  const pending = new PendingInvalidations(
    dispatcher,
    maxKeys,
    async (keys) => {
      unlinked.push(keys);
      if (fail) throw new Error('ERR simulated');
      return keys.length;
    },
    async (pattern) => void cleared.push(pattern),
    () => 'ns:*',
  );
  return { state, dispatcher, pending, unlinked, cleared, setFail: (value: boolean) => (fail = value) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PendingInvalidations', () => {
  it('reads of a pending key miss until Redis confirmed its deletion', async () => {
    const { state, dispatcher, pending, unlinked } = setup();
    pending.add(['ns:a', 'ns:b']);
    expect(pending.has('ns:a')).toBe(true);
    expect(unlinked).toEqual([]); // no write may go yet: it waits in the dispatcher
    state.writable = true;
    dispatcher.drain();
    expect(unlinked).toEqual([['ns:a', 'ns:b']]);
    await settle();
    expect(pending.has('ns:a')).toBe(false);
    expect(pending.size).toBe(0);
    dispatcher.close();
  });

  it('keeps keys whose deletion failed and sends them again on replay()', async () => {
    const { state, dispatcher, pending, unlinked, setFail } = setup();
    state.writable = true;
    setFail(true);
    pending.add(['ns:a']);
    await settle();
    expect(pending.has('ns:a')).toBe(true);
    setFail(false);
    pending.replay();
    await settle();
    expect(unlinked).toEqual([['ns:a'], ['ns:a']]);
    expect(pending.has('ns:a')).toBe(false);
    dispatcher.close();
  });

  it('a key invalidated again while its deletion is under way is deleted once more', async () => {
    const { state, dispatcher, pending, unlinked } = setup();
    state.writable = true;
    pending.add(['ns:a']);
    pending.add(['ns:a']); // a second failed write of the same key, before the UNLINK answered
    await settle();
    await settle();
    expect(unlinked).toEqual([['ns:a'], ['ns:a']]);
    expect(pending.has('ns:a')).toBe(false);
    dispatcher.close();
  });

  it('past maxKeys, clears the namespace instead; every key of it misses until then', async () => {
    const { state, dispatcher, pending, unlinked, cleared } = setup(2);
    pending.add(['ns:a', 'ns:b', 'ns:c']);
    expect(pending.has('ns:anything')).toBe(true);
    state.writable = true;
    dispatcher.drain();
    await settle();
    expect(cleared).toEqual(['ns:*']);
    expect(unlinked).toEqual([]);
    expect(pending.has('ns:anything')).toBe(false);
    dispatcher.close();
  });
});
