import { describe, expect, it } from 'vitest';
import { databaseStrategies } from '../../../../shared/rotation/strategies';
import { rotationStrategies, strategyByName } from '../../../../shared/aws/rotation-strategies';

describe('database strategies in the registry', () => {
  it('are registered under the engine names of AWS\'s database secrets', () => {
    expect(Object.keys(databaseStrategies).sort()).toEqual(['mariadb', 'mysql', 'postgres', 'redis']);
    expect(strategyByName('mariadb')).toBe(strategyByName('mysql'));
    for (const name of Object.keys(databaseStrategies)) expect(rotationStrategies[name]).toBe(databaseStrategies[name]);
  });
});
