import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a CA made on this machine and a server certificate it signed. */
export interface LocalCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A second CA that signed nothing here: trusting it must fail verification. */
  wrongCaFile: string;
}

/**
 * Makes a CA and a server certificate for `localhost` and 127.0.0.1 with openssl, in `dir`, when
 * asked (nothing secret is committed), valid for two days: the local database cluster and the
 * tests' TLS servers use them. Another CA stands in for "the wrong CA".
 */
export function makeLocalCertificates(dir: string): LocalCertificates {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  for (const ca of ['ca', 'wrong-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=keywarden local ${ca}`,
      '-keyout', at(`${ca}.key`), '-out', at(`${ca}.pem`), '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', at('server.key'), '-out', at('server.csr'));
  const extensions = at('server.ext');
  writeFileSync(extensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial',
    '-days', '2', '-out', at('server.pem'), '-extfile', extensions);
  return { caFile: at('ca.pem'), certFile: at('server.pem'), keyFile: at('server.key'), wrongCaFile: at('wrong-ca.pem') };
}
