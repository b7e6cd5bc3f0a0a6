// `npm run bench`: prints keywarden's figures; `npm run bench -- rotation-calls rotation-db`
// prints only the parts named. Nothing here asserts; the machine is shared and noisy, so each
// figure comes with a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { printBundleFigures } from './bundles';
import { printRotationFigures } from './rotation-calls';
import { printDatabaseRotationFigures } from './rotation-db';
import { printContinuousLoginFigures } from './rotation-db-continuous';
import { printCustomRotationFigures } from './rotation-custom';
import { printCustomShapeFigures } from './rotation-custom-shapes';
import { printStalenessFigures } from './staleness';
import { printScheduleAssessmentFigures } from './staleness-schedules';
import { printStalenessAccountsFigures } from './staleness-accounts';
import { printAlertingFigures } from './alerting';
import { printAuditFigures } from './audit';
import { printAuditFuzzFigures } from './audit-fuzz';
import { printParameterFigures } from './ssm-parameters';
import { printDetectionStateFigures } from './detection-state';
import { printConsumerFigures } from './consumers';
import { printLocalAwsFigures } from './local-aws';

const PARTS: Readonly<Record<string, () => void | Promise<void>>> = {
  bundles: printBundleFigures,
  'rotation-calls': printRotationFigures,
  'rotation-db': printDatabaseRotationFigures,
  'rotation-db-continuous': printContinuousLoginFigures,
  'rotation-custom': printCustomRotationFigures,
  'rotation-custom-shapes': printCustomShapeFigures,
  staleness: printStalenessFigures,
  'staleness-schedules': printScheduleAssessmentFigures,
  'staleness-accounts': printStalenessAccountsFigures,
  alerting: printAlertingFigures,
  audit: printAuditFigures,
  'audit-fuzz': printAuditFuzzFigures,
  'ssm-parameters': printParameterFigures,
  'detection-state': printDetectionStateFigures,
  consumers: printConsumerFigures,
  'local-aws': printLocalAwsFigures,
};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const asked = process.argv.slice(2);
const unknown = asked.filter((part) => !Object.hasOwn(PARTS, part));
if (unknown.length > 0) {
  console.error(`unknown bench part ${unknown.join(', ')}; known: ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
if (asked.length === 1) {
  await PARTS[asked[0]!]!();
} else {
  // Each part in a process of its own: a function bundle is loaded once per process and keeps the
  // local AWS endpoint it was first given, and two parts start local AWSes of their own.
  for (const part of asked.length > 0 ? asked : Object.keys(PARTS)) {
    const { status } = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, part], { stdio: 'inherit' });
    if (status !== 0) process.exit(status ?? 1);
  }
}
