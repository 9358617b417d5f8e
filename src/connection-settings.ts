// Connection settings for real deployments, read by config.ts: TLS and mTLS to Temporal (certificate, key, CA, server
// name), a Temporal Cloud API key, and MongoDB URIs with replica sets and TLS. Every file is read and checked here, at
// start-up, so a wrong path or a wrong file fails with a message naming the variable, never at the first request.
// It must never log or put into an error message the content of a key, a certificate or an API key.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mongo } from 'mongoose';

/** TLS to the Temporal frontend, in the shape the Temporal SDK's `tls` option takes. */
export interface TemporalTlsSettings {
  /** The CA that signed the server's certificate; the system's roots when absent. */
  serverRootCACertificate?: Buffer;
  /** For mTLS: the client's certificate chain and private key (PEM). */
  clientCertPair?: { crt: Buffer; key: Buffer };
  /** The name to verify the server's certificate against, when it differs from the address's host. */
  serverNameOverride?: string;
}

/** How to reach Temporal besides its address and namespace. */
export interface TemporalConnectionSettings {
  /** TLS on (with these settings) or off (undefined). */
  tls: TemporalTlsSettings | undefined;
  /** A Temporal Cloud API key (sent as `Authorization: Bearer`); implies TLS unless TEMPORAL_TLS=false. */
  apiKey: string | undefined;
  /** How long a process keeps trying to reach Temporal at start before it gives up with an error. */
  connectTimeoutMs: number;
}

/** The MongoDB driver options that the environment adds to MONGODB_URI. */
export interface MongoConnectionSettings {
  tlsCAFile?: string;
  tlsCertificateKeyFile?: string;
}

/** What the MONGODB_URI says about the deployment, for start-up logs (never the credentials). */
export interface MongoDeploymentSummary {
  hosts: string[];
  replicaSet: string | undefined;
  tls: boolean;
}

/** The raw variables this module reads (already trimmed of empty strings by config.ts's schema). */
export interface ConnectionEnv {
  TEMPORAL_TLS?: 'true' | 'false' | undefined;
  TEMPORAL_TLS_CLIENT_CERT_PATH?: string | undefined;
  TEMPORAL_TLS_CLIENT_KEY_PATH?: string | undefined;
  TEMPORAL_TLS_SERVER_CA_CERT_PATH?: string | undefined;
  TEMPORAL_TLS_SERVER_NAME?: string | undefined;
  TEMPORAL_API_KEY?: string | undefined;
  TEMPORAL_API_KEY_FILE?: string | undefined;
  TEMPORAL_CONNECT_TIMEOUT_MS: number;
  MONGODB_URI: string;
  MONGODB_TLS_CA_FILE?: string | undefined;
  MONGODB_TLS_CERT_KEY_FILE?: string | undefined;
}

/** A configuration problem, named by its variable; config.ts prefixes `invalid configuration: `. */
export class ConnectionSettingError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConnectionSettingError';
  }
}

function readFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const reason = typeof code === 'string' ? code : 'unreadable';
    throw new ConnectionSettingError(variable, `cannot read ${file} (${reason})`);
  }
}

/** Parses every certificate of a PEM bundle; fails on a file with none, or with one that has expired. */
function certificatesIn(variable: string, file: string, pem: Buffer, now: Date): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConnectionSettingError(variable, `${file} holds no PEM certificate`);
  return blocks.map((block) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      throw new ConnectionSettingError(variable, `${file} holds a certificate that cannot be parsed`);
    }
    if (new Date(certificate.validTo).getTime() < now.getTime()) {
      throw new ConnectionSettingError(variable, `the certificate in ${file} expired on ${certificate.validTo}`);
    }
    return certificate;
  });
}

function privateKeyIn(variable: string, file: string, pem: Buffer): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.toString('utf8'))) {
    throw new ConnectionSettingError(variable, `${file} holds no PEM private key`);
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw new ConnectionSettingError(variable, `${file} holds a private key that cannot be parsed (encrypted?)`);
  }
}

/**
 * Reads and checks the Temporal connection variables: the files exist and hold PEM certificates and keys, a client
 * certificate comes with its own key, nothing contradicts TEMPORAL_TLS.
 * @throws ConnectionSettingError naming the variable
 */
export function temporalConnectionFrom(env: ConnectionEnv, now = new Date()): TemporalConnectionSettings {
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    const missing = certPath ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
    throw new ConnectionSettingError(
      missing,
      'mTLS needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or neither)',
    );
  }
  if (env.TEMPORAL_API_KEY && env.TEMPORAL_API_KEY_FILE) {
    throw new ConnectionSettingError(
      'TEMPORAL_API_KEY_FILE',
      'set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both',
    );
  }
  let apiKey = env.TEMPORAL_API_KEY;
  if (env.TEMPORAL_API_KEY_FILE) {
    apiKey = readFile('TEMPORAL_API_KEY_FILE', env.TEMPORAL_API_KEY_FILE).toString('utf8').trim();
    if (!apiKey) throw new ConnectionSettingError('TEMPORAL_API_KEY_FILE', `${env.TEMPORAL_API_KEY_FILE} is empty`);
  }
  const tlsFilesGiven = Boolean(certPath || caPath || serverName);
  if (env.TEMPORAL_TLS === 'false' && tlsFilesGiven) {
    throw new ConnectionSettingError(
      'TEMPORAL_TLS',
      'is false, but TLS settings are given (TEMPORAL_TLS_CLIENT_CERT_PATH, _SERVER_CA_CERT_PATH or _SERVER_NAME)',
    );
  }
  const tlsOn = env.TEMPORAL_TLS === 'true' || tlsFilesGiven || (apiKey !== undefined && env.TEMPORAL_TLS !== 'false');
  if (!tlsOn) return { tls: undefined, apiKey, connectTimeoutMs: env.TEMPORAL_CONNECT_TIMEOUT_MS };

  const tls: TemporalTlsSettings = {};
  if (caPath) {
    const pem = readFile('TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath);
    certificatesIn('TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath, pem, now);
    tls.serverRootCACertificate = pem;
  }
  if (certPath && keyPath) {
    const crt = readFile('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath);
    const [leaf] = certificatesIn('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath, crt, now);
    const key = readFile('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath);
    const privateKey = privateKeyIn('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath, key);
    if (leaf && !leaf.checkPrivateKey(privateKey)) {
      throw new ConnectionSettingError(
        'TEMPORAL_TLS_CLIENT_KEY_PATH',
        `the key in ${keyPath} does not belong to the certificate in ${certPath}`,
      );
    }
    tls.clientCertPair = { crt, key };
  }
  if (serverName) tls.serverNameOverride = serverName;
  return { tls, apiKey, connectTimeoutMs: env.TEMPORAL_CONNECT_TIMEOUT_MS };
}

/**
 * Checks MONGODB_URI with the MongoDB driver's own parser (hosts, replicaSet, tls and every other option) and the TLS
 * files named by MONGODB_TLS_CA_FILE and MONGODB_TLS_CERT_KEY_FILE (or by the URI's tlsCAFile/tlsCertificateKeyFile).
 * @throws ConnectionSettingError naming the variable
 */
export function mongoConnectionFrom(
  env: ConnectionEnv,
  now = new Date(),
): { options: MongoConnectionSettings; deployment: MongoDeploymentSummary } {
  const uri = env.MONGODB_URI;
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) {
    throw new ConnectionSettingError('MONGODB_URI', 'must start with mongodb:// or mongodb+srv://');
  }
  const options: MongoConnectionSettings = {};
  if (env.MONGODB_TLS_CA_FILE) options.tlsCAFile = env.MONGODB_TLS_CA_FILE;
  if (env.MONGODB_TLS_CERT_KEY_FILE) options.tlsCertificateKeyFile = env.MONGODB_TLS_CERT_KEY_FILE;
  let parsed: mongo.MongoClientOptions & { hosts: { toString(): string }[] };
  try {
    // The constructor parses and validates the URI and options; it does not connect.
    parsed = new mongo.MongoClient(uri, options).options as typeof parsed;
  } catch (error) {
    const message = (error as { message?: unknown } | undefined)?.message;
    const reason = typeof message === 'string' ? message.split(uri).join('<MONGODB_URI>') : 'cannot be parsed';
    throw new ConnectionSettingError('MONGODB_URI', `is not a valid MongoDB connection string (${reason})`);
  }
  const caFile = parsed.tlsCAFile;
  if (caFile) {
    const variable = env.MONGODB_TLS_CA_FILE ? 'MONGODB_TLS_CA_FILE' : 'MONGODB_URI (tlsCAFile)';
    certificatesIn(variable, caFile, readFile(variable, caFile), now);
  }
  const certKeyFile = parsed.tlsCertificateKeyFile;
  if (certKeyFile) {
    const variable = env.MONGODB_TLS_CERT_KEY_FILE
      ? 'MONGODB_TLS_CERT_KEY_FILE'
      : 'MONGODB_URI (tlsCertificateKeyFile)';
    const pem = readFile(variable, certKeyFile);
    const [leaf] = certificatesIn(variable, certKeyFile, pem, now);
    const key = privateKeyIn(variable, certKeyFile, pem);
    if (leaf && !leaf.checkPrivateKey(key)) {
      throw new ConnectionSettingError(variable, `the key in ${certKeyFile} does not belong to its certificate`);
    }
  }
  return {
    options,
    deployment: {
      hosts: parsed.hosts.map((host) => host.toString()),
      replicaSet: parsed.replicaSet,
      tls: Boolean(parsed.tls),
    },
  };
}
