import { exitCode, formatJson, formatText, type Check } from '../../../lib/doctor/doctor-report.js';

const checks: Check[] = [
  { status: 'ok', id: 'sentinel', what: 'sentinel a:1 fine' },
  { status: 'warn', id: 'acl:data-info', what: 'user "app" may not run INFO', fix: 'add "+info" to user "app" on every data node' },
];

describe('doctor report', () => {
  it('exit status: 0 all ok, 1 warnings, 2 failures', () => {
    expect(exitCode([])).toBe(0);
    expect(exitCode(checks.slice(0, 1))).toBe(0);
    expect(exitCode(checks)).toBe(1);
    expect(exitCode([...checks, { status: 'fail', id: 'master', what: 'x' }])).toBe(2);
  });

  it('text: one line per check, `status  what  — fix`, then a summary', () => {
    expect(formatText({ name: 'primary', checks, durationMs: 12 }, [])).toBe(
      'ok    sentinel a:1 fine\n' +
        'warn  user "app" may not run INFO  — add "+info" to user "app" on every data node\n' +
        '1 ok, 1 warn, 0 fail in 12 ms (exit 1)\n',
    );
  });

  it('never prints a secret, whatever a server message carried', () => {
    const leaky: Check[] = [{ status: 'fail', id: 'x', what: 'ERR weird s3cr3t echo', data: { nested: ['s3cr3t'] } }];
    expect(formatText({ name: 'p', checks: leaky, durationMs: 1 }, ['s3cr3t', undefined])).not.toContain('s3cr3t');
    const json = formatJson({ name: 'p', checks: leaky, durationMs: 1 }, ['s3cr3t']);
    expect(json).not.toContain('s3cr3t');
    expect(JSON.parse(json)).toMatchObject({ exitCode: 2, summary: { ok: 0, warn: 0, fail: 1 } });
  });
});
