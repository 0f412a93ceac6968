/**
 * The little query language of `_text` / `_content`: words ANDed by default, `OR` / `AND` / `NOT`
 * (uppercase), `-word`, parentheses and "quoted phrases", e.g. `_text=(bone OR liver) AND metastases`.
 * @see https://hl7.org/fhir/R5/search.html#text
 * @see https://hl7.org/fhir/R5/search.html#content
 * @module
 */
import { badRequest } from '../../errors/fhir-error.js';
import { pipelineTokens } from './terms.js';

/**
 * A parsed `_text` / `_content` query. `term` is the pipeline's output (`images` → `imag`) and `word` the
 * word it came from (for messages).
 */
export type TextQuery =
  | { op: 'term'; term: string; word: string }
  | { op: 'and' | 'or'; args: TextQuery[] }
  | { op: 'not'; arg: TextQuery };

type Lexeme =
  | { kind: '(' | ')' | 'OR' | 'AND' | 'NOT' }
  | { kind: 'word' | 'phrase'; text: string };

const KEYWORDS = new Set(['OR', 'AND', 'NOT']);
const WORD_END = /[\s()"]/;

function lex(query: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') {
      out.push({ kind: c });
      i++;
    } else if (c === '"') {
      const end = query.indexOf('"', i + 1);
      if (end < 0) throw badRequest(`Text search '${query}': unterminated quoted phrase`);
      out.push({ kind: 'phrase', text: query.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '-' && i + 1 < query.length && !/[\s)]/.test(query[i + 1]!)) {
      out.push({ kind: 'NOT' }); // `-word`, `-"phrase"`, `-(…)`; a `-` inside a word (x-ray) is not this
      i++;
    } else {
      let end = i + 1;
      while (end < query.length && !WORD_END.test(query[end]!)) end++;
      const text = query.slice(i, end);
      out.push(KEYWORDS.has(text) ? { kind: text as 'OR' | 'AND' | 'NOT' } : { kind: 'word', text });
      i = end;
    }
  }
  return out;
}

/** `and`/`or` of the non-empty parts, flattened, identical terms once; `null` when nothing is left. */
function combine(op: 'and' | 'or', parts: (TextQuery | null)[]): TextQuery | null {
  const args: TextQuery[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    if (p === null) continue;
    for (const a of p.op === op ? p.args : [p]) {
      if (a.op === 'term') {
        if (seen.has(a.term)) continue;
        seen.add(a.term);
      }
      args.push(a);
    }
  }
  return args.length === 0 ? null : args.length === 1 ? args[0]! : { op, args };
}

/** The terms of one word or phrase, ANDed; `null` when the pipeline leaves nothing (stop words). */
function wordsQuery(text: string): TextQuery | null {
  const terms = text
    .split(/\s+/)
    .filter((w) => w !== '')
    .flatMap((word) => pipelineTokens(word).map((term): TextQuery => ({ op: 'term', term, word })));
  return combine('and', terms);
}

/**
 * Whether every document matching `q` holds at least one of `queryTerms(q)`: then the union of those
 * terms' postings is a complete candidate set and no scan is needed.
 */
function anchored(q: TextQuery): boolean {
  switch (q.op) {
    case 'term':
      return true;
    case 'and':
      return q.args.some(anchored);
    case 'or':
      return q.args.every(anchored);
    case 'not':
      return false;
  }
}

class Parser {
  private pos = 0;
  constructor(
    private readonly query: string,
    private readonly lexemes: Lexeme[],
  ) {}

  private fail(why: string): never {
    throw badRequest(`Text search '${this.query}': ${why}`);
  }
  private peek(): Lexeme['kind'] | 'end' {
    return this.lexemes[this.pos]?.kind ?? 'end';
  }
  /** After an operator something to operate on must follow. */
  private operand(op: string): void {
    const next = this.peek();
    if (next === 'end' || next === ')' || next === 'OR' || next === 'AND') this.fail(`'${op}' has nothing after it`);
  }

  parse(): TextQuery | null {
    if (this.lexemes.length === 0) return null;
    const q = this.or();
    if (this.peek() !== 'end') this.fail("unbalanced parentheses: ')' without '('");
    return q;
  }

  private or(): TextQuery | null {
    const parts = [this.and()];
    while (this.peek() === 'OR') {
      this.pos++;
      this.operand('OR');
      parts.push(this.and());
    }
    return combine('or', parts);
  }

  private and(): TextQuery | null {
    const first = this.peek();
    if (first === 'OR' || first === 'AND') this.fail(`'${first}' has nothing before it`);
    const parts = [this.unary()];
    for (let next = this.peek(); next !== 'end' && next !== ')' && next !== 'OR'; next = this.peek()) {
      if (next === 'AND') {
        this.pos++;
        this.operand('AND');
      }
      parts.push(this.unary());
    }
    return combine('and', parts);
  }

  private unary(): TextQuery | null {
    if (this.peek() !== 'NOT') return this.primary();
    this.pos++;
    this.operand('NOT');
    const arg = this.unary();
    if (arg === null) return null; // NOT of a stop word: nothing to exclude
    return arg.op === 'not' ? arg.arg : { op: 'not', arg };
  }

  private primary(): TextQuery | null {
    const lexeme = this.lexemes[this.pos++];
    if (lexeme === undefined) return this.fail('the query ends too early');
    switch (lexeme.kind) {
      case 'word':
      case 'phrase':
        return wordsQuery(lexeme.text);
      case '(': {
        if (this.peek() === ')') this.fail("empty parentheses '()'");
        const inner = this.or();
        if (this.peek() !== ')') this.fail("unbalanced parentheses: '(' without ')'");
        this.pos++;
        return inner;
      }
      case ')':
        return this.fail("unbalanced parentheses: ')' without '('");
      default:
        return this.fail(`unexpected '${lexeme.kind}'`);
    }
  }
}

/**
 * Parses a `_text` / `_content` value (one OR-alternative of the parameter, already split on unescaped
 * commas and unescaped by the caller). Grammar, loosest first: `a OR b`; `a AND b` or just `a b`;
 * `NOT a` or `-a`; `( … )`, a word, or a `"quoted phrase"`. Keywords are uppercase only; lowercase
 * `and`/`or`/`not` are ordinary words (and lunr stop words).
 *
 * Every word goes through the same lunr pipeline as the documents, so stems match (`images` finds
 * `image`) and stop words vanish; a word the pipeline splits (`x-ray`) is the AND of its terms. A phrase is
 * the AND of its terms: postings keep no positions, so word order and adjacency are not checked
 * (`"key images"` also matches "images of the key").
 *
 * @throws FhirError 400 on unbalanced parentheses, an unterminated quote, `()`, a dangling `OR`/`AND`/`NOT`,
 *   a query with no searchable term (empty, or only stop words), and a query some alternative of which has
 *   no required word (`-liver`, `bone OR -liver`): such a query matches documents by what they lack, which
 *   only a scan of every resource can answer.
 * @see https://hl7.org/fhir/R5/search.html#text
 */
export function parseTextQuery(query: string): TextQuery {
  const q = new Parser(query, lex(query)).parse();
  if (q === null) {
    throw badRequest(`Text search '${query}' has no searchable term (empty, or only stop words such as 'the', 'of', 'and')`);
  }
  if (!anchored(q)) {
    throw badRequest(`Text search '${query}': every alternative needs a word that must be present, not only excluded words`);
  }
  return q;
}

/**
 * The positive terms of a query (not under a NOT), each once, in order of appearance: the terms whose
 * postings the planner looks up. A parsed query guarantees that every match holds at least one of them,
 * so the union of their postings is the candidate set; {@link matchesText} then filters it. These are
 * also the terms `bm25` scores.
 * @see https://hl7.org/fhir/R5/search.html#text
 */
export function queryTerms(q: TextQuery): string[] {
  const terms = new Set<string>();
  const walk = (n: TextQuery): void => {
    if (n.op === 'term') terms.add(n.term);
    else if (n.op !== 'not') n.args.forEach(walk);
  };
  walk(q);
  return [...terms];
}

/**
 * Evaluates a query against one document's term set (`has(term)`: the document holds the term).
 * @see https://hl7.org/fhir/R5/search.html#text
 */
export function matchesText(q: TextQuery, has: (term: string) => boolean): boolean {
  switch (q.op) {
    case 'term':
      return has(q.term);
    case 'and':
      return q.args.every((a) => matchesText(a, has));
    case 'or':
      return q.args.some((a) => matchesText(a, has));
    case 'not':
      return !matchesText(q.arg, has);
  }
}
