// What test/support/global-setup.ts hands the integration tests (vitest `provide`/`inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    /** The local AWS (moto) servers started for this run, one per worker: `http://127.0.0.1:<port>`. */
    awsEndpoints: string[];
    /** Each one's log, in the same order: a line per request it answered. */
    awsLogFiles: string[];
    /** Where each test file's process claims one of them (test/support/local-aws.ts). */
    awsClaimDir: string;
    /** Where templates packaged with extra params are kept for the rest of this run (test/support/template.ts). */
    packagedTemplatesDir: string;
    /** The packaged CloudFormation template whose resources every test starts with. */
    awsTemplatePath: string;
    /** Its stack name (`keywarden-ci`): names of resources the template leaves unnamed start with it. */
    awsStackName: string;
  }
}
export {};
