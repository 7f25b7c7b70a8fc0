/**
 * Where a JSON syntax error is, and what it is in words a user acts on, for the JSON reader's
 * streaming parser (stream-json). The parser's own errors name neither a line nor a column, and
 * say `unexpected token ']'` or `Parser has expected a string value`; this says "line 31,
 * column 1: a trailing comma before ]" or "the file ends before the JSON is complete (cut off?)".
 *
 * The cost stays off the path of a good file: the line and column of the text the parser has
 * consumed are counted once per chunk (its newlines), and the parser's state is noted before each
 * chunk. Only when a chunk fails is that one chunk (at most a read's worth of text) parsed again,
 * a character at a time from the noted state, to find the character the parser stopped at.
 *
 * This reads stream-json 1.x internals (`_processBuffer`, `_buffer`, `_expect`…), which its types
 * do not declare; `test/read/json.test.ts` checks the positions, so an upgrade that changes them
 * shows there.
 */

import Parser from 'stream-json/Parser.js';

/** A place in the text, both 1-based; the column counts characters (a tab is one). */
export interface TextPlace {
  line: number;
  column: number;
}

/** A syntax error of a JSON source: where it is, and what is wrong. */
export interface JsonSyntaxError {
  place: TextPlace;
  /** What is wrong, in words: `a trailing comma before ]`, `unexpected character 'x'`. */
  problem: string;
}

/** How far the parser has consumed the text, and what it consumed last. */
interface Consumed {
  place: TextPlace;
  /** The last character consumed that is not white space ('' when none yet). */
  lastChar: string;
  /** Just after {@link lastChar}: where a file cut short is said to end. */
  afterLastChar: TextPlace;
}

const START: Consumed = {
  place: { line: 1, column: 1 },
  lastChar: '',
  afterLastChar: { line: 1, column: 1 },
};

/** The state of stream-json's parser between two steps over its text. */
interface ParserState {
  _expect: string;
  _parent: string;
  _stack: string[];
  _open_number: boolean;
  _accumulator: string;
  _done: boolean;
}

/** The parts of stream-json 1.x's parser read here (internals, not in its types). */
interface ParserInternals extends ParserState {
  /** The text received and not yet consumed. */
  _buffer: string;
  /** Consumes what it can of `_buffer`; calls back synchronously, with an error at a syntax error. */
  _processBuffer(callback: (error?: Error | null) => void): void;
}

const processBuffer = (Parser.prototype as unknown as ParserInternals)._processBuffer;

/**
 * stream-json's parser that knows where it is: after a syntax error, {@link syntaxError} says where
 * and what. The noun names the source in a message (`the file ends…`, `the input ends…`).
 */
export class LocatingParser extends Parser {
  /** Set when the parser fails on the text. */
  syntaxError: JsonSyntaxError | undefined;
  private consumed = START;

  constructor(
    private readonly parserOptions: Parser.ParserOptions,
    private readonly sourceNoun: 'file' | 'input',
  ) {
    super(parserOptions);
  }

  /** stream-json's step over the text it holds, wrapped to count what it consumed. */
  _processBuffer(callback: (error?: Error | null) => void): void {
    const internals = this as unknown as ParserInternals;
    const text = internals._buffer;
    const before = noteState(internals);
    processBuffer.call(this, (error) => {
      if (error) this.syntaxError = this.locate(text, before);
      // stream-json keeps the text it could not consume yet (a few characters) for the next step.
      else this.consumed = advance(this.consumed, text, text.length - internals._buffer.length);
      callback(error);
    });
  }

  /** Where in `text` (the parser's text when a step began in state `before`) the step failed, and why. */
  private locate(text: string, before: ParserState): JsonSyntaxError {
    const { offset, expecting } = replay(text, before, this.parserOptions);
    if (offset >= text.length || cutShort(text.slice(offset), expecting)) {
      const end = advance(this.consumed, text, text.length).afterLastChar;
      return { place: end, problem: `the ${this.sourceNoun} ends before the JSON is complete (cut off?)` };
    }
    const upTo = advance(this.consumed, text, offset);
    return { place: upTo.place, problem: describe(text, offset, expecting, upTo.lastChar) };
  }
}

function noteState(parser: ParserInternals): ParserState {
  return {
    _expect: parser._expect,
    _parent: parser._parent,
    _stack: parser._stack.slice(),
    _open_number: parser._open_number,
    _accumulator: parser._accumulator,
    _done: parser._done,
  };
}

/** A parser that only counts the tokens it makes. */
class CountingParser extends Parser {
  tokens = 0;

  override push(): boolean {
    this.tokens++;
    return true;
  }
}

/**
 * Parses `text` again from `state`, a character at a time, and returns the offset of the character
 * the parser stopped at and what it expected there. A step that fails stops where the step before
 * it left off (the parser waits at a character it cannot take yet: a stray character needs a few
 * more to be sure), unless it first made a token (a `true` or a number that the new character
 * ended), when the new character is the one at fault.
 */
function replay(
  text: string,
  state: ParserState,
  options: Parser.ParserOptions,
): { offset: number; expecting: string } {
  const counting = new CountingParser(options);
  const parser = Object.assign(counting as unknown as ParserInternals, state, {
    _stack: state._stack.slice(),
    _done: false,
  });
  let fed = 0;
  for (;;) {
    const waitingAt = fed - parser._buffer.length;
    let newest: number;
    if (fed < text.length) {
      newest = fed;
      parser._buffer += text[fed++];
    } else if (state._done && !parser._done) {
      // The step that failed was the last one, at the end of the text.
      newest = text.length;
      parser._done = true;
    } else return { offset: waitingAt, expecting: parser._expect };
    counting.tokens = 0;
    let failed = false;
    parser._processBuffer((error) => {
      failed = Boolean(error);
    });
    if (failed) return { offset: counting.tokens > 0 ? newest : waitingAt, expecting: parser._expect };
  }
}

/** Whether what follows the failure is the start of something the file was cut off in (`tru`, `\u00`). */
function cutShort(rest: string, expecting: string): boolean {
  if (expecting === 'string' || expecting === 'keyVal') return /^\\(u[\da-fA-F]{0,3})?$/.test(rest);
  const word = rest.trimEnd();
  return word !== '' && ['true', 'false', 'null'].some((literal) => literal.startsWith(word));
}

/** What is wrong at `text[offset]`, the parser expecting `expecting`, after `lastChar`. */
function describe(text: string, offset: number, expecting: string, lastChar: string): string {
  const char = String.fromCodePoint(text.codePointAt(offset) ?? 0);
  if ((char === ']' || char === '}') && lastChar === ',') return `a trailing comma before ${char}`;
  if (expecting === 'string' || expecting === 'keyVal') {
    if (char === '\n' || char === '\r') return 'a line break inside a quoted text';
    if (char === '\t') return 'a tab inside a quoted text (write it as \\t)';
    if (char === '\\')
      return `an invalid escape ${quote(text.slice(offset, offset + 2))} inside a quoted text`;
    if (char < ' ') return `a control character (${codePoint(char)}) inside a quoted text`;
  }
  if ((expecting === 'arrayStop' || expecting === 'objectStop') && /^["{[\d-]/.test(char))
    return `unexpected character ${quote(char)} (a comma missing before it?)`;
  return `unexpected character ${/^[\s\p{C}]/u.test(char) ? codePoint(char) : quote(char)}`;
}

function quote(text: string): string {
  return text.includes("'") ? `"${text}"` : `'${text}'`;
}

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `from` moved over `text` up to `end`: the newlines in it counted, its last character noted. */
function advance(from: Consumed, text: string, end: number): Consumed {
  let { line } = from.place;
  let lineStart = -1;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  const place = { line, column: lineStart === -1 ? from.place.column + end : end - lineStart + 1 };
  let last = end - 1;
  // The parser's white space is \s: a BOM or a no-break space passes as white space too.
  while (last >= 0 && /\s/.test(text[last] as string)) last--;
  if (last < 0) return { ...from, place };
  // Back from `place` over the white space after the last character (a few characters, usually).
  const trailing = text.slice(last + 1, end);
  const newlines = trailing.split('\n').length - 1;
  const lineOfLast = text.lastIndexOf('\n', last);
  const afterLastChar =
    newlines === 0
      ? { line, column: place.column - trailing.length }
      : {
          line: line - newlines,
          column: lineOfLast === -1 ? from.place.column + last + 1 : last - lineOfLast + 1,
        };
  return { place, lastChar: text[last] as string, afterLastChar };
}
