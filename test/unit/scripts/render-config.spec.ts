import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_APP_KEY_PATTERNS,
  TemplateError,
  assertPlainConfigValue,
  listPlaceholders,
  redact,
  renderDataNodeConfig,
  renderKeyPatterns,
  renderSentinelConfig,
  renderTemplate,
  renderTlsConfig,
  stripAclComments,
} from '../../../scripts/topology/render-config.js';

const CONFIG_DIR = path.resolve(process.cwd(), 'scripts/topology/config');
const template = (name: string) => readFileSync(path.join(CONFIG_DIR, name), 'utf8');

/** The seed's lines (shared/seeds/000_a5590ed5aacf1d18.txt), copied here verbatim. */
const SEED_DATA_ACL = [
  '# huey -> master',
  'user admin allchannels +@all ~* on >{{ redis_password }}',
  '# replica -> master',
  'user replica +psync +replconf +ping on >{{ redis_password }}',
  '# sentinels -> master',
  'user sentinel allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill on >{{ redis_password }}',
  '# django-redis -> master',
  'user default allchannels +@read +@write +@connection +@pubsub +@scripting ~* on >{{ redis_password }}',
];
const SEED_SENTINEL_ACL = [
  '# sentinels -> sentinels',
  'user admin allchannels +@all on >{{ redis_password }}',
  '# django-redis -> sentinels',
  'user default -@all +auth +client|getname +client|id +client|setname +command +hello +ping +role +sentinel|get-master-addr-by-name +sentinel|master +sentinel|myid +sentinel|replicas +sentinel|sentinels +sentinel|masters on >{{ redis_password }}',
];

/** The template minus its header comment block: the lines from the first seed comment on. */
function seedPart(text: string, firstLine: string): string[] {
  const lines = text.split('\n').filter((l) => l !== '');
  return lines.slice(lines.indexOf(firstLine));
}

const ALL_TEMPLATES = [
  'redis.conf.tmpl',
  'sentinel.conf.tmpl',
  'tls.conf.tmpl',
  'users.seed.acl.tmpl',
  'users.fixed.acl.tmpl',
  'users.least-privilege.acl.tmpl',
  'sentinel-users.seed.acl.tmpl',
  'sentinel-users.fixed.acl.tmpl',
  'sentinel-users.least-privilege.acl.tmpl',
];

/** Mimics `sed -e 's/{{ name }}/value/g'` as a compose file would render the templates. */
function sedRender(text: string, values: Record<string, string | number>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) out = out.split(`{{ ${name} }}`).join(String(value));
  return out;
}

describe('renderTemplate', () => {
  it('replaces every placeholder, tolerating inner whitespace', () => {
    expect(renderTemplate('a {{ x }} b {{y}} c {{  x  }}', { x: 1, y: 'two' })).toBe('a 1 b two c 1');
  });

  it('lists placeholders once, in order', () => {
    expect(listPlaceholders('{{ b }} {{ a }} {{b}}')).toEqual(['b', 'a']);
  });

  it('ignores extra values and leaves non-placeholders alone', () => {
    expect(renderTemplate('save ""\n{ x } {{ 1x }}', { x: 'unused' })).toBe('save ""\n{ x } {{ 1x }}');
  });

  it('throws naming every missing placeholder', () => {
    expect(() => renderTemplate('{{ a }} {{ b }} {{ c }}', { b: 1 }, 'demo.tmpl')).toThrow(
      new TemplateError('demo.tmpl: no value for placeholder(s) {{ a }}, {{ c }}'),
    );
  });

  it('refuses values that would inject another line', () => {
    expect(() => renderTemplate('masterauth {{ p }}', { p: 'x\nuser evil on nopass +@all' })).toThrow(/line break/);
    expect(() => renderTemplate('masterauth {{ p }}', { p: 'x\r' })).toThrow(TemplateError);
  });
});

describe('stripAclComments', () => {
  it('drops comment and blank lines, keeps user lines in order', () => {
    const text = '# huey -> master\nuser a on\n\n   # indented comment\r\nuser b on   \n  \n';
    expect(stripAclComments(text)).toBe('user a on\nuser b on\n');
  });

  it('returns an empty string when nothing is left', () => {
    expect(stripAclComments('# only\n\n')).toBe('');
  });
});

describe('assertPlainConfigValue / redact', () => {
  it('rejects characters Redis would split or unquote', () => {
    for (const bad of ['', 'a b', 'a"b', "a'b", 'a\\b', 'a\tb', 'a\u0001b']) {
      expect(() => assertPlainConfigValue('password', bad)).toThrow(TemplateError);
    }
    expect(() => assertPlainConfigValue('password', 'S3cr#t!~{x}')).not.toThrow();
  });

  it('redacts every occurrence', () => {
    expect(redact('auth pw x pw', ['pw', undefined, ''])).toBe('auth *** x ***');
  });
});

describe('ACL templates', () => {
  it('users.seed.acl.tmpl holds the seed lines verbatim, comments included', () => {
    expect(seedPart(template('users.seed.acl.tmpl'), SEED_DATA_ACL[0]!)).toEqual(SEED_DATA_ACL);
  });

  it('users.fixed.acl.tmpl differs from the seed only by +info on default', () => {
    const fixed = seedPart(template('users.fixed.acl.tmpl'), SEED_DATA_ACL[0]!);
    expect(fixed).toEqual(
      SEED_DATA_ACL.map((line) =>
        line.startsWith('user default ') ? line.replace('+@scripting ', '+@scripting +info ') : line,
      ),
    );
  });

  it('sentinel-users.seed.acl.tmpl holds the seed lines verbatim', () => {
    expect(seedPart(template('sentinel-users.seed.acl.tmpl'), SEED_SENTINEL_ACL[0]!)).toEqual(SEED_SENTINEL_ACL);
  });

  it('sentinel-users.fixed.acl.tmpl adds the failover channels and SENTINEL SLAVES to default only', () => {
    const fixed = seedPart(template('sentinel-users.fixed.acl.tmpl'), SEED_SENTINEL_ACL[0]!);
    const additions =
      '+subscribe &+switch-master &+selected-slave &+failover-state-send-slaveof-noone &-failover-abort-* +sentinel|slaves';
    expect(fixed).toEqual(
      SEED_SENTINEL_ACL.map((line) =>
        line.startsWith('user default ') ? line.replace(' on >', ` ${additions} on >`) : line,
      ),
    );
  });

  it('all ACL templates use only the redis_password placeholder', () => {
    for (const name of ['users.seed.acl.tmpl', 'users.fixed.acl.tmpl', 'sentinel-users.seed.acl.tmpl', 'sentinel-users.fixed.acl.tmpl']) {
      expect(listPlaceholders(template(name))).toEqual(['redis_password']);
    }
  });

  it('no template has a placeholder inside a comment line (sed would render secrets into comments)', () => {
    for (const name of ALL_TEMPLATES) {
      const commentLines = template(name).split('\n').filter((l) => l.trimStart().startsWith('#'));
      expect(commentLines.filter((l) => l.includes('{{'))).toEqual([]);
    }
  });
});

describe('least-privilege ACL templates', () => {
  const dataLines = () => seedPart(template('users.least-privilege.acl.tmpl'), SEED_DATA_ACL[0]!);

  it('keep the seed\'s admin, replica and sentinel users verbatim', () => {
    const lines = dataLines();
    expect(lines.slice(0, 6)).toEqual(SEED_DATA_ACL.slice(0, 6));
    expect(lines).toHaveLength(8);
  });

  it('restrict the app user `default` to its key patterns, no channel, and the module\'s commands', () => {
    const line = dataLines()[7]!;
    expect(line).toMatch(/^user default resetchannels -@all /);
    expect(line).toMatch(/ \{\{ app_key_patterns \}\} on >\{\{ redis_password \}\}$/);
    const commands = line.split(' ').filter((rule) => rule.startsWith('+')).sort();
    expect(commands).toEqual(
      ['+hello', '+auth', '+info', '+select', '+ping', '+role', '+get', '+set', '+del', '+unlink', '+exists', '+mget', '+scan', '+wait', '+client|setname', '+quit'].sort(),
    );
    // No category, no all-keys / all-channels grant, no pattern other than the placeholder.
    expect(line).not.toMatch(/\+@|allkeys|allchannels|allcommands|~\*|&/);
    // Redis 7.0 refuses an unknown subcommand in an ACL file: CLIENT SETINFO is Redis >= 7.2.
    expect(line).not.toContain('setinfo');
  });

  it('document every command of the app user in the header', () => {
    const header = template('users.least-privilege.acl.tmpl').split('\n').filter((l) => l.startsWith('#')).join('\n');
    const rules = dataLines()[7]!.split(' ').filter((rule) => rule.startsWith('+'));
    for (const rule of rules) expect(header).toContain(rule);
  });

  it('sentinel-users.least-privilege.acl.tmpl is the seed plus exactly the failover channels, no SENTINEL SLAVES', () => {
    const users = (lines: string[]) => lines.filter((line) => line.startsWith('user '));
    const lines = users(template('sentinel-users.least-privilege.acl.tmpl').split('\n'));
    const additions = '+subscribe &+switch-master &+selected-slave &+failover-state-send-slaveof-noone &-failover-abort-*';
    expect(lines).toEqual(
      users(SEED_SENTINEL_ACL).map((line) => (line.startsWith('user default ') ? line.replace(' on >', ` ${additions} on >`) : line)),
    );
    expect(lines.join('\n')).not.toContain('sentinel|slaves');
  });

  it('the placeholders are redis_password and app_key_patterns; sed renders them like renderDataNodeConfig', () => {
    const text = template('users.least-privilege.acl.tmpl');
    expect(listPlaceholders(text)).toEqual(['redis_password', 'app_key_patterns']);
    expect(listPlaceholders(template('sentinel-users.least-privilege.acl.tmpl'))).toEqual(['redis_password']);
    const { acl } = renderDataNodeConfig({
      template: template('redis.conf.tmpl'),
      usersTemplate: text,
      port: 16379,
      dir: '/d',
      logfile: '/d/l.log',
      aclfile: '/d/users.acl',
      password: 'pw123',
      appKeyPatterns: ['cache:*', 'sessions:*'],
    });
    expect(stripAclComments(sedRender(text, { redis_password: 'pw123', app_key_patterns: '~cache:* ~sessions:*' }))).toBe(acl);
    expect(acl.trimEnd().split('\n').at(-1)).toBe(
      'user default resetchannels -@all +hello +auth +info +select +ping +role +get +set +del +unlink +exists +mget +scan +wait +client|setname +quit ~cache:* ~sessions:* on >pw123',
    );
  });

  it('the app key patterns default to cache:*', () => {
    expect(DEFAULT_APP_KEY_PATTERNS).toEqual(['cache:*']);
    const { acl } = renderDataNodeConfig({
      template: template('redis.conf.tmpl'),
      usersTemplate: template('users.least-privilege.acl.tmpl'),
      port: 16379,
      dir: '/d',
      logfile: '/d/l.log',
      aclfile: '/d/users.acl',
      password: 'pw123',
    });
    expect(acl).toContain(' +quit ~cache:* on >pw123\n');
  });
});

describe('renderKeyPatterns', () => {
  it('prefixes each pattern with ~', () => {
    expect(renderKeyPatterns(['cache:*'])).toBe('~cache:*');
    expect(renderKeyPatterns(['a:*', 'b:[0-9]?'])).toBe('~a:* ~b:[0-9]?');
  });

  it('refuses an empty list, whitespace, quotes, and rule prefixes', () => {
    expect(() => renderKeyPatterns([])).toThrow(/non-empty/);
    expect(() => renderKeyPatterns(['cache:* +@all'])).toThrow(/whitespace/);
    expect(() => renderKeyPatterns(['a"b'])).toThrow(TemplateError);
    expect(() => renderKeyPatterns(['~cache:*'])).toThrow(/not an ACL rule: drop the leading "~"/);
    expect(() => renderKeyPatterns(['%R~cache:*'])).toThrow(/drop the leading "%"/);
    expect(() => renderKeyPatterns(['x\non'])).toThrow(TemplateError);
  });
});

describe('TLS template', () => {
  const tls = {
    template: template('tls.conf.tmpl'),
    certFile: '/tmp/topo/tls/server.crt',
    keyFile: '/tmp/topo/tls/server.key',
    caCertFile: '/tmp/topo/tls/ca.crt',
  };
  const TLS_LINES = [
    'port 0',
    'tls-port 16380',
    'tls-cert-file /tmp/topo/tls/server.crt',
    'tls-key-file /tmp/topo/tls/server.key',
    'tls-ca-cert-file /tmp/topo/tls/ca.crt',
    'tls-auth-clients optional',
    'tls-replication yes',
  ];
  const directives = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));

  it('renders TLS on the node port, plain TCP off', () => {
    expect(directives(renderTlsConfig(tls, 16380))).toEqual(TLS_LINES);
    expect(listPlaceholders(tls.template)).toEqual(['port', 'tls_cert_file', 'tls_key_file', 'tls_ca_cert_file']);
    expect(
      sedRender(tls.template, { port: 16380, tls_cert_file: tls.certFile, tls_key_file: tls.keyFile, tls_ca_cert_file: tls.caCertFile }),
    ).toBe(renderTlsConfig(tls, 16380));
  });

  it('is appended after a data node\'s conf (the last `port` wins), replicaof included', () => {
    const { conf } = renderDataNodeConfig({
      template: template('redis.conf.tmpl'),
      usersTemplate: template('users.fixed.acl.tmpl'),
      port: 16380,
      dir: '/tmp/topo/data-1',
      logfile: '/tmp/topo/data-1/data-1.log',
      aclfile: '/tmp/topo/data-1/users.acl',
      password: 'pw123',
      replicaOf: { host: '127.0.0.1', port: 16379 },
      tls,
    });
    const lines = directives(conf);
    expect(lines.slice(-TLS_LINES.length)).toEqual(TLS_LINES);
    expect(lines).toContain('replicaof 127.0.0.1 16379');
    expect(lines.filter((l) => l.startsWith('port '))).toEqual(['port 16380', 'port 0']);
  });

  it('is inserted in a sentinel\'s conf before the ACL users', () => {
    const conf = renderSentinelConfig({
      template: template('sentinel.conf.tmpl'),
      usersTemplate: template('sentinel-users.least-privilege.acl.tmpl'),
      port: 16380,
      dir: '/tmp/topo/sentinel-0',
      logfile: '/tmp/topo/sentinel-0/sentinel-0.log',
      password: 'pw123',
      masterName: 'primary',
      masterPort: 16379,
      downAfterMs: 1000,
      failoverTimeoutMs: 10000,
      tls,
    });
    const lines = directives(conf);
    expect(lines.slice(-TLS_LINES.length - 2, -2)).toEqual(TLS_LINES);
    expect(lines.slice(-2).every((l) => l.startsWith('user '))).toBe(true);
    expect(directives(conf).filter((l) => l.includes(' #'))).toEqual([]);
  });

  it('refuses a certificate path Redis would misread', () => {
    expect(() => renderTlsConfig({ ...tls, keyFile: '/tmp/my dir/server.key' }, 16380)).toThrow(/tls.keyFile must not contain whitespace/);
    expect(() => renderTlsConfig(tls, 0)).toThrow(/invalid port/);
  });
});

describe('renderDataNodeConfig', () => {
  const base = {
    template: template('redis.conf.tmpl'),
    usersTemplate: template('users.fixed.acl.tmpl'),
    port: 16380,
    dir: '/tmp/topo/data-1',
    logfile: '/tmp/topo/data-1/data-1.log',
    aclfile: '/tmp/topo/data-1/users.acl',
    password: 'pw123',
  };

  it('renders the data-node settings and an aclfile without comments', () => {
    const { conf, acl } = renderDataNodeConfig(base);
    const lines = conf.split('\n');
    for (const expected of [
      'port 16380',
      'bind 127.0.0.1',
      'protected-mode no',
      'daemonize no',
      'dir /tmp/topo/data-1',
      'logfile /tmp/topo/data-1/data-1.log',
      'appendonly no',
      'save ""',
      'aclfile /tmp/topo/data-1/users.acl',
      'masteruser replica',
      'masterauth pw123',
    ]) {
      expect(lines).toContain(expected);
    }
    expect(conf).not.toMatch(/^replicaof/m);
    expect(conf).not.toContain('{{');
    expect(acl.split('\n').filter(Boolean)).toEqual([
      'user admin allchannels +@all ~* on >pw123',
      'user replica +psync +replconf +ping on >pw123',
      'user sentinel allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill on >pw123',
      'user default allchannels +@read +@write +@connection +@pubsub +@scripting +info ~* on >pw123',
    ]);
  });

  it('appends replicaof for a replica', () => {
    const { conf } = renderDataNodeConfig({ ...base, replicaOf: { host: '127.0.0.1', port: 16379 } });
    expect(conf.trimEnd().split('\n').at(-1)).toBe('replicaof 127.0.0.1 16379');
  });

  it('gives the same result as a sed rendering of the same template', () => {
    const { conf } = renderDataNodeConfig(base);
    expect(
      sedRender(base.template, {
        port: 16380,
        dir: base.dir,
        logfile: base.logfile,
        aclfile: base.aclfile,
        redis_password: 'pw123',
      }),
    ).toBe(conf);
  });

  it('refuses a path or password Redis would misread', () => {
    expect(() => renderDataNodeConfig({ ...base, dir: '/tmp/my topo' })).toThrow(/dir must not contain whitespace/);
    expect(() => renderDataNodeConfig({ ...base, password: 'a"b' })).toThrow(/password/);
    expect(() => renderDataNodeConfig({ ...base, port: 70000 })).toThrow(/invalid port/);
  });
});

describe('renderSentinelConfig', () => {
  const input = {
    template: template('sentinel.conf.tmpl'),
    usersTemplate: template('sentinel-users.seed.acl.tmpl'),
    port: 26379,
    dir: '/tmp/topo/sentinel-0',
    logfile: '/tmp/topo/sentinel-0/sentinel-0.log',
    password: 'pw123',
    masterName: 'primary',
    masterPort: 16379,
    downAfterMs: 1000,
    failoverTimeoutMs: 10000,
  };

  it('renders the sentinel settings with quorum 2 and appends the ACL users', () => {
    const conf = renderSentinelConfig(input);
    const lines = conf.split('\n');
    for (const expected of [
      'port 26379',
      'bind 127.0.0.1',
      'dir /tmp/topo/sentinel-0',
      'logfile /tmp/topo/sentinel-0/sentinel-0.log',
      'sentinel resolve-hostnames no',
      'sentinel announce-ip 127.0.0.1',
      'sentinel sentinel-user admin',
      'sentinel sentinel-pass pw123',
      'sentinel monitor primary 127.0.0.1 16379 2',
      'sentinel auth-user primary sentinel',
      'sentinel auth-pass primary pw123',
      'sentinel down-after-milliseconds primary 1000',
      'sentinel failover-timeout primary 10000',
      'sentinel parallel-syncs primary 1',
    ]) {
      expect(lines).toContain(expected);
    }
    const userLines = lines.filter((l) => l.startsWith('user '));
    expect(userLines).toEqual([
      'user admin allchannels +@all on >pw123',
      expect.stringMatching(/^user default -@all \+auth .* \+sentinel\|masters on >pw123$/),
    ]);
    // The users come last, without their comment lines.
    expect(conf.trimEnd().split('\n').slice(-2)).toEqual(userLines);
    expect(conf).not.toContain('{{');
  });

  it('keeps comments on their own lines (a trailing "# ..." is a config error)', () => {
    const directives = renderSentinelConfig(input)
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    expect(directives.filter((l) => l.includes(' #'))).toEqual([]);
  });

  it('validates the master name and timings', () => {
    expect(() => renderSentinelConfig({ ...input, masterName: 'a b' })).toThrow(/masterName/);
    expect(() => renderSentinelConfig({ ...input, downAfterMs: 0 })).toThrow(/downAfterMs/);
  });
});
