// A tiny recursive-descent parser for the expressions the page accepts, and their evaluation with
// webgrad ops (never eval). Grammar, loosest first:
//   expr  := term (('+' | '-') term)*
//   term  := unary (('*' | '/') unary | unary)*      (juxtaposition multiplies: 2b, 2(a + b))
//   unary := ('-' | '+') unary | power
//   power := atom ('^' unary)?                       (right-associative: a^b^c = a^(b^c), -a^2 = -(a^2))
//   atom  := number | a | b | c | fn '(' expr ')' | '(' expr ')'

export const FUNCTIONS = ['exp', 'log', 'tanh', 'sigmoid', 'relu', 'sin', 'cos', 'sqrt', 'abs'];
export const VARIABLES = ['a', 'b', 'c'];

export class ParseError extends Error {}

function tokenize(src) {
  const tokens = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\S))/gy;
  let m;
  while (re.lastIndex < src.length && (m = re.exec(src))) {
    if (m[0].trim() === '') break;
    const at = m.index + m[0].length - m[0].trimStart().length;
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]), at });
    else if (m[2] !== undefined) tokens.push({ kind: 'id', value: m[2], at });
    else if ('+-*/^()'.includes(m[3])) tokens.push({ kind: m[3], at });
    else throw new ParseError(`unexpected '${m[3]}' at position ${at + 1}`);
  }
  return tokens;
}

/** Parses `src` into an AST: {kind: 'num', value} | {kind: 'var', name} | {kind: 'neg', x} | {kind: 'fn', name, x} | {kind: op, l, r}. */
export function parse(src) {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const where = () => (peek() ? `at position ${peek().at + 1}` : 'at the end');
  const expect = (kind) => {
    if (peek()?.kind !== kind) throw new ParseError(`expected '${kind}' ${where()}`);
    i++;
  };
  const startsAtom = (t) => t && (t.kind === 'num' || t.kind === 'id' || t.kind === '(');

  function expr() {
    let l = term();
    while (peek()?.kind === '+' || peek()?.kind === '-') {
      const op = tokens[i++].kind;
      l = { kind: op, l, r: term() };
    }
    return l;
  }
  function term() {
    let l = unary();
    for (;;) {
      const t = peek();
      if (t?.kind === '*' || t?.kind === '/') {
        i++;
        l = { kind: t.kind, l, r: unary() };
      } else if (startsAtom(t)) l = { kind: '*', l, r: power() };
      else return l;
    }
  }
  function unary() {
    if (peek()?.kind === '-') {
      i++;
      return { kind: 'neg', x: unary() };
    }
    if (peek()?.kind === '+') {
      i++;
      return unary();
    }
    return power();
  }
  function power() {
    const base = atom();
    if (peek()?.kind !== '^') return base;
    i++;
    return { kind: '^', l: base, r: unary() };
  }
  function atom() {
    const t = peek();
    if (!t) throw new ParseError('the expression ends too early');
    i++;
    if (t.kind === 'num') return { kind: 'num', value: t.value };
    if (t.kind === '(') {
      const e = expr();
      expect(')');
      return e;
    }
    if (t.kind === 'id') {
      if (VARIABLES.includes(t.value)) return { kind: 'var', name: t.value };
      if (FUNCTIONS.includes(t.value)) {
        expect('(');
        const x = expr();
        expect(')');
        return { kind: 'fn', name: t.value, x };
      }
      throw new ParseError(`unknown name '${t.value}' at position ${t.at + 1} (variables: ${VARIABLES.join(', ')}; functions: ${FUNCTIONS.join(', ')})`);
    }
    throw new ParseError(`unexpected '${t.kind}' at position ${t.at + 1}`);
  }

  if (!tokens.length) throw new ParseError('the expression is empty');
  const e = expr();
  if (i < tokens.length) throw new ParseError(`unexpected '${tokens[i].value ?? tokens[i].kind}' at position ${tokens[i].at + 1}`);
  return e;
}

const PREC = { '+': 1, '-': 1, '*': 2, '/': 2, neg: 3, '^': 4 };
const SYM = { '+': '+', '-': '−', '*': '·', '/': '/', '^': '^' };

/** The expression as text, with only the parentheses it needs (2·b is written 2b). */
export function show(e) {
  const wrap = (x, parent, side) => {
    const q = PREC[x.kind];
    const p = PREC[parent];
    const need = q !== undefined && (q < p || (q === p && (parent === '^' ? side === 'l' : side === 'r' && (parent === '-' || parent === '/'))));
    return need ? `(${show(x)})` : show(x);
  };
  switch (e.kind) {
    case 'num':
      return String(e.value);
    case 'var':
      return e.name;
    case 'fn':
      return `${e.name}(${show(e.x)})`;
    case 'neg':
      return `−${wrap(e.x, 'neg', 'r')}`;
    default: {
      if (e.kind === '*' && e.l.kind === 'num' && e.r.kind === 'var') return `${e.l.value}${e.r.name}`;
      const sp = e.kind === '^' ? '' : ' ';
      return `${wrap(e.l, e.kind, 'l')}${sp}${SYM[e.kind]}${sp}${wrap(e.r, e.kind, 'r')}`;
    }
  }
}

/**
 * Evaluates the AST with webgrad ops on the leaves `vars` ({a, b, c} tensors). Constants stay JS numbers
 * (folded where both sides are), so webgrad records them as scalar operands. Returns {value, made}:
 * `value` a Tensor (or a number when no variable occurs) and `made`, every tensor made, with its text.
 */
export function evaluate(wg, e, vars) {
  const made = [];
  const used = new Set();
  const num = (x) => typeof x === 'number';
  const BIN = { '+': [wg.add, (x, y) => x + y], '-': [wg.sub, (x, y) => x - y], '*': [wg.mul, (x, y) => x * y], '/': [wg.div, (x, y) => x / y], '^': [wg.pow, (x, y) => x ** y] };
  const FN = { exp: Math.exp, log: Math.log, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)), relu: (x) => Math.max(0, x), sin: Math.sin, cos: Math.cos, sqrt: Math.sqrt, abs: Math.abs };
  const keep = (t, node) => (made.push({ tensor: t, text: show(node) }), t);
  function ev(n) {
    switch (n.kind) {
      case 'num':
        return n.value;
      case 'var':
        used.add(n.name);
        return vars[n.name];
      case 'neg': {
        const x = ev(n.x);
        return num(x) ? -x : keep(wg.neg(x), n);
      }
      case 'fn': {
        const x = ev(n.x);
        return num(x) ? FN[n.name](x) : keep(wg[n.name](x), n);
      }
      default: {
        const l = ev(n.l);
        const r = ev(n.r);
        const [op, f] = BIN[n.kind];
        return num(l) && num(r) ? f(l, r) : keep(op(l, r), n);
      }
    }
  }
  return { value: ev(e), made, used: VARIABLES.filter((v) => used.has(v)) };
}
