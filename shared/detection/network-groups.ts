import { BlockList, isIP } from 'node:net';
import type { AuditRecord } from '../audit/record';

/**
 * Where a call came from, grouped so that a principal's ordinary spread of addresses is a few
 * groups: every private address is one group (a VPC's addresses change with every task and
 * instance), a VPC endpoint is its own, a public IPv4 address is its /24 and an IPv6 address its
 * /48 (roughly one site or one provider's block), and an AWS service acting for the caller
 * (`secretsmanager.amazonaws.com`, `AWS Internal`) is named by itself. Only public groups can be
 * "a new network" for a finding: a private address was reached from inside the account's networks.
 */
export interface NetworkGroup {
  /** The group's label: `private`, `vpce:<id>`, `v4:203.0.113.0/24`, `v6:2001:db8:1::/48`, `aws:<name>`. */
  readonly label: string;
  readonly isPublic: boolean;
}

const PRIVATE = new BlockList();
for (const [address, bits] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
] as const) {
  PRIVATE.addSubnet(address, bits, 'ipv4');
}
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');

/** The one group of every private address. */
export const PRIVATE_GROUP: NetworkGroup = Object.freeze({ label: 'private', isPublic: false });
const UNKNOWN_GROUP: NetworkGroup = Object.freeze({ label: 'unknown', isPublic: false });

/** Private IPv4 ranges by their first two octets, without BlockList's cost: most calls come from a VPC. */
function isPrivateV4(a: number, b: number): boolean {
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
}

/**
 * The group of a dotted IPv4 address (each octet 0-255, 1-3 digits), else undefined. Read without
 * a regular expression, and without allocating for a private address (most calls come from a VPC,
 * each from an address of its own).
 */
function ipv4Group(ip: string): NetworkGroup | undefined {
  if (ip.length < 7 || ip.length > 15) return undefined;
  let a = 0;
  let b = 0;
  let c = 0;
  let octet = 0;
  let part = 0;
  let digits = 0;
  for (let i = 0; i < ip.length; i += 1) {
    const code = ip.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || part === 3) return undefined;
      if (part === 0) a = octet;
      else if (part === 1) b = octet;
      else c = octet;
      part += 1;
      digits = 0;
      octet = 0;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      octet = octet * 10 + (code - 48);
      digits += 1;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (part !== 3 || digits === 0) return undefined;
  if (isPrivateV4(a, b)) return PRIVATE_GROUP;
  return { label: `v4:${a}.${b}.${c}.0/24`, isPublic: true };
}

/** The record's network group. */
export function networkGroupOf(record: AuditRecord): NetworkGroup {
  if (record.vpcEndpointId) return { label: `vpce:${record.vpcEndpointId.slice(0, 64)}`, isPublic: false };
  const ip = record.sourceIp;
  if (!ip) return UNKNOWN_GROUP;
  const v4 = ipv4Group(ip);
  if (v4) return v4;
  const family = isIP(ip);
  if (family === 0) return { label: `aws:${ip.slice(0, 64)}`, isPublic: false };
  if (PRIVATE.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return PRIVATE_GROUP;
  if (family === 4) return { label: `v4:${ip.split('.').slice(0, 3).join('.')}.0/24`, isPublic: true };
  return { label: `v6:${ipv6Prefix48(ip)}::/48`, isPublic: true };
}

/** The first three groups of an IPv6 address, `::` expanded. */
function ipv6Prefix48(ip: string): string {
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups
    .slice(0, 3)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':');
}
