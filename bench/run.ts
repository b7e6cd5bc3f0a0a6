// `npm run bench`: prints keywarden's figures. Nothing here asserts; the machine is shared and
// noisy, so each figure comes with a baseline measured in the same run.
import { printBundleFigures } from './bundles';
import { printRotationFigures } from './rotation-calls';
import { printDatabaseRotationFigures } from './rotation-db';
import { printStalenessFigures } from './staleness';
import { printAlertingFigures } from './alerting';
import { printAuditFigures } from './audit';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
printBundleFigures();
await printRotationFigures();
await printDatabaseRotationFigures();
await printStalenessFigures();
await printAlertingFigures();
await printAuditFigures();
