import { checkCapabilities, checkCapability, type ProbeMethods } from '../../../lib/acl/acl-probe.js';
import { ACL_CAPABILITIES, aclCapability } from '../../../lib/acl/acl-rules.js';

/**
 * The verdict logic over recorded Redis 7.0 answers (the real-topology behaviour is in
 * test/e2e/doctor.e2e.spec.ts): which words a refusal makes missing, when a node stops answering.
 */
const context = { name: 'primary', namespace: 'cache', db: 0, probeKey: 'cache:__doctor__:1' };
const NOPERM_COMMAND = (command: string) => new Error(`NOPERM this user has no permissions to run the '${command}' command`);
const NOPERM_KEY = new Error('NOPERM this user has no permissions to access one of the keys used as arguments');
const NOPERM_CHANNEL = new Error('NOPERM this user has no permissions to access one of the channels used as arguments');

function methods(answer: (argv: string[]) => unknown): ProbeMethods {
  const call = async (argv: string[]) => {
    const reply = answer(argv);
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { command: call, subscribe: (channel) => call(['SUBSCRIBE', channel]), quit: () => call(['QUIT']) };
}

describe('ACL probes', () => {
  it('a refused SUBSCRIBE hides the channel checks: the whole rule is missing', async () => {
    const verdict = await checkCapability(aclCapability('sentinel-events'), context, methods(() => NOPERM_COMMAND('subscribe')));
    expect(verdict.status).toBe('missing');
    expect(verdict.rule).toBe('+subscribe &+switch-master &+selected-slave &+failover-state-send-slaveof-noone &-failover-abort-*');
  });

  it('a refused channel: only its pattern', async () => {
    const answer = (argv: string[]) => (argv[1] === '+selected-slave' ? NOPERM_CHANNEL : 1);
    const verdict = await checkCapability(aclCapability('sentinel-events'), context, methods(answer));
    expect(verdict.rule).toBe('&+selected-slave');
  });

  it('one store command refused while the others reach the key: the command only', async () => {
    const verdict = await checkCapability(aclCapability('data-store'), context, methods((argv) => (argv[0] === 'UNLINK' ? NOPERM_COMMAND('unlink') : 'OK')));
    expect(verdict.rule).toBe('+unlink');
  });

  it('keys refused: the namespace pattern only', async () => {
    const verdict = await checkCapability(aclCapability('data-store'), context, methods((argv) => (argv[0] === 'SCAN' ? ['0', []] : NOPERM_KEY)));
    expect(verdict.rule).toBe('~cache:*');
  });

  it('ACL DRYRUN answers are read the same way (OK, or the refusal as a plain reply)', async () => {
    const dryRun = methods(() => 'OK');
    dryRun.dryRun = async (argv) => (argv[0] === 'INFO' ? "This user has no permissions to run the 'info' command" : 'OK');
    const verdicts = await checkCapabilities(ACL_CAPABILITIES.filter((capability) => capability.nodes.includes('master')), context, dryRun);
    expect(verdicts.filter((verdict) => verdict.status === 'missing').map((verdict) => [verdict.capability.id, verdict.rule])).toEqual([['data-info', '+info']]);
    // INFO refused: ROLE is needed, and asked (allowed here).
    expect(verdicts.find((verdict) => verdict.capability.id === 'data-role')!.status).toBe('allowed');
    expect(verdicts.find((verdict) => verdict.capability.id === 'data-select')!.status).toBe('not-needed');
  });

  it('ROLE is not needed when INFO is allowed', async () => {
    const verdicts = await checkCapabilities(ACL_CAPABILITIES.filter((capability) => capability.nodes.includes('master')), context, methods(() => 'OK'));
    expect(verdicts.find((verdict) => verdict.capability.id === 'data-role')!.status).toBe('not-needed');
    expect(verdicts.filter((verdict) => verdict.status === 'missing')).toEqual([]);
  });

  it('after a probe gets no answer the node is not asked again: the rest is unknown at once', async () => {
    const asked: string[] = [];
    const verdicts = await checkCapabilities(
      ACL_CAPABILITIES.filter((capability) => capability.nodes.includes('master')),
      context,
      methods((argv) => {
        asked.push(argv[0]!);
        return argv[0] === 'INFO' ? new Error('Command timed out') : 'OK';
      }),
    );
    expect(asked).toEqual(['INFO']);
    const after = verdicts.slice(verdicts.findIndex((verdict) => verdict.capability.id === 'data-info'));
    expect(after.every((verdict) => verdict.status === 'unknown' || verdict.status === 'not-needed')).toBe(true);
  });

  it('an error that is not an ACL refusal means the ACL let the command through (WAIT on a replica)', async () => {
    const verdict = await checkCapability(aclCapability('data-role-probe'), context, methods(() => new Error('ERR WAIT cannot be used with replica instances.')));
    expect(verdict.status).toBe('allowed');
  });
});
