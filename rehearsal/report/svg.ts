import { escapeHtml } from './escape';

export type Attrs = Record<string, string | number | undefined | null | false>;

/** Renders attributes, escaping values; undefined/null/false are left out. */
export function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => ` ${k}="${escapeHtml(typeof v === 'number' ? round(v) : v)}"`)
    .join('');
}

/** One decimal is plenty in a 1000-unit viewBox. */
export function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

export function tag(name: string, a: Attrs, content?: string): string {
  return content === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${content}</${name}>`;
}

export function text(a: Attrs, content: string): string {
  return tag('text', a, escapeHtml(content));
}

/** Native hover tooltip (works without scripts). */
export function title(content: string): string {
  return `<title>${escapeHtml(content)}</title>`;
}

/** Rough width of sans-serif text (per-character classes, bold a bit wider), for layout without a browser. */
export function textWidth(s: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of s) {
    if (ch === ' ' || ch === '.' || ch === ',' || ch === 'i' || ch === 'l' || ch === '|') em += 0.3;
    else if (ch === '%' || ch === 'm' || ch === 'w' || ch === 'M' || ch === 'W') em += 0.9;
    else if (ch >= 'A' && ch <= 'Z') em += 0.7;
    else em += 0.58;
  }
  return em * fontSize * (bold ? 1.07 : 1);
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
