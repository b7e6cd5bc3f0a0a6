import { checkServerIdentity, TLSSocket, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { TlsSettings } from './settings';

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

/**
 * True when `stream` is a TLS socket whose peer was verified: what a driver's socket is after a
 * handshake with {@link tlsOptions}. Asked of the live socket, not of the configuration, so that
 * a password decision rests on what the connection is.
 */
export function isVerifiedTls(stream: unknown): boolean {
  return stream instanceof TLSSocket && stream.encrypted === true && stream.authorized === true;
}
