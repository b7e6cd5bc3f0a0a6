import type { BindingRegistry, RotationBinding } from '../../shared/rotation/binding';
import { parseBinding } from '../../shared/rotation/binding-record';

/** Bindings in memory, checked as the DynamoDB adapter checks them; for unit tests. */
export class MemoryBindings implements BindingRegistry {
  readonly items = new Map<string, RotationBinding>();
  /** How many times get was called: the DynamoDB GetItem calls a real step would make. */
  gets = 0;

  async get(secretArn: string): Promise<RotationBinding | undefined> {
    this.gets += 1;
    return this.items.get(secretArn);
  }

  async put(binding: RotationBinding): Promise<void> {
    this.items.set(binding.secretArn, parseBinding(binding));
  }

  async remove(secretArn: string): Promise<boolean> {
    return this.items.delete(secretArn);
  }

  async list(): Promise<RotationBinding[]> {
    return [...this.items.values()];
  }
}
