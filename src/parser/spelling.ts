/** Spelling suggestions for misspelt Keras names, such as `Dnese` for `Dense` or `kears` for `keras`. */

/**
 * Returns the optimal string alignment distance: the Levenshtein distance in which swapping
 * two adjacent characters also costs 1, so `Dnese` is 1 away from `Dense`.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j] is the distance between the first i characters of a and the first j of b.
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i, ...new Array<number>(b.length).fill(0)]);
  }
  for (let j = 0; j <= b.length; j++) {
    rows[0][j] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = distance;
    }
  }
  return rows[a.length][b.length];
}

/** Returns the largest edit distance still read as a typo, which is 0 for names of up to 3 characters. */
function maximumDistance(length: number): number {
  if (length <= 3) {
    return 0;
  }
  return length <= 5 ? 1 : 2;
}

/**
 * Returns the candidate that `word` most likely misspells, or undefined when none is close.
 * A candidate that differs only in letter case wins (`Conv2d` → `Conv2D`). Otherwise the
 * nearest one wins if it is within 1 edit for words of 4–5 characters or 2 edits for longer
 * ones, and the earlier candidate on a tie. `word` itself is never returned.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const lowerWord = word.toLowerCase();
  const limit = maximumDistance(word.length);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;

  for (const candidate of candidates) {
    if (candidate === word) {
      continue;
    }
    const lowerCandidate = candidate.toLowerCase();
    if (lowerCandidate === lowerWord) {
      return candidate;
    }
    if (limit === 0 || Math.abs(candidate.length - word.length) > limit) {
      continue;
    }
    const distance = editDistance(lowerWord, lowerCandidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
