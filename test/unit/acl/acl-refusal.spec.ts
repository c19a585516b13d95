import { describeRefusal, parseAclRefusal } from '../../../lib/acl/acl-refusal.js';

/** Messages as Redis 7.0.15 answers them (measured), and the 7.2 form of a command refusal. */
describe('parseAclRefusal', () => {
  it.each([
    ["NOPERM this user has no permissions to run the 'info' command", { kind: 'command', command: 'info' }],
    ["NOPERM this user has no permissions to run the 'sentinel|failover' command", { kind: 'command', command: 'sentinel|failover' }],
    ["NOPERM User default has no permissions to run the 'role' command", { kind: 'command', command: 'role' }],
    ['NOPERM this user has no permissions to access one of the keys used as arguments', { kind: 'key' }],
    ['NOPERM this user has no permissions to access one of the channels used as arguments', { kind: 'channel' }],
    // ACL DRYRUN replies (plain strings) name the key or channel:
    ["This user has no permissions to run the 'subscribe' command", { kind: 'command', command: 'subscribe' }],
    ["This user has no permissions to access the 'other:x' key", { kind: 'key', key: 'other:x' }],
    ["This user has no permissions to access the 'other' channel", { kind: 'channel', channel: 'other' }],
  ])('%s', (message, refusal) => {
    expect(parseAclRefusal(message)).toEqual(refusal);
  });

  it.each(['OK', 'WRONGPASS invalid username-password pair or user is disabled.', 'ERR WAIT cannot be used with replica instances.', ''])(
    'is not a refusal: %s',
    (message) => expect(parseAclRefusal(message)).toBeNull(),
  );

  it('describes what was refused', () => {
    expect(describeRefusal({ kind: 'command', command: 'info' })).toBe("command 'info'");
    expect(describeRefusal({ kind: 'key', key: 'a:b' })).toBe("key 'a:b'");
    expect(describeRefusal({ kind: 'channel' })).toBe('the channel');
  });
});
