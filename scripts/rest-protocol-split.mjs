// Keeps the SDK's REST, query and XML protocols out of a bundle's cold start when only a lazily
// imported client uses them (the Lambda client: REST JSON; the IAM and STS clients of the
// iam-access-key strategy: query, with the XML parser). @aws-sdk/core/protocols and @smithy/core/protocols are barrel files: each re-exports
// every protocol, so once any chunk uses AwsRestJsonProtocol (the Lambda client, loaded by the
// rotate function only when a custom secret rotates), esbuild counts it reachable from every entry
// that imports the barrel (the Secrets Manager client, at init) and places it in a chunk loaded at
// init. This plugin takes the REST protocol classes out of both barrels and gives the files that
// import them a barrel of their own with them added back, so they are reachable only from those
// files' chunks. Behaviour is unchanged: the same classes, from the same files.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const awsProtocols = join(dirname(require.resolve('@aws-sdk/core/package.json')), 'dist-es', 'submodules', 'protocols');
const smithyEs = join(dirname(require.resolve('@smithy/core/package.json')), 'dist-es');
const smithyProtocols = join(smithyEs, 'submodules', 'protocols');
const smithySerde = join(smithyEs, 'submodules', 'serde');
const smithyClient = join(smithyEs, 'submodules', 'client');

const SPLIT = {
  '@aws-sdk/core/protocols': {
    barrel: join(awsProtocols, 'index.js'),
    moved: {
      AwsRestJsonProtocol: join(awsProtocols, 'json', 'AwsRestJsonProtocol.js'),
      AwsQueryProtocol: join(awsProtocols, 'query', 'AwsQueryProtocol.js'),
      AwsEc2QueryProtocol: join(awsProtocols, 'query', 'AwsEc2QueryProtocol.js'),
      QueryShapeSerializer: join(awsProtocols, 'query', 'QueryShapeSerializer.js'),
      AwsRestXmlProtocol: join(awsProtocols, 'xml', 'AwsRestXmlProtocol.js'),
      XmlCodec: join(awsProtocols, 'xml', 'XmlCodec.js'),
      XmlShapeDeserializer: join(awsProtocols, 'xml', 'XmlShapeDeserializer.js'),
      XmlShapeSerializer: join(awsProtocols, 'xml', 'XmlShapeSerializer.js'),
      parseXmlBody: join(awsProtocols, 'xml', 'parseXmlBody.js'),
      parseXmlErrorBody: join(awsProtocols, 'xml', 'parseXmlBody.js'),
      loadRestXmlErrorCode: join(awsProtocols, 'xml', 'parseXmlBody.js'),
    },
  },
  '@smithy/core/protocols': {
    barrel: join(smithyProtocols, 'index.js'),
    moved: {
      HttpBindingProtocol: join(smithyProtocols, 'HttpBindingProtocol.js'),
      HttpInterceptingShapeDeserializer: join(smithyProtocols, 'serde', 'HttpInterceptingShapeDeserializer.js'),
      HttpInterceptingShapeSerializer: join(smithyProtocols, 'serde', 'HttpInterceptingShapeSerializer.js'),
      FromStringShapeDeserializer: join(smithyProtocols, 'serde', 'FromStringShapeDeserializer.js'),
      ToStringShapeSerializer: join(smithyProtocols, 'serde', 'ToStringShapeSerializer.js'),
      extendedEncodeURIComponent: join(smithyProtocols, 'extended-encode-uri-component.js'),
    },
  },
  // The serde helpers that only those protocols use (header splitting and quoting, the HTTP date
  // parsers), the XML text-node reader, and the no-auth signer only the STS client registers.
  '@smithy/core/serde': {
    barrel: join(smithySerde, 'index.js'),
    moved: {
      _parseEpochTimestamp: join(smithySerde, 'schema-serde-lib', 'schema-date-utils.js'),
      _parseRfc3339DateTimeWithOffset: join(smithySerde, 'schema-serde-lib', 'schema-date-utils.js'),
      _parseRfc7231DateTime: join(smithySerde, 'schema-serde-lib', 'schema-date-utils.js'),
      splitEvery: join(smithySerde, 'split-every.js'),
      splitHeader: join(smithySerde, 'split-header.js'),
      quoteHeader: join(smithySerde, 'quote-header.js'),
    },
  },
  '@smithy/core/client': {
    barrel: join(smithyClient, 'index.js'),
    moved: { getValueFromTextNode: join(smithyClient, 'smithy-client', 'get-value-from-text-node.js') },
  },
  '@smithy/core': {
    barrel: join(smithyEs, 'index.js'),
    moved: { NoAuthSigner: join(smithyEs, 'legacy-root-exports', 'util-identity-and-auth', 'httpAuthSchemes', 'noAuth.js') },
  },
};

const importsAny = (file, names) => {
  const text = readFileSync(file, 'utf8');
  return names.some((name) => new RegExp(`\\b${name}\\b`).test(text));
};

export const restProtocolSplit = {
  name: 'rest-protocol-split',
  setup(build) {
    build.onResolve({ filter: /^@(aws-sdk\/core\/protocols|smithy\/core(\/(protocols|serde|client))?)$/ }, ({ path, importer }) => {
      const split = SPLIT[path];
      if (!split || !importer || !importsAny(importer, Object.keys(split.moved))) return undefined;
      return { path, namespace: 'kw-rest-protocols' };
    });
    build.onLoad({ filter: /.*/, namespace: 'kw-rest-protocols' }, ({ path }) => {
      const { barrel, moved } = SPLIT[path];
      const lines = [`export * from ${JSON.stringify(barrel)};`, ...Object.entries(moved).map(([name, file]) => `export { ${name} } from ${JSON.stringify(file)};`)];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: dirname(barrel) };
    });
    for (const { barrel, moved } of Object.values(SPLIT)) {
      const escaped = barrel.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      build.onLoad({ filter: new RegExp(`^${escaped}$`) }, () => {
        // A moved name leaves its export line; a line left with no name goes (one line exports
        // three XML helpers, another the no-auth signer beside eight names kept).
        const kept = readFileSync(barrel, 'utf8')
          .split('\n')
          .map((line) => {
            const match = /^export \{ ([^}]+) \} from (.*)$/.exec(line);
            if (!match) return line;
            const names = match[1].split(',').map((name) => name.trim()).filter(Boolean);
            const left = names.filter((name) => !(name in moved));
            if (left.length === names.length) return line;
            return left.length ? `export { ${left.join(', ')} } from ${match[2]}` : '';
          });
        return { contents: kept.join('\n'), loader: 'js', resolveDir: dirname(barrel) };
      });
    }
  },
};
