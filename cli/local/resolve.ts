import { ConfigError } from '../../shared/errors';

/**
 * CloudFormation's intrinsic functions, evaluated the way CloudFormation would for one stack, so
 * the local AWS can be built from the very template that ships. Pure: every value it needs is in
 * the {@link ResolveContext}, filled in as resources are created.
 */

/** moto's account: every ARN in the local AWS carries it. */
export const LOCAL_ACCOUNT_ID = '123456789012';

/** What `Ref` and `Fn::GetAtt` resolve to for one resource once it exists. */
export interface ResourceValues {
  /** The value of `{ Ref: logicalId }`. */
  ref: string;
  /** The values of `{ 'Fn::GetAtt': [logicalId, name] }`. */
  attributes: Record<string, string>;
}

/** Everything resolution reads. */
export interface ResolveContext {
  region: string;
  accountId: string;
  partition: string;
  stackName: string;
  /** Template parameters (their defaults, unless overridden). */
  parameters: Record<string, unknown>;
  /** Resources created so far, by logical id. */
  resources: Record<string, ResourceValues>;
}

/** A context for the local AWS: moto's account in `region`. */
export function localContext(stackName: string, region = 'us-east-1', parameters: Record<string, unknown> = {}): ResolveContext {
  return { region, accountId: LOCAL_ACCOUNT_ID, partition: 'aws', stackName, parameters, resources: {} };
}

/** Marks a property that `AWS::NoValue` removed. */
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Resolves every intrinsic function inside `value` (Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
 * Fn::Select, Fn::Split, Fn::ToJsonString, Fn::GetAZs) and the pseudo-parameters. Properties
 * that resolve to `AWS::NoValue` are dropped. Conditions (Fn::If and friends) are refused:
 * serverless templates have none.
 *
 * @throws ConfigError naming the reference that cannot be resolved.
 */
export function resolveValue(value: unknown, ctx: ResolveContext): unknown {
  const out = resolve(value, ctx);
  return out === NO_VALUE ? undefined : out;
}

function resolve(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, ctx)).filter((item) => item !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    if (key === 'Ref') return ref(String(arg), ctx);
    if (key.startsWith('Fn::')) return intrinsic(key, arg, ctx);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolve(item, ctx);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function intrinsic(name: string, arg: unknown, ctx: ResolveContext): unknown {
  switch (name) {
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg.map((part) => resolve(part, ctx)) : String(arg).split(/\.(.*)/s);
      return getAtt(String(id), String(attribute), ctx);
    }
    case 'Fn::Join': {
      const [delimiter, list] = expectArray(name, arg, 2);
      const items = resolve(list, ctx);
      if (!Array.isArray(items)) throw new ConfigError(`Fn::Join needs a list, got ${JSON.stringify(list)}`);
      return items.map(String).join(String(delimiter));
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(arg) ? (arg as [unknown, unknown]) : [arg, {}];
      const resolvedVariables = (resolve(variables ?? {}, ctx) ?? {}) as Record<string, unknown>;
      return sub(String(template), resolvedVariables, ctx);
    }
    case 'Fn::Select': {
      const [index, list] = expectArray(name, arg, 2);
      const items = resolve(list, ctx);
      const i = Number(resolve(index, ctx));
      if (!Array.isArray(items) || !(i in items)) throw new ConfigError(`Fn::Select index ${i} is out of range`);
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(name, arg, 2);
      return String(resolve(source, ctx)).split(String(delimiter));
    }
    case 'Fn::ToJsonString':
      return JSON.stringify(resolve(arg, ctx));
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${ctx.region}${zone}`);
    default:
      throw new ConfigError(`the local AWS cannot evaluate ${name} (in ${JSON.stringify(arg)})`);
  }
}

/** `Ref`: a pseudo-parameter, a template parameter or a created resource. */
function ref(name: string, ctx: ResolveContext): unknown {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.accountId}:stack/${ctx.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NoValue':
      return NO_VALUE;
    case 'AWS::NotificationARNs':
      return [];
  }
  if (name in ctx.parameters) return ctx.parameters[name];
  const resource = ctx.resources[name];
  if (!resource) throw new ConfigError(`Ref ${name}: no such parameter, or the resource has not been created`);
  return resource.ref;
}

function getAtt(id: string, attribute: string, ctx: ResolveContext): string {
  const resource = ctx.resources[id];
  if (!resource) throw new ConfigError(`Fn::GetAtt ${id}.${attribute}: the resource has not been created`);
  const value = resource.attributes[attribute];
  if (value === undefined) throw new ConfigError(`Fn::GetAtt ${id}.${attribute}: the local AWS does not know attribute ${attribute} of ${id}`);
  return value;
}

/** `Fn::Sub`: `${Name}`, `${Logical.Attribute}`, pseudo-parameters; `${!Literal}` stays `${Literal}`. */
function sub(template: string, variables: Record<string, unknown>, ctx: ResolveContext): string {
  return template.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (name in variables) return String(variables[name]);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return getAtt(name.slice(0, dot), name.slice(dot + 1), ctx);
    return String(ref(name, ctx));
  });
}

function expectArray(name: string, arg: unknown, length: number): unknown[] {
  if (!Array.isArray(arg) || arg.length !== length) throw new ConfigError(`${name} takes a list of ${length}, got ${JSON.stringify(arg)}`);
  return arg;
}

/**
 * The logical ids a value refers to (through Ref, Fn::GetAtt and Fn::Sub), which must exist
 * before it can be resolved. Pseudo-parameters and `Fn::Sub` variables are not dependencies.
 */
export function referencedIds(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedIds(item, found));
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, arg] = entries.length === 1 ? entries[0]! : [undefined, undefined];
    if (key === 'Ref' && typeof arg === 'string' && !arg.startsWith('AWS::')) {
      found.add(arg);
    } else if (key === 'Fn::GetAtt') {
      const id = Array.isArray(arg) ? arg[0] : String(arg).split('.')[0];
      if (typeof id === 'string') found.add(id);
    } else if (key === 'Fn::Sub') {
      const [template, variables] = Array.isArray(arg) ? (arg as [unknown, Record<string, unknown>?]) : [arg, undefined];
      const local = new Set(Object.keys(variables ?? {}));
      for (const match of String(template).matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const name = match[1]!.trim();
        if (local.has(name) || name.startsWith('AWS::')) continue;
        found.add(name.split('.')[0]!);
      }
      if (variables) referencedIds(variables, found);
    } else {
      entries.forEach(([, item]) => referencedIds(item, found));
    }
  }
  return found;
}

/**
 * The logical ids in an order where each comes after everything it refers to (and its
 * `DependsOn`). References to ids that are not resources (parameters) are ignored.
 *
 * @throws ConfigError on a cycle.
 */
export function creationOrder(resources: Record<string, { DependsOn?: string | string[]; Properties?: unknown }>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new ConfigError(`the template's resources refer to each other in a cycle: ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    const resource = resources[id]!;
    const deps = referencedIds(resource.Properties);
    for (const dep of [resource.DependsOn ?? []].flat()) deps.add(dep);
    for (const dep of [...deps].sort()) if (dep in resources) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources).sort()) visit(id, []);
  return order;
}
