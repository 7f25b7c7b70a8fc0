/**
 * The two parts of an xlsx workbook the Excel reader parses itself: the shared strings table and
 * the worksheet it reads. exceljs' streaming reader matches element names literally and needs
 * every `r` attribute; these readers instead:
 * - match elements by their local name, so a prefixed `<x:worksheet>`, `<x:row>`, `<x:c>`,
 *   `<x:si>` (what the .NET Open XML SDK writes, and so many CRMs' "Export to Excel") reads as
 *   the unprefixed form;
 * - number a `<row>` without `r` as the row after the previous one, and a `<c>` without `r` as
 *   the column after the previous cell (both allowed by ECMA-376);
 * - take a string's text from its `<t>` elements only (not from phonetic `<rPh>` runs, nor from
 *   the whitespace between elements), with Excel's `_xHHHH_` escapes decoded.
 * The XML itself is parsed by saxes, the parser exceljs uses (the same major version, so both
 * read XML alike).
 */

import { SaxesParser } from 'saxes';

function newParser(): SaxesParser {
  return new SaxesParser();
}

/** Excel's last column, XFD: a cell reference beyond it is damage, not a wide sheet. */
export const MAX_COLUMNS = 16_384;

/** A cell as the sheet stores it, before its value is made text. */
export interface RawCell {
  /** 1-based. */
  column: number;
  /** The `t` attribute: `s` (shared string), `inlineStr`, `str`, `b`, `e`, `n`, `d`; undefined is `n`. */
  type: string | undefined;
  /** The `s` attribute, an index into the workbook's cell formats; 0 when absent. */
  style: number;
  /** The `<v>` text (`''` for `<v/>`); undefined when the cell has none. */
  value: string | undefined;
  /** The text of an inline string (`<is>`), escapes decoded; undefined when the cell has none. */
  inline: string | undefined;
}

/** A `<row>` of the sheet with its cells in column order. */
export interface RawRow {
  number: number;
  cells: RawCell[];
}

/** The part of an element name after its namespace prefix: `x:row` → `row`. */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/**
 * Decodes Excel's `_xHHHH_` escapes (ECMA-376 Part 1, 22.9.2.19 ST_Xstring): `_x000D_` is a
 * carriage return, and `_x005F_` an underscore, which is how a literal `_x0041_` is written.
 */
export function decodeExcelEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The parser's events for one chunk of XML, gathered while it is written (saxes is synchronous). */
async function* parsedChunks(
  chunks: AsyncIterable<Uint8Array | string>,
  parser: SaxesParser,
): AsyncGenerator<void> {
  let failure: Error | undefined;
  parser.on('error', (error) => {
    failure ??= error;
  });
  // `fatal: false` drops a byte order mark, as exceljs does; stream mode keeps a character split
  // between two chunks whole.
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (failure !== undefined) throw failure;
    yield;
  }
  parser.write(decoder.decode());
  parser.close();
  if (failure !== undefined) throw failure;
}

/** The shared strings table (`xl/sharedStrings.xml`), one string per `<si>` in order. */
export async function* readSharedStrings(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string[]> {
  const parser = newParser();
  let strings: string[] = [];
  let text: string | undefined;
  let inText = false;
  let phonetic = 0;
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (name === 'si') text = '';
    else if (name === 'rPh') phonetic++;
    else if (name === 't' && phonetic === 0 && text !== undefined) inText = true;
  });
  const onText = (chunk: string): void => {
    if (inText) text += chunk;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    if (name === 't') inText = false;
    else if (name === 'rPh') phonetic--;
    else if (name === 'si' && text !== undefined) {
      strings.push(decodeExcelEscapes(text));
      text = undefined;
    }
  });
  for await (const _ of parsedChunks(chunks, parser)) {
    if (strings.length > 0) {
      yield strings;
      strings = [];
    }
  }
  if (strings.length > 0) yield strings;
}

/** The column of a cell reference (`B2` → 2), or undefined when it has no column letters. */
function referenceColumn(reference: string | undefined): number | undefined {
  const letters = reference === undefined ? undefined : /^\$?([A-Za-z]{1,3})\$?\d*$/.exec(reference.trim());
  if (letters === null || letters === undefined) return undefined;
  let column = 0;
  for (const letter of (letters[1] as string).toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
  return column;
}

/**
 * The rows of a worksheet part, handed over per chunk of XML read. Rows and cells without `r`
 * are numbered by position.
 *
 * @throws Error when the XML is malformed, or a cell lies beyond column {@link MAX_COLUMNS}
 */
export async function* readWorksheetRows(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<RawRow[]> {
  const parser = newParser();
  let rows: RawRow[] = [];
  let inSheetData = false;
  let row: RawRow | undefined;
  let cell: RawCell | undefined;
  let previousRow = 0;
  let capture: 'value' | 'inline' | undefined;
  let inInline = false;
  let phonetic = 0;
  let failure: Error | undefined;
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (name === 'sheetData') {
      inSheetData = true;
    } else if (name === 'row' && inSheetData) {
      const number = Number(tag.attributes.r);
      row = { number: Number.isSafeInteger(number) && number > 0 ? number : previousRow + 1, cells: [] };
      previousRow = row.number;
    } else if (name === 'c' && row !== undefined) {
      const last = row.cells.at(-1)?.column ?? 0;
      const column = referenceColumn(tag.attributes.r) ?? last + 1;
      if (column > MAX_COLUMNS) {
        failure ??= new Error(
          `cell ${tag.attributes.r ?? `number ${column}`} lies beyond Excel's last column`,
        );
      }
      const style = Number(tag.attributes.s);
      cell = {
        column,
        type: tag.attributes.t,
        style: Number.isSafeInteger(style) ? style : 0,
        value: undefined,
        inline: undefined,
      };
    } else if (cell !== undefined) {
      if (name === 'v' && !inInline) {
        cell.value = '';
        capture = 'value';
      } else if (name === 'is') {
        cell.inline = '';
        inInline = true;
      } else if (name === 'rPh') {
        phonetic++;
      } else if (name === 't' && inInline && phonetic === 0) {
        capture = 'inline';
      }
    }
  });
  const onText = (text: string): void => {
    if (cell === undefined || capture === undefined) return;
    if (capture === 'value') cell.value += text;
    else cell.inline += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    if (name === 'v' || name === 't') {
      capture = undefined;
    } else if (name === 'rPh') {
      phonetic--;
    } else if (name === 'is') {
      inInline = false;
      if (cell?.inline !== undefined) cell.inline = decodeExcelEscapes(cell.inline);
    } else if (name === 'c' && cell !== undefined) {
      row?.cells.push(cell);
      cell = undefined;
    } else if (name === 'row' && row !== undefined) {
      // Cells are in column order in every writer seen; sort the rare file that is not.
      if (row.cells.some((each, i) => i > 0 && each.column <= (row?.cells[i - 1] as RawCell).column)) {
        row.cells.sort((a, b) => a.column - b.column);
      }
      rows.push(row);
      row = undefined;
    } else if (name === 'sheetData') {
      inSheetData = false;
    }
  });
  for await (const _ of parsedChunks(chunks, parser)) {
    if (failure !== undefined) throw failure;
    if (rows.length > 0) {
      yield rows;
      rows = [];
    }
  }
  if (failure !== undefined) throw failure;
  if (rows.length > 0) yield rows;
}
