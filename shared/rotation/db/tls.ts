import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { TlsSettings } from './config';

/**
 * The Node TLS options every driver gets: the certificate chain is verified, and so is the name,
 * against the configured server name whatever address the socket dialled. Drivers that pass an
 * IP address, or pass no `servername` for one, would otherwise check the wrong name or none.
 */
export function tlsOptions(tls: TlsSettings): ConnectionOptions {
  const options: ConnectionOptions = {
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(tls.servername, cert),
  };
  if (tls.ca !== undefined) options.ca = tls.ca;
  // SNI takes a host name only; an IP address there makes Node warn and is ignored by servers.
  if (!/^[\d.]+$|:/.test(tls.servername)) options.servername = tls.servername;
  return options;
}
