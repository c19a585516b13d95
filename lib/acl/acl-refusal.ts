/**
 * What an ACL refused, from the server's words. Two sources:
 * - a real command: `NOPERM this user has no permissions to run the 'info' command`,
 *   `... to access one of the keys used as arguments`, `... one of the channels used as arguments`
 *   (Redis 7.0; 7.2 says `User <name> has no permissions ...`);
 * - `ACL DRYRUN <user> ...` (Redis >= 7.0), a plain reply naming the key or channel:
 *   `This user has no permissions to access the 'other:x' key`.
 */
export type AclRefusal =
  | { kind: 'command'; command: string }
  | { kind: 'key'; key?: string }
  | { kind: 'channel'; channel?: string };

const COMMAND = /has no permissions to run the '([^']+)' command/i;
const KEY = /has no permissions to access (?:the '([^']*)' key|one of the keys)/i;
const CHANNEL = /has no permissions to access (?:the '([^']*)' channel|one of the channels)/i;

/** The refusal a server message describes, or null when it is not an ACL refusal. */
export function parseAclRefusal(message: string): AclRefusal | null {
  const command = COMMAND.exec(message);
  if (command) return { kind: 'command', command: command[1]!.toLowerCase() };
  const key = KEY.exec(message);
  if (key) return key[1] === undefined ? { kind: 'key' } : { kind: 'key', key: key[1] };
  const channel = CHANNEL.exec(message);
  if (channel) return channel[1] === undefined ? { kind: 'channel' } : { kind: 'channel', channel: channel[1] };
  return null;
}

/** "the 'info' command", "the key cache:x", "a channel": what was refused, for reports. */
export function describeRefusal(refusal: AclRefusal): string {
  if (refusal.kind === 'command') return `command '${refusal.command}'`;
  if (refusal.kind === 'key') return refusal.key === undefined ? 'the key' : `key '${refusal.key}'`;
  return refusal.channel === undefined ? 'the channel' : `channel '${refusal.channel}'`;
}
