/**
 * A small subset of CloudWatch metric math: enough for Cutover's alarms, e.g.
 * `e1 = 100 * errors / invocations`. Supported: numbers, query ids, + - * /,
 * unary minus, parentheses, FILL(x, number) and ABS(x).
 *
 * Time series combine point by point on matching timestamps (a timestamp
 * missing from one operand is dropped, as CloudWatch does); a division by zero
 * yields no point rather than Infinity.
 */
import { ServiceError } from '../protocol';

export type Series = Map<number, number>;
export type MathValue = number | Series;

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'neg'; arg: Node }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Node; right: Node }
  | { kind: 'call'; fn: string; args: Node[] };

function invalid(expression: string, why: string): ServiceError {
  return new ServiceError('InvalidParameterValueException', `Invalid metric math expression '${expression}': ${why}`, 400, {}, 'InvalidParameterValue');
}

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/(),])/y;
  let pos = 0;
  while (pos < expression.length) {
    if (/^\s*$/.test(expression.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(expression);
    if (!m) throw invalid(expression, `unexpected character at ${pos}`);
    tokens.push(m[1] as string);
    pos = re.lastIndex;
  }
  return tokens;
}

export function parseExpression(expression: string): Node {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw invalid(expression, 'unexpected end');
    return t;
  };
  const expect = (t: string): void => {
    if (next() !== t) throw invalid(expression, `expected '${t}'`);
  };
  const primary = (): Node => {
    const t = next();
    if (t === '(') {
      const inner = sum();
      expect(')');
      return inner;
    }
    if (t === '-') return { kind: 'neg', arg: primary() };
    if (/^\d/.test(t)) return { kind: 'num', value: Number(t) };
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        next();
        const args: Node[] = [];
        if (peek() !== ')') {
          args.push(sum());
          while (peek() === ',') {
            next();
            args.push(sum());
          }
        }
        expect(')');
        return { kind: 'call', fn: t.toUpperCase(), args };
      }
      return { kind: 'id', name: t };
    }
    throw invalid(expression, `unexpected '${t}'`);
  };
  const product = (): Node => {
    let left = primary();
    while (peek() === '*' || peek() === '/') {
      const op = next() as '*' | '/';
      left = { kind: 'bin', op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Node => {
    let left = product();
    while (peek() === '+' || peek() === '-') {
      const op = next() as '+' | '-';
      left = { kind: 'bin', op, left, right: product() };
    }
    return left;
  };
  const root = sum();
  if (i !== tokens.length) throw invalid(expression, `unexpected '${tokens[i]}'`);
  return root;
}

/** Ids an expression reads (to order evaluation and detect cycles). */
export function referencedIds(node: Node): string[] {
  switch (node.kind) {
    case 'num':
      return [];
    case 'id':
      return [node.name];
    case 'neg':
      return referencedIds(node.arg);
    case 'bin':
      return [...referencedIds(node.left), ...referencedIds(node.right)];
    case 'call':
      return node.args.flatMap(referencedIds);
  }
}

function apply(op: '+' | '-' | '*' | '/', a: number, b: number): number | undefined {
  const r = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  return Number.isFinite(r) ? r : undefined;
}

function combine(op: '+' | '-' | '*' | '/', left: MathValue, right: MathValue): MathValue {
  if (typeof left === 'number' && typeof right === 'number') return apply(op, left, right) ?? NaN;
  const out: Series = new Map();
  if (typeof left === 'number') {
    for (const [t, v] of right as Series) {
      const r = apply(op, left, v);
      if (r !== undefined) out.set(t, r);
    }
  } else if (typeof right === 'number') {
    for (const [t, v] of left) {
      const r = apply(op, v, right);
      if (r !== undefined) out.set(t, r);
    }
  } else {
    for (const [t, v] of left) {
      const w = right.get(t);
      if (w === undefined) continue;
      const r = apply(op, v, w);
      if (r !== undefined) out.set(t, r);
    }
  }
  return out;
}

/**
 * Evaluates a parsed expression. `lookup` returns another query's result;
 * `timeline` lists every period start of the request (FILL fills those).
 */
export function evaluate(node: Node, lookup: (id: string) => MathValue, timeline: readonly number[], expression: string): MathValue {
  switch (node.kind) {
    case 'num':
      return node.value;
    case 'id':
      return lookup(node.name);
    case 'neg':
      return combine('*', -1, evaluate(node.arg, lookup, timeline, expression));
    case 'bin':
      return combine(node.op, evaluate(node.left, lookup, timeline, expression), evaluate(node.right, lookup, timeline, expression));
    case 'call': {
      const args = node.args.map((a) => evaluate(a, lookup, timeline, expression));
      if (node.fn === 'ABS' && args.length === 1) {
        const [x] = args as [MathValue];
        return typeof x === 'number' ? Math.abs(x) : new Map([...x].map(([t, v]) => [t, Math.abs(v)]));
      }
      if (node.fn === 'FILL' && args.length === 2 && typeof args[1] === 'number') {
        const [x, fill] = args as [MathValue, number];
        if (typeof x === 'number') return x;
        const out: Series = new Map();
        for (const t of timeline) out.set(t, x.get(t) ?? fill);
        return out;
      }
      throw invalid(expression, `unsupported function ${node.fn}/${args.length} (the sandbox supports FILL(x, n) and ABS(x))`);
    }
  }
}
