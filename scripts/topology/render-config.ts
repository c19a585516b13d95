/**
 * Pure helpers that turn the templates of scripts/topology/config into the files Redis reads.
 *
 * Templates use `{{ name }}` placeholders (name: letters, digits, underscore) so that a compose file
 * can render the very same templates with `sed -e 's/{{ port }}/6379/g'`. No I/O here.
 */

export type TemplateValues = Readonly<Record<string, string | number>>;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The distinct placeholder names of a template, in order of first appearance. */
export function listPlaceholders(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Replaces every `{{ name }}` with `values[name]`.
 * Throws TemplateError if a placeholder has no value, or if a value contains a line break
 * (a value must never be able to inject a config or ACL line). Extra values are ignored.
 */
export function renderTemplate(template: string, values: TemplateValues, templateName = 'template'): string {
  const missing = listPlaceholders(template).filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0) {
    throw new TemplateError(`${templateName}: no value for placeholder(s) ${missing.map((n) => `{{ ${n} }}`).join(', ')}`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (/[\r\n\0]/.test(String(value))) {
      throw new TemplateError(`${templateName}: the value of "${name}" contains a line break or NUL`);
    }
  }
  return template.replace(PLACEHOLDER, (_all, name: string) => String(values[name]));
}

/**
 * Removes comment lines (first non-blank character `#`) and blank lines, and trailing whitespace.
 * Redis refuses an aclfile containing comment lines (Redis 7.0 aborts startup: "users.acl:1 should
 * start with user keyword followed by the username"), and the seed's ACL lines come with
 * `# who -> where` comments.
 */
export function stripAclComments(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * A value written unquoted into redis.conf / an ACL line: Redis splits those lines on whitespace and
 * interprets quotes and backslashes, so such characters would change the meaning of the line.
 */
export function assertPlainConfigValue(name: string, value: string): void {
  if (value === '') throw new TemplateError(`${name} must not be empty`);
  if (/[\s"'\\\0]/.test(value) || /[^\x21-\x7e\u00a0-\uffff]/.test(value)) {
    throw new TemplateError(`${name} must not contain whitespace, quotes, backslashes or control characters`);
  }
}

/** Replaces every occurrence of each non-empty secret with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

/** TLS for a node: tls.conf.tmpl, appended after the node's conf. */
export interface TlsConfigInput {
  /** tls.conf.tmpl */
  template: string;
  certFile: string;
  keyFile: string;
  caCertFile: string;
}

/** The app user's key patterns of users.least-privilege.acl.tmpl. */
export const DEFAULT_APP_KEY_PATTERNS: readonly string[] = ['cache:*'];

/**
 * `['cache:*', 'x:*']` -> `~cache:* ~x:*`, the value of the `{{ app_key_patterns }}` placeholder.
 * A pattern is one Redis glob without whitespace, quotes or backslashes (it becomes one ACL rule), and
 * without a leading `~` or `%` (the rule prefix is added here).
 */
export function renderKeyPatterns(patterns: readonly string[]): string {
  if (!Array.isArray(patterns) || patterns.length === 0) {
    throw new TemplateError('appKeyPatterns must be a non-empty array of key patterns such as "cache:*"');
  }
  return patterns
    .map((pattern, i) => {
      if (typeof pattern !== 'string') throw new TemplateError(`appKeyPatterns[${i}] must be a string`);
      assertPlainConfigValue(`appKeyPatterns[${i}]`, pattern);
      if (/^[~%]/.test(pattern)) {
        throw new TemplateError(`appKeyPatterns[${i}] is a key pattern ("cache:*"), not an ACL rule: drop the leading "${pattern[0]}"`);
      }
      return `~${pattern}`;
    })
    .join(' ');
}

export interface DataNodeConfigInput {
  /** redis.conf.tmpl */
  template: string;
  /** users.<mode>.acl.tmpl */
  usersTemplate: string;
  port: number;
  dir: string;
  logfile: string;
  aclfile: string;
  password: string;
  /** For replicas: the master to replicate at start. */
  replicaOf?: { host: string; port: number };
  /** TLS only on `port` (plain TCP off). */
  tls?: TlsConfigInput;
  /** The app user's key patterns (users.least-privilege.acl.tmpl). Default ['cache:*']. */
  appKeyPatterns?: readonly string[];
}

export interface RenderedDataNode {
  conf: string;
  /** The aclfile content, comment lines stripped. */
  acl: string;
}

export function renderDataNodeConfig(input: DataNodeConfigInput): RenderedDataNode {
  assertPlainConfigValue('password', input.password);
  assertPlainConfigValue('dir', input.dir);
  assertPlainConfigValue('logfile', input.logfile);
  assertPlainConfigValue('aclfile', input.aclfile);
  assertPort(input.port);
  let conf = renderTemplate(
    input.template,
    {
      port: input.port,
      dir: input.dir,
      logfile: input.logfile,
      aclfile: input.aclfile,
      redis_password: input.password,
    },
    'redis.conf.tmpl',
  );
  if (input.replicaOf) {
    assertPlainConfigValue('replicaOf.host', input.replicaOf.host);
    assertPort(input.replicaOf.port);
    conf = `${ensureTrailingNewline(conf)}replicaof ${input.replicaOf.host} ${input.replicaOf.port}\n`;
  }
  if (input.tls) conf = `${ensureTrailingNewline(conf)}${renderTlsConfig(input.tls, input.port)}`;
  const acl = stripAclComments(
    renderTemplate(
      input.usersTemplate,
      { redis_password: input.password, app_key_patterns: renderKeyPatterns(input.appKeyPatterns ?? DEFAULT_APP_KEY_PATTERNS) },
      'users.acl.tmpl',
    ),
  );
  return { conf: ensureTrailingNewline(conf), acl };
}

/** tls.conf.tmpl for a node listening with TLS on `port`. */
export function renderTlsConfig(input: TlsConfigInput, port: number): string {
  assertPort(port);
  assertPlainConfigValue('tls.certFile', input.certFile);
  assertPlainConfigValue('tls.keyFile', input.keyFile);
  assertPlainConfigValue('tls.caCertFile', input.caCertFile);
  return ensureTrailingNewline(
    renderTemplate(
      input.template,
      { port, tls_cert_file: input.certFile, tls_key_file: input.keyFile, tls_ca_cert_file: input.caCertFile },
      'tls.conf.tmpl',
    ),
  );
}

export interface SentinelConfigInput {
  /** sentinel.conf.tmpl */
  template: string;
  /** sentinel-users.<mode>.acl.tmpl */
  usersTemplate: string;
  port: number;
  dir: string;
  logfile: string;
  password: string;
  masterName: string;
  masterPort: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** TLS only on `port` (plain TCP off), and to the data nodes and the other sentinels. */
  tls?: TlsConfigInput;
}

/** sentinel.conf (+ tls.conf when TLS is on) with the sentinel ACL `user` lines appended (comments stripped). */
export function renderSentinelConfig(input: SentinelConfigInput): string {
  assertPlainConfigValue('password', input.password);
  assertPlainConfigValue('dir', input.dir);
  assertPlainConfigValue('logfile', input.logfile);
  if (!/^[A-Za-z0-9._-]+$/.test(input.masterName)) {
    throw new TemplateError('masterName may contain only letters, digits, ".", "_" and "-"');
  }
  assertPort(input.port);
  assertPort(input.masterPort);
  assertPositiveInteger('downAfterMs', input.downAfterMs);
  assertPositiveInteger('failoverTimeoutMs', input.failoverTimeoutMs);
  const conf = renderTemplate(
    input.template,
    {
      port: input.port,
      dir: input.dir,
      logfile: input.logfile,
      master_name: input.masterName,
      master_port: input.masterPort,
      down_after_ms: input.downAfterMs,
      failover_timeout_ms: input.failoverTimeoutMs,
      redis_password: input.password,
    },
    'sentinel.conf.tmpl',
  );
  const tls = input.tls ? renderTlsConfig(input.tls, input.port) : '';
  const users = stripAclComments(
    renderTemplate(input.usersTemplate, { redis_password: input.password }, 'sentinel-users.acl.tmpl'),
  );
  return `${ensureTrailingNewline(conf)}${tls}${users}`;
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TemplateError(`invalid port: ${port}`);
  }
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new TemplateError(`${name} must be a positive integer, got ${value}`);
  }
}
