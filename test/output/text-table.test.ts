/** Aligned columns: padded to the widest cell, painted after padding, trailing spaces only where asked for. */
import { describe, expect, it } from 'vitest';
import { alignedLine, columnWidths, textTable } from '../../src/output/text-table.js';

const HEAD = ['step', 'took', 'note'];
const ROWS = [
  ['migrate', '1m15s', 'slow'],
  ['a', '5s', ''],
];

describe('textTable', () => {
  it('pads each column to its widest cell or title, two spaces apart, the last column unpadded', () => {
    expect(textTable(HEAD, ROWS)).toEqual(['step     took   note', 'migrate  1m15s  slow', 'a        5s     ']);
  });

  it('draws an indent, a rule under the header and a padded last column when asked', () => {
    expect(textTable(HEAD, ROWS, { indent: '  ', rule: true, padLast: true })).toEqual([
      '  step     took   note',
      '  -------  -----  ----',
      '  migrate  1m15s  slow',
      '  a        5s         ',
    ]);
  });

  it('drops the spaces ending a line with trimEnd', () => {
    expect(textTable(HEAD, ROWS, { trimEnd: true }).at(-1)).toBe('a        5s');
  });

  it('paints cells after padding, so colour codes do not shift the columns', () => {
    const lines = textTable(HEAD, ROWS, {
      header: (line) => `[${line}]`,
      cell: (padded, row, i) => (i === 1 ? `<${row}:${padded}>` : padded),
    });
    expect(lines).toEqual(['[step     took   note]', 'migrate  <0:1m15s>  slow', 'a        <1:5s   >  ']);
  });
});

describe('alignedLine', () => {
  it('pads to given widths and leaves a cell wider than its column as it is', () => {
    const widths = columnWidths([['ab'], ['abcd']]);
    expect(widths).toEqual([4]);
    expect(alignedLine(['ab', 'rest of the line'], widths)).toBe('ab    rest of the line');
    expect(alignedLine(['abcdef', 'x'], widths)).toBe('abcdef  x');
  });
});
