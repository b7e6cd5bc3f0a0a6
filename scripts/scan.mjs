// `npm run scan`: the IaC scanners a security team runs, on the template as it would deploy.
// Packages the prod stage twice (the defaults, and every optional param set) in a copy of the
// service, then runs cfn-lint and checkov from PyPI, pinned, in their own venv
// (.keywarden/scan-venv, apart from moto's pins in .keywarden/venv). Fails on any cfn-lint error
// or warning and on any failed checkov check; a check that does not apply is skipped in the
// template itself with its reason (README, "Deploying"). Expects `npm run build` to have run.
import { spawnSync } from 'node:child_process';
import { cpSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The scanners, pinned: a new release with new checks is a change to review, not a surprise in CI. */
const SCANNERS = ['cfn-lint==1.58.0', 'checkov==3.3.30'];
const venv = join(root, '.keywarden', 'scan-venv');
const marker = join(venv, '.keywarden-installed.json');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', BC_SKIP_MAPPING: 'TRUE' };

/** The variants scanned: what `serverless package --stage prod` gives, and with every optional param. */
const VARIANTS = {
  'prod, defaults': {},
  'prod, every param': {
    messagesKmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    secretsKmsKeyArns: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    rotateSubnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
    rotateSecurityGroupIds: 'sg-0123456789abcdef0',
    pointInTimeRecovery: 'off',
    stalenessHygiene: 'off',
    refreshEcsServices: 'apps/team-{tenant}-',
    refreshLambdaPrefixes: 'team-{tenant}-',
  },
};

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return result;
}

function fail(message) {
  console.error(`scan: ${message}`);
  process.exit(1);
}

/** Creates the scanners' venv, or reuses it when its marker names the same pins. */
function ensureScanners() {
  try {
    if (JSON.parse(readFileSync(marker, 'utf8')).requirements.join(' ') === SCANNERS.join(' ')) return;
  } catch {
    // no venv yet, or an unreadable marker: install
  }
  console.log(`scan: installing ${SCANNERS.join(', ')} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(dirname(venv), { recursive: true });
  const python = process.env.KEYWARDEN_PYTHON ?? 'python3';
  const created = run(python, ['-m', 'venv', venv]);
  if (created.status !== 0) fail(`${python} -m venv failed (Debian/Ubuntu: apt-get install python3-venv):\n${created.stderr}`);
  const pip = run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', ...SCANNERS]);
  if (pip.status !== 0) fail(`pip could not install ${SCANNERS.join(' ')} (is PyPI reachable?):\n${pip.stdout}${pip.stderr}`);
  writeFileSync(marker, `${JSON.stringify({ requirements: SCANNERS, installedAt: new Date().toISOString() }, null, 2)}\n`);
}

/**
 * Packages a copy of the service with these params and returns the template's path. A copy,
 * because `serverless package` empties the service's .serverless/, which the tests read.
 */
function packageVariant(dir, params) {
  copyFileSync(join(root, 'serverless.yml'), join(dir, 'serverless.yml'));
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, 'deploy'), join(dir, 'deploy'), { recursive: true });
  symlinkSync(join(root, 'dist'), join(dir, 'dist'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const args = ['package', '--stage', 'prod', ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)];
  const packaged = run(join(root, 'node_modules', '.bin', 'serverless'), args, { cwd: dir });
  if (packaged.status !== 0) fail(`serverless ${args.join(' ')} failed:\n${packaged.stdout}${packaged.stderr}`);
  return join(dir, '.serverless', 'cloudformation-template-update-stack.json');
}

/** cfn-lint's findings: every line that names a rule (E… errors, W… warnings, I… notes). */
function cfnLint(template) {
  const result = run(join(venv, 'bin', 'cfn-lint'), ['--format', 'parseable', '--', template]);
  const findings = result.stdout.split('\n').filter(Boolean);
  if (result.status !== 0 && findings.length === 0) fail(`cfn-lint exited ${result.status}:\n${result.stderr}`);
  const count = (level) => findings.filter((line) => line.split(':')[5]?.startsWith(level)).length;
  return { findings, errors: count('E'), warnings: count('W'), ok: result.status === 0 };
}

/** checkov's summary and failed checks. */
function checkov(template) {
  const result = run(join(venv, 'bin', 'checkov'), ['--file', template, '--framework', 'cloudformation', '--skip-download', '--output', 'json']);
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    fail(`checkov exited ${result.status} without a report:\n${result.stderr.slice(-2000)}`);
  }
  const failed = report.results.failed_checks.map((check) => `${check.check_id} ${check.resource}: ${check.check_name}`);
  return { summary: report.summary, failed };
}

ensureScanners();
if (!existsSync(join(root, 'dist', 'functions'))) fail('dist/functions is missing: run `npm run build` first');
let ok = true;
for (const [name, params] of Object.entries(VARIANTS)) {
  const dir = mkdtempSync(join(tmpdir(), 'kw-scan-'));
  try {
    const template = packageVariant(dir, params);
    const lint = cfnLint(template);
    const check = checkov(template);
    const { passed, failed, skipped } = check.summary;
    console.log(`scan (${name}): cfn-lint ${lint.errors} errors, ${lint.warnings} warnings; checkov ${passed} passed, ${failed} failed, ${skipped} skipped`);
    for (const line of [...lint.findings, ...check.failed]) console.log(`  ${line}`);
    if (check.summary.parsing_errors > 0) console.log(`  checkov could not parse the template (${check.summary.parsing_errors} parsing errors)`);
    if (!lint.ok || lint.findings.length > 0 || failed > 0 || check.summary.parsing_errors > 0) ok = false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (!ok) fail('findings above: fix them, or skip a check that does not apply in the template with its reason');
