import { describe, expect, it } from 'vitest';
import { generatedStrategies } from '../../../../shared/rotation/strategies';
import { rotationStrategies, strategyByName } from '../../../../shared/aws/rotation-strategies';

describe('strategy registry', () => {
  it('registers every generated strategy under its own name', () => {
    expect(Object.keys(generatedStrategies).sort()).toEqual(['api-key', 'encryption-keyring', 'jwt-keyset', 'password']);
    for (const [name, strategy] of Object.entries(generatedStrategies)) {
      expect(strategy.name).toBe(name);
      expect(strategyByName(name)).toBe(strategy);
      expect(rotationStrategies[name]).toBe(strategy);
    }
  });

  it('finds nothing for unknown names or inherited properties', () => {
    for (const name of ['nope', 'constructor', '__proto__', 'toString', 'Password']) expect(strategyByName(name)).toBeUndefined();
  });
});
