import { z } from 'zod';
import { auditTableName } from '../audit/settings';
import { readEnv } from '../config';
import { ConfigError } from '../errors';
import { rotationLedgerTableName } from '../rotation/ledger';
import { resourceNames } from '../resource-names';

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
  const raw = readEnv(
    z.object({
      KEYWARDEN_STAGE: z.string().min(1).optional(),
      KEYWARDEN_EMERGENCY_TABLE: z.string().min(3).optional(),
      KEYWARDEN_ROTATION_LEDGER_TABLE: z.string().min(3).optional(),
      KEYWARDEN_AUDIT_TABLE: z.string().min(3).optional(),
      KEYWARDEN_FINDINGS_BUS: z.string().min(1).optional(),
      KEYWARDEN_ROTATE_FUNCTION: z.string().min(1).optional(),
      KEYWARDEN_EMERGENCY_ROTATION: z.enum(['service', 'function']).default('service'),
    }),
    env,
  );
  const derive = (value: string | undefined, name: (stage: string) => string, variable: string) => {
    if (value) return value;
    if (raw.KEYWARDEN_STAGE) return name(raw.KEYWARDEN_STAGE);
    throw new ConfigError(`invalid configuration: ${variable} is not set and neither is KEYWARDEN_STAGE to derive it from`);
  };
  return {
    emergencyTable: derive(raw.KEYWARDEN_EMERGENCY_TABLE, emergencyTableName, 'KEYWARDEN_EMERGENCY_TABLE'),
    rotationLedgerTable: derive(raw.KEYWARDEN_ROTATION_LEDGER_TABLE, rotationLedgerTableName, 'KEYWARDEN_ROTATION_LEDGER_TABLE'),
    auditTable: derive(raw.KEYWARDEN_AUDIT_TABLE, auditTableName, 'KEYWARDEN_AUDIT_TABLE'),
    findingsBus: derive(raw.KEYWARDEN_FINDINGS_BUS, (stage) => resourceNames(stage).findingsBus, 'KEYWARDEN_FINDINGS_BUS'),
    rotateFunction: derive(raw.KEYWARDEN_ROTATE_FUNCTION, (stage) => resourceNames(stage).functions.rotate, 'KEYWARDEN_ROTATE_FUNCTION'),
    rotationMode: raw.KEYWARDEN_EMERGENCY_ROTATION,
  };
}
