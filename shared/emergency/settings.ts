import { auditTableName } from '../audit/settings';
import { rotationLedgerTableName } from '../rotation/ledger';
import { resourceNames } from '../resource-names';
import { oneOf, setting, stageNamed } from '../settings/fields';
import { readSettings } from '../settings/read';

/** How the emergency function gets a secret rotated. */
export type EmergencyRotationMode = 'service' | 'function';

/** The emergency function's settings. */
export interface EmergencySettings {
  emergencyTable: string;
  /** The rotation ledger, where the function grants each revocation it asks the rotate function for. */
  rotationLedgerTable: string;
  auditTable: string;
  findingsBus: string;
  /** The rotate function (name or ARN): it revokes, and in `function` mode runs each step. */
  rotateFunction: string;
  /**
   * `service` (AWS): RotateSecret, so Secrets Manager runs the rotate function. `function` (the
   * local AWS, where no service runs rotations): stage the version, then invoke the rotate
   * function for each step as the service would.
   */
  rotationMode: EmergencyRotationMode;
}

/** The emergency table's name for a stage. */
export const emergencyTableName = (stage: string) => resourceNames(stage).tables.emergency;

/**
 * From the environment: `KEYWARDEN_EMERGENCY_TABLE`, `KEYWARDEN_ROTATION_LEDGER_TABLE`, `KEYWARDEN_AUDIT_TABLE`,
 * `KEYWARDEN_FINDINGS_BUS`, `KEYWARDEN_ROTATE_FUNCTION` (each derived from `KEYWARDEN_STAGE` when
 * unset) and `KEYWARDEN_EMERGENCY_ROTATION` (`service`, the default, or `function`).
 */
export function emergencySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EmergencySettings {
  return readSettings(emergencySettingsSchema, env);
}

/** The emergency settings' schema (shared/settings). */
export const emergencySettingsSchema = {
  emergencyTable: stageNamed('KEYWARDEN_EMERGENCY_TABLE', emergencyTableName),
  rotationLedgerTable: stageNamed('KEYWARDEN_ROTATION_LEDGER_TABLE', rotationLedgerTableName),
  auditTable: stageNamed('KEYWARDEN_AUDIT_TABLE', auditTableName),
  findingsBus: stageNamed('KEYWARDEN_FINDINGS_BUS', (stage) => resourceNames(stage).findingsBus),
  rotateFunction: stageNamed('KEYWARDEN_ROTATE_FUNCTION', (stage) => resourceNames(stage).functions.rotate),
  rotationMode: setting('KEYWARDEN_EMERGENCY_ROTATION', oneOf<EmergencyRotationMode>(['service', 'function']), 'service'),
};
