// `npm run bench`: prints keywarden's figures. Nothing here asserts; the machine is shared and
// noisy, so each figure comes with a baseline measured in the same run. Name parts to run only
// those: `npm run bench -- bundles alerting`.
import { printBundleFigures } from './bundles';
import { printRotationFigures } from './rotation-calls';
import { printDatabaseRotationFigures } from './rotation-db';
import { printStalenessFigures } from './staleness';
import { printAlertingFigures } from './alerting';
import { printAuditFigures } from './audit';

const PARTS: Record<string, () => void | Promise<void>> = {
  bundles: printBundleFigures,
  rotation: printRotationFigures,
  'rotation-db': printDatabaseRotationFigures,
  staleness: printStalenessFigures,
  alerting: printAlertingFigures,
  audit: printAuditFigures,
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !Object.hasOwn(PARTS, name));
if (unknown.length > 0) throw new Error(`unknown bench part(s) ${unknown.join(', ')}; the parts are ${Object.keys(PARTS).join(', ')}`);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
for (const [name, print] of Object.entries(PARTS)) {
  if (chosen.length === 0 || chosen.includes(name)) await print();
}
