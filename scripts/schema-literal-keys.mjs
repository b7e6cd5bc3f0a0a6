// The SDK clients' schemas (dist-es/schemas/schemas_0.js) name trait keys through string
// constants: `{ [_h]: ["POST", "/…", 200] }`. esbuild cannot prove a computed key free of side
// effects, so it keeps every operation's schema of a client, used or not (the Lambda client: 45 KB
// for the one Invoke the functions make). This plugin writes each such key as the string literal
// its constant holds (`{ "http": … }`), the same object, so esbuild drops the schemas nothing uses.
// Only `[_name]:` keys whose `_name` is a top-level `const _name = "…"` of the same file change.
import { readFileSync } from 'node:fs';

const SCHEMAS = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

export const schemaLiteralKeys = {
  name: 'schema-literal-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMAS }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const constants = new Map();
      for (const [, name, value] of source.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm)) constants.set(name, value);
      const contents = source.replace(/\[(_\w+)\]:/g, (key, name) => (constants.has(name) ? `${constants.get(name)}:` : key));
      return { contents, loader: 'js' };
    });
  },
};
