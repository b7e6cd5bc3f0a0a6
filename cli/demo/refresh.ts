/**
 * The demo's refresh allow-list for Lambda consumers, used when the stage was packaged without one
 * (`refreshLambdaPrefixes`): the demo's consumer functions are named `team-<tenant>-…`.
 */
export const DEMO_LAMBDA_PREFIXES = 'team-{tenant}-';
