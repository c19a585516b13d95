/**
 * Throwaway TLS material for the local topology, made with the `openssl` command line tool:
 *
 *   ca.crt                 a self-signed CA (its key is deleted once both certificates are signed)
 *   server.crt/server.key  the certificate of every data node and sentinel: SAN IP:127.0.0.1 and
 *                          DNS:localhost, usable as a server and as a client certificate (replicas,
 *                          and sentinels, present it when they connect to another node over TLS)
 *   client.crt/client.key  a client certificate for applications and tests (the nodes run with
 *                          `tls-auth-clients optional`: a client may present it, or only trust the CA)
 *
 * EC P-256 keys (fast to make), valid for 2 days. Every openssl call is bounded by a timeout.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface TlsFiles {
  /** PEM file of the CA that signed both certificates (what a client trusts). */
  ca: string;
  /** PEM file of the server certificate (data nodes and sentinels). */
  serverCert: string;
  serverKey: string;
  /** PEM file of the client certificate. */
  clientCert: string;
  clientKey: string;
}

export interface TlsMaterial {
  files: TlsFiles;
  /** PEM contents for clients: the CA, and the client certificate and key. */
  client: { ca: string; cert: string; key: string };
}

export interface GenerateCertificatesOptions {
  /** The openssl binary: default $OPENSSL_BIN, else `openssl` on PATH. */
  openssl?: string;
  /** Bound on each openssl call. Default 15000 ms. */
  timeoutMs?: number;
  /** Validity in days. Default 2. */
  days?: number;
}

export class OpenSslNotFoundError extends Error {
  readonly code = 'OPENSSL_NOT_FOUND';
  constructor(detail = 'openssl was not found on PATH') {
    super(
      `${detail}. The TLS topology makes its throwaway certificates with the openssl command line tool: ` +
        '`apt-get update && apt-get install -y openssl`, or set OPENSSL_BIN to its path.',
    );
    this.name = 'OpenSslNotFoundError';
  }
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

/** openssl config: no dependency on the system's openssl.cnf; extensions of the two certificates. */
const OPENSSL_CONF = `# Written by scripts/topology/tls-certs.ts for a throwaway test CA.
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of openssl: the given one, $OPENSSL_BIN, else the first on $PATH. */
export async function findOpenSsl(explicit = process.env['OPENSSL_BIN']): Promise<string> {
  if (explicit) {
    if (await isExecutable(explicit)) return path.resolve(explicit);
    throw new OpenSslNotFoundError(`${explicit} is not an executable file`);
  }
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'openssl');
    if (await isExecutable(candidate)) return candidate;
  }
  throw new OpenSslNotFoundError();
}

function run(openssl: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      openssl,
      args,
      { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const reason = (error as NodeJS.ErrnoException & { killed?: boolean }).killed
          ? `timed out after ${timeoutMs} ms`
          : `${error.message.split('\n')[0]}${stderr ? `: ${String(stderr).trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        reject(new CertificateError(`openssl ${args[0]} failed (${reason})`));
      },
    );
  });
}

/**
 * Writes a fresh CA, server and client certificate into `dir` (created, mode 0700; files 0600) and
 * returns their paths and the PEM contents a client needs.
 */
export async function generateTestCertificates(dir: string, options: GenerateCertificatesOptions = {}): Promise<TlsMaterial> {
  const openssl = await findOpenSsl(options.openssl);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const days = String(options.days ?? 2);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  const conf = file('openssl.cnf');
  await writeFile(conf, OPENSSL_CONF, { mode: 0o600 });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const step = (args: string[]) => run(openssl, args, dir, timeoutMs);
  const serial = () => `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;

  await step(['req', '-config', conf, '-x509', ...newKey, '-days', days, '-subj', '/CN=nestjs-redis-sentinel-cache test CA',
    '-extensions', 'ca_ext', '-keyout', file('ca.key'), '-out', file('ca.crt')]);
  for (const [name, cn, ext] of [['server', '127.0.0.1', 'server_ext'], ['client', 'nestjs-redis-sentinel-cache test client', 'client_ext']] as const) {
    await step(['req', '-config', conf, ...newKey, '-subj', `/CN=${cn}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`)]);
    await step(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', serial(),
      '-days', days, '-extfile', conf, '-extensions', ext, '-out', file(`${name}.crt`)]);
  }
  // Nothing else is ever signed with this CA.
  await Promise.all(['ca.key', 'server.csr', 'client.csr', 'openssl.cnf'].map((name) => rm(file(name), { force: true })));

  const files: TlsFiles = {
    ca: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
  };
  await chmod(dir, 0o700);
  await Promise.all(Object.values(files).map((f) => chmod(f, 0o600)));
  const [ca, cert, key] = await Promise.all([files.ca, files.clientCert, files.clientKey].map((f) => readFile(f, 'utf8')));
  for (const [name, pem] of [['ca.crt', ca], ['client.crt', cert], ['client.key', key]] as const) {
    if (!/-----BEGIN [A-Z ]+-----/.test(pem!)) throw new CertificateError(`openssl wrote no PEM to ${name}`);
  }
  return { files, client: { ca: ca!, cert: cert!, key: key! } };
}
