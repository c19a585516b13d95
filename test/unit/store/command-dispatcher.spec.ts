import { CommandDispatcher, DispatchError, type DispatchGate } from '../../../lib/store/command-dispatcher.js';

/** A gate whose state the test sets; records what the dispatcher tells it. */
function gate(initial: { readable?: boolean; writable?: boolean } = {}) {
  const state = { readable: initial.readable ?? true, writable: initial.writable ?? true, unusableSince: undefined as number | undefined };
  const log = { held: 0, readonly: 0, sent: 0, answered: 0, checks: 0 };
  const g: DispatchGate = {
    readable: () => state.readable,
    writable: () => state.readable && state.writable,
    unusableSince: () => state.unusableSince,
    noteHeld: () => void (log.held += 1),
    onReadonly: () => void (log.readonly += 1),
    sent: () => void (log.sent += 1),
    answered: () => void (log.answered += 1),
    check: () => {
      log.checks += 1;
      return undefined;
    },
  };
  return { g, state, log };
}

/** A Redis stand-in for the order of sends: each send records its label and waits to be answered. */
function wire() {
  const order: string[] = [];
  const replies = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }>();
  const send = (label: string) => () => {
    order.push(label);
    return new Promise((resolve, reject) => replies.set(label, { resolve, reject }));
  };
  return { order, replies, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CommandDispatcher', () => {
  it('sends at once, in call order, when the client is usable', async () => {
    const { g } = gate();
    const { order, replies, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    const set = dispatcher.submit('write', ['k'], send('SET k'));
    const get = dispatcher.submit('read', ['k'], send('GET k'));
    expect(order).toEqual(['SET k', 'GET k']); // synchronously, before any await
    replies.get('SET k')!.resolve('OK');
    replies.get('GET k')!.resolve('v');
    await expect(set).resolves.toBe('OK');
    await expect(get).resolves.toBe('v');
    dispatcher.close();
  });

  it('holds writes behind the fence, lets reads of other keys through, keeps a read behind a held write of its key', async () => {
    const { g, state, log } = gate({ writable: false });
    const { order, replies, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    const set = dispatcher.submit('write', ['a'], send('SET a'));
    const otherRead = dispatcher.submit('read', ['b'], send('GET b'));
    const sameRead = dispatcher.submit('read', ['a'], send('GET a'));
    expect(order).toEqual(['GET b']);
    expect(log.held).toBe(1);
    state.writable = true;
    dispatcher.drain();
    expect(order).toEqual(['GET b', 'SET a', 'GET a']);
    for (const reply of replies.values()) reply.resolve('x');
    await Promise.all([set, otherRead, sameRead]);
    dispatcher.close();
  });

  it('an operation submitted with an earlier sequence number goes ahead of waiting ones', () => {
    const { g, state } = gate({ writable: false });
    const { order, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    void dispatcher.submit('write', ['k'], send('SET k')).catch(() => undefined);
    void dispatcher.submit('write', ['k'], send('UNLINK k'), 0).catch(() => undefined);
    state.writable = true;
    dispatcher.drain();
    expect(order).toEqual(['UNLINK k', 'SET k']);
    dispatcher.close();
  });

  it('fails a call that waited commandTimeout, says it was never sent, and does not send it later', async () => {
    const { g, state } = gate({ writable: false });
    const { order, send } = wire();
    const dispatcher = new CommandDispatcher(g, 50);
    const started = Date.now();
    const failure = await dispatcher.submit('write', ['k'], send('SET k')).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(200);
    expect(failure).toBeInstanceOf(DispatchError);
    expect(failure).toMatchObject({ sent: false, reason: 'timeout' });
    expect((failure as Error).message).toMatch(/held by the failover fence/);
    state.writable = true;
    dispatcher.drain();
    expect(order).toEqual([]);
    dispatcher.close();
  });

  it('times out a sent command with its outcome unknown', async () => {
    const { g } = gate();
    const { send } = wire();
    const dispatcher = new CommandDispatcher(g, 40);
    await expect(dispatcher.submit('write', ['k'], send('SET k'))).rejects.toMatchObject({ sent: true, reason: 'timeout' });
    dispatcher.close();
  });

  it('sends again on the next connection what was lost with the previous one, within the deadline', async () => {
    const { g, state } = gate();
    const { order, replies, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    const set = dispatcher.submit('write', ['k'], send('SET k'));
    state.readable = false;
    dispatcher.connectionLost();
    replies.get('SET k')!.reject(new Error('Connection is closed.'));
    await tick();
    expect(order).toEqual(['SET k']);
    state.readable = true;
    dispatcher.drain();
    expect(order).toEqual(['SET k', 'SET k']);
    replies.get('SET k')!.resolve('OK');
    await expect(set).resolves.toBe('OK');
    dispatcher.close();
  });

  it('sends a write again after READONLY (it was not applied) and tells the gate', async () => {
    const { g, log } = gate();
    const { order, replies, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    const set = dispatcher.submit('write', ['k'], send('SET k'));
    replies.get('SET k')!.reject(new Error("READONLY You can't write against a read only replica."));
    await tick();
    expect(log.readonly).toBe(1);
    expect(order).toEqual(['SET k', 'SET k']);
    replies.get('SET k')!.resolve('OK');
    await expect(set).resolves.toBe('OK');
    dispatcher.close();
  });

  it('passes a server error through without sending again', async () => {
    const { g } = gate();
    const { order, replies, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    const get = dispatcher.submit('read', ['k'], send('GET k'));
    replies.get('GET k')!.reject(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    await expect(get).rejects.toThrow(/WRONGTYPE/);
    expect(order).toEqual(['GET k']);
    dispatcher.close();
  });

  it('fails at once when no connection has been usable for longer than commandTimeout', async () => {
    const { g, state } = gate({ readable: false });
    state.unusableSince = Date.now() - 500;
    const { order, send } = wire();
    const dispatcher = new CommandDispatcher(g, 100);
    const started = Date.now();
    await expect(dispatcher.submit('read', ['k'], send('GET k'))).rejects.toMatchObject({ reason: 'not-connected', sent: false });
    expect(Date.now() - started).toBeLessThan(20);
    expect(order).toEqual([]);
    dispatcher.close();
  });

  it('a barrier (clear) waits for earlier operations and holds later ones', () => {
    const { g, state } = gate({ writable: false });
    const { order, send } = wire();
    const dispatcher = new CommandDispatcher(g, 1_000);
    void dispatcher.submit('write', ['a'], send('SET a')).catch(() => undefined);
    void dispatcher.submit('write', null, send('CLEAR')).catch(() => undefined);
    void dispatcher.submit('read', ['b'], send('GET b')).catch(() => undefined);
    expect(order).toEqual([]); // GET b waits behind the barrier
    state.writable = true;
    dispatcher.drain();
    expect(order).toEqual(['SET a', 'CLEAR', 'GET b']);
    dispatcher.close();
  });
});
