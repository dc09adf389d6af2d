/** `{{ … }}` templates: finding them, understanding them, filling them in. */
import { describe, expect, it } from 'vitest';
import { parseExpression, renderTemplate, scanTemplate, type TemplateContext } from '../../src/runbook/templates.js';

describe('parseExpression', () => {
  it.each([
    ['vars.release', { kind: 'var', name: 'release' }],
    ['env.HOME', { kind: 'env', name: 'HOME' }],
    ['secrets.DB_PASSWORD', { kind: 'secret', name: 'DB_PASSWORD' }],
    ['steps.backup.outputs.backup_id', { kind: 'output', step: 'backup', name: 'backup_id' }],
    ['steps.deploy-app.outputs.build-number', { kind: 'output', step: 'deploy-app', name: 'build-number' }],
    ['run.id', { kind: 'run-id' }],
    ['environment', { kind: 'environment' }],
  ])('understands %s', (expression, ref) => {
    expect(parseExpression(expression)).toEqual(ref);
  });

  it.each([
    'release', // a bare name: vars.release was meant
    'vars.1x', // names do not start with a digit
    'vars.a.b',
    'steps.backup.outputs', // no output name
    'steps.backup.output.id', // "output", not "outputs"
    'VARS.release', // case matters
    'secrets.',
    'run',
    '',
  ])('rejects %j', (expression) => {
    expect(parseExpression(expression)).toBeUndefined();
  });
});

describe('scanTemplate', () => {
  it('finds every reference with its offset and trimmed expression', () => {
    const { parts, errors } = scanTemplate('deploy {{vars.release}} to {{  environment  }}');
    expect(errors).toEqual([]);
    expect(parts).toEqual([
      { offset: 7, text: '{{vars.release}}', expression: 'vars.release', ref: { kind: 'var', name: 'release' } },
      { offset: 27, text: '{{  environment  }}', expression: 'environment', ref: { kind: 'environment' } },
    ]);
  });

  it('keeps an expression it does not understand, without a ref', () => {
    const { parts } = scanTemplate('echo {{ release }}');
    expect(parts).toHaveLength(1);
    expect(parts[0].expression).toBe('release');
    expect(parts[0].ref).toBeUndefined();
  });

  it('reports an unclosed `{{` at its offset, after the complete ones', () => {
    const { parts, errors } = scanTemplate('a {{ vars.x }} b {{ vars.y');
    expect(parts.map((p) => p.expression)).toEqual(['vars.x']);
    expect(errors).toEqual([{ offset: 17, message: expect.stringContaining('unclosed `{{`') }]);
  });

  it('ignores a stray `}}` and text without templates', () => {
    expect(scanTemplate('echo }} done')).toEqual({ parts: [], errors: [] });
    expect(scanTemplate('plain text')).toEqual({ parts: [], errors: [] });
  });
});

describe('renderTemplate', () => {
  const context: TemplateContext = {
    vars: { release: '2.4.0', base_url: 'http://127.0.0.1:8080' },
    env: { HOME: '/home/ops', UNSET: undefined },
    secrets: { TOKEN: 's3cret' },
    outputs: { backup: { backup_id: 'b-42' } },
    runId: 'run-7',
    environment: 'uat',
  };

  it('substitutes every kind of reference as plain text', () => {
    const text = 'deploy {{ vars.release }} {{env.HOME}} {{ secrets.TOKEN }} {{ steps.backup.outputs.backup_id }} {{ run.id }} {{ environment }}';
    expect(renderTemplate(text, context)).toBe('deploy 2.4.0 /home/ops s3cret b-42 run-7 uat');
  });

  it('looks up own keys only: inherited members of an object are missing values', () => {
    const text =
      '{{ vars.constructor }}|{{ env.toString }}|{{ secrets.hasOwnProperty }}|{{ steps.backup.outputs.toString }}|{{ steps.constructor.outputs.name }}';
    expect(renderTemplate(text, context, (part) => `<missing ${part.expression}>`)).toBe(
      '<missing vars.constructor>|<missing env.toString>|<missing secrets.hasOwnProperty>|<missing steps.backup.outputs.toString>|<missing steps.constructor.outputs.name>',
    );
    expect(renderTemplate('{{ env.PATH }}', { ...context, env: process.env })).toBe(process.env.PATH);
  });

  it('substitutes the same reference each time it occurs', () => {
    expect(renderTemplate('{{ vars.release }}/{{ vars.release }}', context)).toBe('2.4.0/2.4.0');
  });

  it('returns text without templates unchanged', () => {
    expect(renderTemplate('curl -fsS http://x/health', context)).toBe('curl -fsS http://x/health');
  });

  it('leaves a missing value as written by default', () => {
    expect(renderTemplate('a {{ env.UNSET }} b {{ steps.backup.outputs.nope }}', context)).toBe('a {{ env.UNSET }} b {{ steps.backup.outputs.nope }}');
  });

  it('asks the missing-value callback for unset and unknown references', () => {
    const asked: string[] = [];
    const rendered = renderTemplate('{{ env.UNSET }}|{{ nonsense }}|{{ vars.release }}', context, (part) => {
      asked.push(part.expression);
      return '<missing>';
    });
    expect(rendered).toBe('<missing>|<missing>|2.4.0');
    expect(asked).toEqual(['env.UNSET', 'nonsense']);
  });

  it('copies an unclosed `{{` and what follows verbatim', () => {
    expect(renderTemplate('{{ vars.release }} then {{ vars.release', context)).toBe('2.4.0 then {{ vars.release');
  });
});
