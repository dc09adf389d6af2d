/**
 * Secret masking: every occurrence of every secret value becomes `***` in
 * whatever the runner emits, logs, keeps or parses.
 */

/** What a secret is replaced with. */
export const MASK = '***';

/**
 * Lines of a multi-line secret shorter than this are not masked on their own:
 * a one- or two-character line (a lone `}` of a JSON key) would otherwise
 * blank out ordinary output everywhere.
 */
const MIN_SECRET_LINE_LENGTH = 3;

/** Replaces secret values in text; built once per command. */
export interface Masker {
  /** True when there is nothing to mask (masking is then the identity). */
  readonly empty: boolean;
  /**
   * Length of the longest pattern. A match can start at most `longest - 1`
   * characters before the end of a text that is still growing, so a streaming
   * caller must hold back that many characters before deciding.
   */
  readonly longest: number;
  /** What is masked, longest first (for masking raw bytes, see byte-masker.ts). */
  readonly patterns: readonly string[];
  /** Masks a complete text. */
  mask(text: string): string;
  /**
   * Masks the beginning of a text that will continue: returns the masked form
   * of `text.slice(0, end)`, where `end >= minEnd` is chosen so that no match
   * is cut in two. Matches starting before `minEnd` are final when
   * `minEnd <= text.length - (longest - 1)`, because every pattern starting
   * there fits entirely in `text`.
   */
  maskPrefix(text: string, minEnd: number): { masked: string; end: number };
}

/**
 * Builds a masker for the given secret values. Empty values are ignored.
 * Secrets containing a newline are masked as a whole and line by line,
 * because output is masked one batch of complete lines at a time and the
 * lines of such a secret can arrive in different batches.
 */
export function createMasker(secrets: readonly string[]): Masker {
  const patterns = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    patterns.add(secret);
    if (!secret.includes('\n')) continue;
    for (const line of secret.split('\n')) {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (trimmed.length >= MIN_SECRET_LINE_LENGTH) patterns.add(trimmed);
    }
  }
  if (patterns.size === 0) return identityMasker;

  // Longest first: a regex alternation takes the first alternative that
  // matches at a position, so `abcdef` must be tried before its prefix `abc`.
  const ordered = [...patterns].sort((a, b) => b.length - a.length);
  // One precompiled alternation scans each text once, however many secrets.
  const regex = new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  const longest = ordered[0].length;

  return {
    empty: false,
    patterns: ordered,
    longest,
    mask(text) {
      return text.replace(regex, MASK);
    },
    maskPrefix(text, minEnd) {
      let masked = '';
      let last = 0;
      regex.lastIndex = 0;
      for (let match = regex.exec(text); match !== null && match.index < minEnd; match = regex.exec(text)) {
        masked += text.slice(last, match.index) + MASK;
        last = match.index + match[0].length;
      }
      const end = Math.max(minEnd, last);
      masked += text.slice(last, end);
      return { masked, end };
    },
  };
}

const identityMasker: Masker = {
  empty: true,
  patterns: [],
  longest: 0,
  mask: (text) => text,
  maskPrefix: (text, minEnd) => ({ masked: text.slice(0, minEnd), end: minEnd }),
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
