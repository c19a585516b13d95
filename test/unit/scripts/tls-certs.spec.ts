/**
 * Runs the real `openssl` (on PATH) into a temporary directory: a few hundred ms.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import {
  OpenSslNotFoundError,
  findOpenSsl,
  generateTestCertificates,
  type TlsMaterial,
} from '../../../scripts/topology/tls-certs.js';

describe('generateTestCertificates', () => {
  let dir: string;
  let material: TlsMaterial;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rsc-tls-unit-'));
    material = await generateTestCertificates(path.join(dir, 'tls'));
  }, 30_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a CA and a server certificate for 127.0.0.1 signed by it', async () => {
    const { readFile } = await import('node:fs/promises');
    const ca = new X509Certificate(await readFile(material.files.ca));
    const server = new X509Certificate(await readFile(material.files.serverCert));
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.2')).toBeUndefined();
    // Replicas and sentinels present the server certificate as a client certificate.
    expect(server.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(Date.now() + 24 * 3600_000);
  });

  it('makes a client certificate signed by the CA, and returns the PEMs a client needs', () => {
    const ca = new X509Certificate(material.client.ca);
    const client = new X509Certificate(material.client.cert);
    expect(client.checkIssued(ca)).toBe(true);
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(client.checkPrivateKey(createPrivateKey(material.client.key))).toBe(true);
    expect(() => createSecureContext(material.client)).not.toThrow();
  });

  it('keeps no CA key, and writes the files readable by the owner only', () => {
    expect(existsSync(path.join(dir, 'tls', 'ca.key'))).toBe(false);
    expect(existsSync(path.join(dir, 'tls', 'server.csr'))).toBe(false);
    for (const file of Object.values(material.files)) {
      expect(statSync(file).mode & 0o077).toBe(0);
    }
    expect(statSync(path.join(dir, 'tls')).mode & 0o077).toBe(0);
  });
});

describe('openssl missing', () => {
  it('OpenSslNotFoundError says how to install it', async () => {
    const savedPath = process.env['PATH'];
    const savedBin = process.env['OPENSSL_BIN'];
    process.env['PATH'] = '/nonexistent-dir';
    delete process.env['OPENSSL_BIN'];
    try {
      const error = await findOpenSsl().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OpenSslNotFoundError);
      expect(error).toMatchObject({ code: 'OPENSSL_NOT_FOUND' });
      expect((error as Error).message).toContain('apt-get install -y openssl');
    } finally {
      process.env['PATH'] = savedPath;
      if (savedBin !== undefined) process.env['OPENSSL_BIN'] = savedBin;
    }
  });

  it('an explicit binary that is not executable is named', async () => {
    await expect(generateTestCertificates(path.join(os.tmpdir(), 'unused'), { openssl: '/nonexistent/openssl' })).rejects.toThrow(
      /\/nonexistent\/openssl is not an executable file/,
    );
  });
});
