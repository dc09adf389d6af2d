import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, GENESIS_HASH, sha256Hex } from '../../src/journal/hash-chain.ts';

describe('canonicalJson', () => {
  it('sorts keys recursively and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text whatever order the fields were built in', () => {
    expect(canonicalJson({ kind: 'warning', at: 't', message: 'm' })).toBe(canonicalJson({ message: 'm', at: 't', kind: 'warning' }));
  });

  it('follows JSON.stringify for undefined, non-finite numbers, dates and escapes', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, NaN, Infinity], c: new Date(0), d: 'line\n"q"é' })).toBe(
      '{"b":[null,null,null],"c":"1970-01-01T00:00:00.000Z","d":"line\\n\\"q\\"é"}',
    );
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('eventHash', () => {
  it('is sha256 of prevHash, seq, run id and data joined by newlines', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(eventHash(GENESIS_HASH, 1, 'R1', '{}')).toBe(sha256Hex(`${'0'.repeat(64)}\n1\nR1\n{}`));
    expect(eventHash(GENESIS_HASH, 2, 'R1', '{}')).not.toBe(eventHash(GENESIS_HASH, 1, 'R1', '{}'));
    expect(eventHash(GENESIS_HASH, 1, 'R2', '{}')).not.toBe(eventHash(GENESIS_HASH, 1, 'R1', '{}'));
  });
});
