// Test certificates made with the machine's openssl: a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate signed by it, and a stray key that belongs to neither. Written into a directory the caller owns.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Paths of the PEM files that makeTlsFiles wrote. */
export interface TlsFiles {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The client's certificate and key in one file (MongoDB's tlsCertificateKeyFile). */
  clientCertKey: string;
  /** A private key that belongs to no certificate here. */
  strayKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a CA, a server and a client certificate (EC P-256, valid 2 days) in `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const file = (name: string) => path.join(dir, name);
  const key = (name: string) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name], dir);
  key('ca.key');
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=settleflow test CA', '-days', '2', '-out', 'ca.pem'],
    dir,
  );
  const leaf = (name: string, subject: string, ext: string) => {
    key(`${name}.key`);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
    writeFileSync(file(`${name}.ext`), ext);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
      ].concat(['-extfile', `${name}.ext`, '-out', `${name}.pem`]),
      dir,
    );
  };
  leaf('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', '/CN=settleflow-worker', 'extendedKeyUsage=clientAuth\n');
  key('stray.key');
  execFileSync('sh', ['-c', 'cat client.pem client.key > client-cert-key.pem'], { cwd: dir });
  return {
    caCert: file('ca.pem'),
    caKey: file('ca.key'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    clientCertKey: file('client-cert-key.pem'),
    strayKey: file('stray.key'),
  };
}
