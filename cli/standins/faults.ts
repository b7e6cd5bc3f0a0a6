/**
 * Faults a stand-in can inject, the way the real services fail: 429 with Retry-After, 5xx, a
 * 400, or a slow answer. Either at random (a failure rate over a set of kinds) or scripted (the
 * next requests get exactly these), so a test can provoke one precise sequence.
 */

/**
 * One way to fail a request. `slow` delays the answer, then answers normally; `302` redirects
 * to `redirectTo`, as a hijacked or misconfigured proxy would.
 */
export type FaultKind = '429' | '500' | '502' | '503' | '400' | '302' | 'slow';

/** How a stand-in misbehaves. */
export interface FaultOptions {
  /** Share of requests that fail at random, 0 to 1. Default 0. */
  failureRate?: number;
  /** What a random failure is, picked uniformly. Default 429, 500 and 503. */
  kinds?: FaultKind[];
  /** The Retry-After a 429 carries, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** How long a `slow` answer takes, in ms. Default 2000. */
  slowMs?: number;
  /** The Location of a `302`. Default `http://127.0.0.1:9/`. */
  redirectTo?: string;
  /** The body of an injected 400 or 5xx instead of the stand-in's own (a service that echoes what it got). */
  errorBody?: string;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
}

/** Decides each request's fault. */
export class FaultInjector {
  private options: ReturnType<typeof withDefaults>;
  private readonly scripted: FaultKind[] = [];

  constructor(options: FaultOptions = {}) {
    this.options = withDefaults(options);
  }

  /** Replaces the random settings (scripted faults stay queued). */
  set(options: FaultOptions): void {
    this.options = withDefaults(options);
  }

  /** The next requests get these faults, in order, before any random ones. */
  script(...kinds: Array<FaultKind | 'ok'>): void {
    this.scripted.push(...(kinds as FaultKind[]));
  }

  /** The fault for the next request, or undefined to answer it properly. */
  next(): FaultKind | undefined {
    const scripted = this.scripted.shift() as FaultKind | 'ok' | undefined;
    if (scripted !== undefined) return scripted === 'ok' ? undefined : scripted;
    const { failureRate, kinds, random } = this.options;
    if (failureRate <= 0 || kinds.length === 0 || random() >= failureRate) return undefined;
    return kinds[Math.floor(random() * kinds.length)] ?? kinds[0];
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds;
  }

  get slowMs(): number {
    return this.options.slowMs;
  }

  get redirectTo(): string {
    return this.options.redirectTo;
  }

  get errorBody(): string | undefined {
    return this.options.errorBody;
  }
}

function withDefaults(options: FaultOptions): Required<Omit<FaultOptions, 'errorBody'>> & Pick<FaultOptions, 'errorBody'> {
  const failureRate = options.failureRate ?? 0;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`failureRate must be between 0 and 1, not ${failureRate}`);
  return {
    failureRate,
    kinds: options.kinds ?? ['429', '500', '503'],
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    slowMs: options.slowMs ?? 2_000,
    redirectTo: options.redirectTo ?? 'http://127.0.0.1:9/',
    errorBody: options.errorBody,
    random: options.random ?? Math.random,
  };
}
