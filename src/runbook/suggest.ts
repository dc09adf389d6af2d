/** "Did you mean …?" for misspelled keys, enum values, ids and variable names. */

/**
 * The closest candidate within a small edit distance, if any; failing that,
 * the only candidate the word abbreviates (`prod` for `production`).
 */
function closest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  return closestByEdits(word, list) ?? onlyExtension(word, list);
}

function onlyExtension(word: string, candidates: string[]): string | undefined {
  if (word.length < 2) return undefined;
  const lower = word.toLowerCase();
  const matches = candidates.filter((c) => c.toLowerCase().startsWith(lower));
  return matches.length === 1 ? matches[0] : undefined;
}

function closestByEdits(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(1, Math.floor(word.length / 3));
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance && distance <= limit) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** A hint line, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closest(word, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}

/** Levenshtein distance with adjacent transpositions (`timeotu` → `timeout` is 1). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
