/**
 * The rules of Jenkins' xunit-plugin JUnit schema (`junit-10.xsd`), the
 * strictest common JUnit consumer: it drops a file that does not validate.
 * Written from the schema's element and attribute declarations so tests can
 * check golive's documents without a validator or the schema file.
 */
import { parseStringPromise } from 'xml2js';

interface ElementRule {
  attributes: string[];
  required: string[];
  children: string[] | 'text';
}

/** junit-10.xsd's SUREFIRE_TIME: seconds, optionally with thousands separators and a fraction. */
const SUREFIRE_TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/;

const outcome: ElementRule = { attributes: ['type', 'message'], required: [], children: 'text' };
const RULES: Record<string, ElementRule> = {
  testsuites: { attributes: ['name', 'time', 'tests', 'failures', 'errors'], required: [], children: ['testsuite'] },
  testsuite: {
    attributes: ['name', 'tests', 'failures', 'errors', 'group', 'time', 'skipped', 'timestamp', 'hostname', 'id', 'package', 'file', 'log', 'url'],
    required: ['name', 'tests', 'failures', 'errors'],
    children: ['testsuite', 'properties', 'testcase', 'system-out', 'system-err'],
  },
  properties: { attributes: [], required: [], children: ['property'] },
  property: { attributes: ['name', 'value'], required: ['name', 'value'], children: [] },
  testcase: {
    attributes: ['name', 'time', 'classname', 'group'],
    required: ['name'],
    children: ['skipped', 'error', 'failure', 'rerunFailure', 'rerunError', 'flakyFailure', 'flakyError', 'system-out', 'system-err'],
  },
  failure: outcome,
  error: outcome,
  skipped: outcome,
  'system-out': { attributes: [], required: [], children: 'text' },
  'system-err': { attributes: [], required: [], children: 'text' },
};

/** Every way `xml` breaks junit-10.xsd, as `path: problem` lines (empty when it validates). */
export async function jenkinsJunitProblems(xml: string): Promise<string[]> {
  const doc = (await parseStringPromise(xml, { explicitArray: true, explicitCharkey: false })) as Record<string, unknown>;
  const problems: string[] = [];
  const [root] = Object.keys(doc);
  if (root !== 'testsuites' && root !== 'testsuite') problems.push(`/${root}: the root must be testsuites or testsuite`);
  check(root, doc[root], `/${root}`, problems);
  return problems;
}

function check(name: string, node: unknown, path: string, problems: string[]): void {
  const rule = RULES[name];
  if (!rule) return void problems.push(`${path}: element ${name} is not in the schema`);
  if (typeof node === 'string') node = { _: node };
  const element = (node ?? {}) as Record<string, unknown>;
  const attributes = (element.$ ?? {}) as Record<string, string>;
  for (const attribute of Object.keys(attributes)) if (!rule.attributes.includes(attribute)) problems.push(`${path}: attribute ${attribute} is not allowed`);
  for (const attribute of rule.required) if (!(attribute in attributes)) problems.push(`${path}: attribute ${attribute} is required`);
  if ('time' in attributes && (name === 'testsuite' || name === 'testsuites') && !SUREFIRE_TIME.test(attributes.time))
    problems.push(`${path}: time ${attributes.time} is not a SUREFIRE_TIME`);
  for (const [child, value] of Object.entries(element)) {
    if (child === '$' || child === '_') continue;
    if (rule.children === 'text' || !rule.children.includes(child)) {
      problems.push(`${path}: element ${child} is not allowed in ${name}`);
      continue;
    }
    for (const [i, item] of (value as unknown[]).entries()) check(child, item, `${path}/${child}[${i}]`, problems);
  }
}
