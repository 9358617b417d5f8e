// The connection settings for real deployments (src/connection-settings.ts through loadConfig): TLS and mTLS to
// Temporal, Temporal Cloud API keys, MongoDB URIs with replica sets and TLS files. Certificates are made with openssl
// for each run; no servers. Each wrong setting must fail at start-up with a message naming its variable.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { temporalConnectionFrom } from '../src/connection-settings';
import type { TlsFiles } from './support/tls-files';
import { makeTlsFiles } from './support/tls-files';

let dir: string;
let tls: TlsFiles;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-tls-'));
  tls = makeTlsFiles(dir);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mtls = () => ({
  TEMPORAL_ADDRESS: 'temporal.example.internal:7233',
  TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: tls.clientKey,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caCert,
  TEMPORAL_TLS_SERVER_NAME: 'localhost',
});

describe('config › Temporal connection', () => {
  it('defaults › nothing set › plain TCP, no API key, namespace default, two-minute connect budget', () => {
    const { temporal } = loadConfig({});
    expect(temporal).toMatchObject({ tls: undefined, apiKey: undefined, namespace: 'default' });
    expect(temporal.connectTimeoutMs).toBe(120_000);
  });

  it('mTLS › certificate, key, CA and server name › all four reach the SDK options, read from the files', () => {
    const { temporal } = loadConfig(mtls());
    expect(temporal.tls?.serverNameOverride).toBe('localhost');
    expect(temporal.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(temporal.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(temporal.tls?.clientCertPair?.key.toString()).toContain('PRIVATE KEY');
  });

  it('TLS › TEMPORAL_TLS=true alone › TLS with the system roots, no client certificate', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
  });

  it('API key › TEMPORAL_API_KEY alone › TLS on (Temporal Cloud), key kept', () => {
    const { temporal } = loadConfig({ TEMPORAL_API_KEY: 'cloud-key-123', TEMPORAL_NAMESPACE: 'acme.a1b2c' });
    expect(temporal).toMatchObject({ apiKey: 'cloud-key-123', tls: {}, namespace: 'acme.a1b2c' });
  });

  it('API key › TEMPORAL_TLS=false with an API key › plain TCP with the key (a local proxy)', () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal).toMatchObject({ tls: undefined });
  });

  it('API key › from TEMPORAL_API_KEY_FILE › read and trimmed; both set › rejected naming both', () => {
    const file = path.join(dir, 'api-key');
    writeFileSync(file, 'from-a-secret-file\n');
    expect(loadConfig({ TEMPORAL_API_KEY_FILE: file }).temporal.apiKey).toBe('from-a-secret-file');
    expect(() => loadConfig({ TEMPORAL_API_KEY_FILE: file, TEMPORAL_API_KEY: 'x' })).toThrow(
      /TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both/,
    );
  });

  it('mTLS › a certificate file that does not exist › rejected naming the variable and the file', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() => loadConfig({ ...mtls(), TEMPORAL_TLS_CLIENT_CERT_PATH: missing })).toThrow(
      `invalid configuration: TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read ${missing} (ENOENT)`,
    );
  });

  it('mTLS › the key file given as the certificate › rejected: holds no PEM certificate', () => {
    expect(() => loadConfig({ ...mtls(), TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientKey })).toThrow(
      `TEMPORAL_TLS_CLIENT_CERT_PATH: ${tls.clientKey} holds no PEM certificate`,
    );
  });

  it('mTLS › the certificate given as the key › rejected: holds no PEM private key', () => {
    expect(() => loadConfig({ ...mtls(), TEMPORAL_TLS_CLIENT_KEY_PATH: tls.clientCert })).toThrow(
      `TEMPORAL_TLS_CLIENT_KEY_PATH: ${tls.clientCert} holds no PEM private key`,
    );
  });

  it("mTLS › a key that is not the certificate's › rejected before any connection", () => {
    expect(() => loadConfig({ ...mtls(), TEMPORAL_TLS_CLIENT_KEY_PATH: tls.strayKey })).toThrow(
      `TEMPORAL_TLS_CLIENT_KEY_PATH: the key in ${tls.strayKey} does not belong to the certificate in ${tls.clientCert}`,
    );
  });

  it('mTLS › a certificate without its key › rejected naming the missing variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCert })).toThrow(
      /TEMPORAL_TLS_CLIENT_KEY_PATH: mTLS needs both/,
    );
  });

  it('CA › a file that is not PEM › rejected naming TEMPORAL_TLS_SERVER_CA_CERT_PATH', () => {
    const garbage = path.join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    expect(() => loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: garbage })).toThrow(
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH: ${garbage} holds no PEM certificate`,
    );
  });

  it('CA › an expired certificate › rejected with its expiry date', () => {
    const later = new Date(Date.now() + 10 * 24 * 3600 * 1000);
    const env = { TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caCert, TEMPORAL_CONNECT_TIMEOUT_MS: 5000, MONGODB_URI: '' };
    expect(() => temporalConnectionFrom(env, later)).toThrow(
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH: the certificate in .* expired on/,
    );
  });

  it('TLS › TEMPORAL_TLS=false beside TLS files › rejected as a contradiction', () => {
    expect(() => loadConfig({ ...mtls(), TEMPORAL_TLS: 'false' })).toThrow(/TEMPORAL_TLS: is false, but TLS settings/);
  });

  it('errors › a TLS file problem › the message never holds the key or certificate content', () => {
    let message = '';
    try {
      loadConfig({ ...mtls(), TEMPORAL_TLS_CLIENT_KEY_PATH: tls.strayKey, TEMPORAL_API_KEY: 'secret-api-key' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/does not belong/);
    expect(message).not.toMatch(/BEGIN|secret-api-key/);
  });
});

describe('config › MongoDB connection', () => {
  it('replica set with TLS › hosts, replicaSet and tls read from the URI, CA and client files checked', () => {
    const config = loadConfig({
      MONGODB_URI: 'mongodb://app:pw@mongo-1:27017,mongo-2:27017,mongo-3:27017/settleflow?replicaSet=rs0&tls=true',
      MONGODB_TLS_CA_FILE: tls.caCert,
      MONGODB_TLS_CERT_KEY_FILE: tls.clientCertKey,
    });
    expect(config.mongodb.deployment).toEqual({
      hosts: ['mongo-1:27017', 'mongo-2:27017', 'mongo-3:27017'],
      replicaSet: 'rs0',
      tls: true,
    });
    expect(config.mongodb.options).toEqual({ tlsCAFile: tls.caCert, tlsCertificateKeyFile: tls.clientCertKey });
  });

  it('mongodb+srv › an Atlas-style URI › accepted with TLS on (the scheme implies it)', () => {
    const config = loadConfig({ MONGODB_URI: 'mongodb+srv://app:pw@cluster0.example.net/settleflow' });
    expect(config.mongodb.deployment.tls).toBe(true);
  });

  it('URI › not a MongoDB URI › rejected naming MONGODB_URI', () => {
    expect(() => loadConfig({ MONGODB_URI: 'postgres://127.0.0.1/settleflow' })).toThrow(
      'invalid configuration: MONGODB_URI: must start with mongodb:// or mongodb+srv://',
    );
  });

  it('URI › an unknown option › rejected by the driver parser, the password not repeated', () => {
    let message = '';
    try {
      loadConfig({ MONGODB_URI: 'mongodb://app:hunter2@127.0.0.1:27017/settleflow?replicaSet=rs0&tlss=true' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/MONGODB_URI: is not a valid MongoDB connection string/);
    expect(message).not.toContain('hunter2');
  });

  it('TLS files › a CA file that does not exist › rejected naming MONGODB_TLS_CA_FILE', () => {
    const missing = path.join(dir, 'no-ca.pem');
    expect(() => loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1/s?tls=true', MONGODB_TLS_CA_FILE: missing })).toThrow(
      `MONGODB_TLS_CA_FILE: cannot read ${missing} (ENOENT)`,
    );
  });

  it('TLS files › a certificate file without its key › rejected: holds no PEM private key', () => {
    expect(() =>
      loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1/s?tls=true', MONGODB_TLS_CERT_KEY_FILE: tls.clientCert }),
    ).toThrow(`MONGODB_TLS_CERT_KEY_FILE: ${tls.clientCert} holds no PEM private key`);
  });

  it('TLS files › tlsCAFile inside the URI pointing nowhere › rejected naming the URI option', () => {
    const missing = path.join(dir, 'in-uri.pem');
    expect(() => loadConfig({ MONGODB_URI: `mongodb://127.0.0.1/s?tls=true&tlsCAFile=${missing}` })).toThrow(
      `MONGODB_URI (tlsCAFile): cannot read ${missing} (ENOENT)`,
    );
  });
});
