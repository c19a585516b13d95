import { CacheErrorReporter } from '../../../lib/client/cache-error-reporter.js';
import { CacheUnavailableError } from '../../../lib/errors/redis-sentinel-cache.errors.js';
import { forwardToListeners } from '../../../lib/events/cache-event-listeners.js';
import { CacheEvents } from '../../../lib/events/cache-events.js';
import { validateOptions } from '../../../lib/options/validate-options.js';
import { DispatchError } from '../../../lib/store/command-dispatcher.js';

function reporter(where = { master: () => '10.0.0.1:6379' as string | undefined, failoverInProgress: () => false }) {
  const warnings: string[] = [];
  const errors: CacheUnavailableError[] = [];
  const options = validateOptions({
    sentinels: [{ host: '127.0.0.1', port: 26379 }],
    name: 'primary',
    errorLogInterval: 60_000,
    listeners: { error: (error: CacheUnavailableError) => errors.push(error) },
  });
  const events = new CacheEvents();
  const subject = new CacheErrorReporter(options, { warn: (message) => warnings.push(message) }, where, events);
  forwardToListeners(events, options.listeners);
  return { subject, warnings, errors, events };
}

describe('CacheErrorReporter', () => {
  it('classifies and words failures for an operator, naming the master', () => {
    const { subject } = reporter();
    expect(subject.failed('get', new DispatchError('Command timed out after 1000 ms (commandTimeout)', 'timeout', true))).toMatchObject({
      reason: 'timeout',
      operation: 'get',
    });
    expect(subject.failed('get', new Error("READONLY You can't write against a read only replica.")).reason).toBe('readonly');
    expect(subject.failed('get', new Error('NOPERM this user has no permissions')).reason).toBe('permission');
    expect(subject.failed('get', new Error('WRONGPASS invalid username-password pair')).reason).toBe('auth');
    expect(subject.failed('get', new DispatchError('no usable connection', 'not-connected', false)).message).toMatch(/master 10\.0\.0\.1:6379 is unreachable/);
  });

  it('says a failed write leaves its keys invalidated, and mentions a failover in progress', () => {
    const { subject } = reporter({ master: () => undefined, failoverInProgress: () => true });
    const error = subject.failed('set', new DispatchError('not sent within 1000 ms (commandTimeout): held by the failover fence', 'timeout', false));
    expect(error.message).toMatch(/the master of "primary"/);
    expect(error.message).toMatch(/failover in progress/);
    expect(error.message).toMatch(/keys are invalidated/);
    expect(subject.failed('get', new Error('x')).message).not.toMatch(/invalidated/);
  });

  it('logs each kind at most once per interval but tells listeners (and every subscriber of its events) every time', () => {
    const { subject, warnings, errors, events } = reporter();
    const seen: CacheUnavailableError[] = [];
    events.on('unavailable', (error) => seen.push(error));
    for (let i = 0; i < 5; i += 1) subject.failed('get', new DispatchError('Command timed out', 'timeout', true));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Cache get failed: master 10\.0\.0\.1:6379 did not answer within 1000 ms/);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toBeInstanceOf(CacheUnavailableError);
    expect(seen).toEqual(errors);
  });
});
