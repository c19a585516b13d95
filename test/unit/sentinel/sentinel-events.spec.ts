import { parseSentinelEvent } from '../../../lib/sentinel/sentinel-events.js';

describe('parseSentinelEvent', () => {
  it('parses +switch-master', () => {
    expect(parseSentinelEvent('+switch-master', 'primary 127.0.0.1 16379 127.0.0.1 16380')).toEqual({
      kind: 'switch', name: 'primary', from: { host: '127.0.0.1', port: 16379 }, to: { host: '127.0.0.1', port: 16380 },
    });
  });

  it('parses +selected-slave and +failover-state-send-slaveof-noone as promoting', () => {
    const message = 'slave 127.0.0.1:16380 127.0.0.1 16380 @ primary 127.0.0.1 16379';
    for (const channel of ['+selected-slave', '+failover-state-send-slaveof-noone']) {
      expect(parseSentinelEvent(channel, message)).toEqual({
        kind: 'promoting', name: 'primary', replica: { host: '127.0.0.1', port: 16380 },
      });
    }
  });

  it('parses failover aborts', () => {
    expect(parseSentinelEvent('-failover-abort-no-good-slave', 'master primary 127.0.0.1 16379')).toEqual({
      kind: 'abort', name: 'primary', reason: 'failover-abort-no-good-slave',
    });
  });

  it('returns null for malformed messages and other channels', () => {
    expect(parseSentinelEvent('+switch-master', 'primary 127.0.0.1 notaport 127.0.0.1 16380')).toBeNull();
    expect(parseSentinelEvent('+selected-slave', 'master primary 127.0.0.1 16379')).toBeNull();
    expect(parseSentinelEvent('+sdown', 'master primary 127.0.0.1 16379')).toBeNull();
  });
});
