/**
 * Dot paths into a JSON output: `label`, `scores.0`, `result.items.2.name`;
 * the empty path is the whole output. Keys that themselves contain a dot
 * cannot be addressed; golden sets name fields, not arbitrary keys.
 */
export type PathLookup = { found: true; value: unknown } | { found: false; missingAt: string };

export function resolvePath(root: unknown, path: string): PathLookup {
  if (path === '') return { found: true, value: root };
  let current: unknown = root;
  const walked: string[] = [];
  for (const segment of path.split('.')) {
    walked.push(segment);
    const next = step(current, segment);
    if (!next.found) return { found: false, missingAt: walked.join('.') };
    current = next.value;
  }
  return { found: true, value: current };
}

/** Paths are shown to people; the whole output needs a name too. */
export function displayPath(path: string): string {
  return path === '' ? 'output' : path;
}

function step(value: unknown, segment: string): { found: true; value: unknown } | { found: false } {
  if (Array.isArray(value)) {
    // Only canonical indexes: `01` or `-1` would silently mean something else.
    if (!/^(0|[1-9]\d*)$/.test(segment)) return { found: false };
    const i = Number(segment);
    return i < value.length ? { found: true, value: value[i] } : { found: false };
  }
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, segment)) {
    // Own properties only: `constructor` or `__proto__` must not resolve on every object.
    return { found: true, value: (value as Record<string, unknown>)[segment] };
  }
  return { found: false };
}
