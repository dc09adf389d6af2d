/** The `when:` expression language: what parses, what it means, and where a mistake is reported. */
import { describe, expect, it } from 'vitest';
import { evaluateCondition, parseCondition } from '../../src/runbook/condition.js';

const values: Record<string, string> = {
  '{{ environment }}': 'production',
  '{{ vars.migrate }}': 'true',
  '{{ vars.empty }}': '',
  '{{ vars.zero }}': '0',
  '{{ steps.backup.outputs.size }}': '1.0',
  '{{ vars.tricky }}': "x' || 'a' == 'a",
};

function holds(text: string): boolean {
  const { condition, error } = parseCondition(text);
  if (!condition) throw new Error(`${text}: ${error?.message}`);
  return evaluateCondition(condition, (template) => values[template] ?? '');
}

describe('evaluateCondition', () => {
  it.each([
    ["{{ environment }} == 'production'", true],
    ["{{ environment }} != 'production'", false],
    ['{{ environment }} == "uat"', false],
    ["{{ environment }} in ['uat', 'production']", true],
    ["{{ environment }} in ['uat']", false],
    ["!({{ environment }} == 'uat')", true],
    ["{{ environment }} == 'uat' || {{ vars.migrate }} == 'true'", true],
    ["{{ environment }} == 'uat' || {{ vars.migrate }} == 'true' && {{ vars.empty }} == 'x'", false],
    ["({{ environment }} == 'uat' || {{ vars.migrate }} == 'true') && {{ vars.empty }} == ''", true],
    ['{{ vars.migrate }}', true],
    ['{{ vars.empty }}', false],
    ['!{{ vars.zero }}', true],
    ['{{ steps.backup.outputs.size }} == 1', true],
    ["{{ steps.backup.outputs.size }} == '1'", false],
    ['{{ steps.backup.outputs.size }} in [0, 1]', true],
    // A value is never read as syntax: this is one string compared with another.
    ["{{ vars.tricky }} == 'a'", false],
  ])('%s → %s', (text, expected) => expect(holds(text)).toBe(expected));
});

describe('parseCondition errors, at their offset', () => {
  it.each([
    ['', 0, 'the condition is empty'],
    ["{{ environment }} = 'production'", 18, 'unexpected `=`: compare with `==`'],
    ['{{ environment }} == production', 21, "unexpected `production`: quote text ('production')"],
    ["{{ environment }} == 'uat' and {{ vars.x }}", 27, 'unexpected `and`: write `&&`'],
    ["{{ environment == 'uat'", 0, 'unclosed `{{`'],
    ["{{ environment }} == 'uat", 21, 'unclosed single quote'],
    ["({{ environment }} == 'uat'", 27, 'missing `)` at the end'],
    ["{{ environment }} in ['uat' 'x']", 28, "expected `,` or `]`, found `'x'`"],
    ["{{ environment }} in 'uat'", 21, 'expected `[` after `in`'],
    ["{{ environment }} == 'uat' 'x'", 27, "unexpected `'x'`: join conditions with && or ||"],
    ['{{ environment }} ==', 20, 'expected a value after `==` at the end'],
  ])('%j', (text, offset, message) => {
    const { error } = parseCondition(text);
    expect(error?.offset).toBe(offset);
    expect(error?.message).toContain(message);
  });
});
