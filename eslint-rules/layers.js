// The layers of the code base, as an ESLint rule (`keywarden/layers`), so a wrong-way import fails
// `npm run lint` instead of waiting for a reviewer:
// - the AWS SDK only in shared/aws/ (the adapters) and the local tools (cli/local/, cli/demo/),
//   besides bench/, scripts/ and test/;
// - shared/ never imports cli/ or functions/; one function never imports another's folder;
// - a stage folder of shared/ imports only stages below it in STAGE_ORDER, and of those only the
//   modules the stage offers (its contract in STAGE_CONTRACTS), never its internals. shared/'s
//   top-level files (the finding, tenancy, config, clock, errors...) and its base folders
//   (settings/) import no stage at all.
//   shared/aws/ is exempt: it implements the stages' interfaces over the SDK and wires them;
// - inside a stage, the folders of INNER_ORDER import one way (rotation: values ← db ← strategies).
import { statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Lower first: a stage may import the stages before it, never those at its level or after. */
export const STAGE_ORDER = [
  ['schedule', 'middleware'],
  ['audit'],
  ['detection', 'alerting'],
  ['rotation'],
  ['consumers'],
  ['staleness'],
  ['emergency'],
  ['ssm', 'refresh'],
];

/** What each stage offers the stages above it (module paths inside the stage folder). */
export const STAGE_CONTRACTS = {
  schedule: ['rotation-schedule'],
  audit: ['actions', 'bounded', 'member-accounts', 'normalise', 'record', 'settings', 'ssm-parameters', 'store'],
  detection: ['client-families'],
  alerting: [],
  rotation: ['contract', 'driver', 'ledger', 'pending-guard', 'request', 'resolve-strategy', 'revoke', 'rotation-event', 'strategies', 'strategy'],
  consumers: ['finding', 'freshness', 'map', 'reader', 'settings'],
  staleness: ['assess', 'inventory'],
  emergency: ['access-review', 'doctor', 'finding', 'ledger', 'report', 'request'],
  middleware: [],
  ssm: [],
  refresh: [],
};

/**
 * Inside a stage, folders that import one way only (earlier never imports later): in rotation, the
 * value helpers, then the database engines, then the strategies that compose them.
 */
export const INNER_ORDER = {
  rotation: ['values', 'db', 'strategies'],
};

const SDK = /^@(aws-sdk|smithy)\//;
const SDK_ALLOWED = ['shared/aws/', 'cli/local/', 'cli/demo/', 'bench/', 'scripts/', 'test/', 'examples/'];

const rankOf = new Map(STAGE_ORDER.flatMap((stages, rank) => stages.map((stage) => [stage, rank])));

/**
 * Folders of shared/ that belong to its base with the top-level files (every stage may import
 * them, and they import no stage): the one way of reading the environment.
 */
export const BASE_FOLDERS = ['settings'];

/** `shared/<stage>/...` → stage; a top-level shared file or a base folder → '' ; elsewhere undefined. */
function stageOf(path) {
  const parts = path.split('/');
  if (parts[0] !== 'shared') return undefined;
  // `shared/<x>` is a top-level file, unless <x> is a folder (an import of a stage's index).
  if (parts.length === 2 && !isFolder(join(ROOT, path))) return '';
  return BASE_FOLDERS.includes(parts[1]) ? '' : parts[1];
}

function isFolder(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Why importing `target` (a repo path, no extension) from `file` breaks a layer, or undefined. */
export function layerViolation(file, target) {
  if (file.startsWith('shared/') && (target.startsWith('cli/') || target.startsWith('functions/'))) return `shared/ never imports ${target.split('/')[0]}/`;
  const [fileTop, fileFn] = file.split('/');
  const [targetTop, targetFn] = target.split('/');
  if (fileTop === 'functions' && targetTop === 'functions' && fileFn !== targetFn) return `functions/${fileFn} imports functions/${targetFn}: share it through shared/`;
  const from = stageOf(file);
  const to = stageOf(target);
  if (from !== undefined && from === to) return innerViolation(from, file, target);
  if (from === undefined || to === undefined || from === 'aws' || to === '') return undefined;
  if (to === 'aws') return `shared/${from || '<top>'} imports the adapters (shared/aws): take an interface and let shared/aws wire it`;
  if (from === '') return `shared/'s top-level files import no stage, and this imports shared/${to}`;
  const fromRank = rankOf.get(from);
  const toRank = rankOf.get(to);
  if (fromRank === undefined || toRank === undefined) return `shared/${fromRank === undefined ? from : to} has no place in STAGE_ORDER (eslint-rules/layers.js)`;
  if (toRank >= fromRank) return `shared/${from} imports shared/${to}, which is not below it in STAGE_ORDER`;
  const module = target.split('/').slice(2).join('/');
  if (!STAGE_CONTRACTS[to].includes(module)) return `shared/${from} imports shared/${to}/${module}, which is not in shared/${to}'s contract (STAGE_CONTRACTS)`;
  return undefined;
}

function innerViolation(stage, file, target) {
  const order = INNER_ORDER[stage];
  if (!order) return undefined;
  const fromIndex = order.indexOf(file.split('/')[2]);
  const toIndex = order.indexOf(target.split('/')[2]);
  if (fromIndex < 0 || toIndex < 0 || toIndex <= fromIndex) return undefined;
  return `shared/${stage}/${order[fromIndex]} imports shared/${stage}/${order[toIndex]}: in shared/${stage}, ${order.join(' → ')} import leftward only`;
}

const rule = {
  meta: { type: 'problem', docs: { description: 'keeps the layers: the SDK in the adapters, stages importing downward and only contracts' }, schema: [] },
  create(context) {
    const file = relative(ROOT, context.filename).split('\\').join('/');
    function check(node, source) {
      if (typeof source !== 'string') return;
      if (SDK.test(source)) {
        if (!SDK_ALLOWED.some((prefix) => file.startsWith(prefix))) context.report({ node, message: `${source} outside shared/aws and the local tools: use an adapter in shared/aws` });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = normalize(join(dirname(file), source)).split('\\').join('/').replace(/\.(js|ts)$/, '').replace(/\/index$/, '');
      const why = layerViolation(file, target);
      if (why) context.report({ node, message: why });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => checkComputed(node, node.source),
      // require() and `import x = require()` bundle like imports, so they are held to the same layers.
      CallExpression: (node) => node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1 && checkComputed(node, node.arguments[0]),
      TSImportEqualsDeclaration: (node) => node.moduleReference.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression.value),
    };
    /**
     * A literal or an expression-free template is checked; in the bundled code (shared/, functions/)
     * any other path cannot be, so it is refused. The CLI loads the built bundles by their paths.
     */
    function checkComputed(node, source) {
      if (source.type === 'Literal') return check(node, source.value);
      if (source.type === 'TemplateLiteral' && source.expressions.length === 0) return check(node, source.quasis[0].value.cooked);
      if (!file.startsWith('shared/') && !file.startsWith('functions/')) return;
      context.report({ node, message: 'an import whose path is computed cannot be checked against the layers: write the path as a string' });
    }
  },
};

export default { rules: { layers: rule } };
