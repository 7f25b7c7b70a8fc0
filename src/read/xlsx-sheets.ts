/**
 * The sheets of an xlsx workbook as Excel shows its tabs, and which one the Excel reader reads.
 *
 * exceljs 4.4's streaming reader names a worksheet only when its relationship target is spelled
 * exactly `worksheets/sheet<N>.xml` (`_parseWorksheet` in `lib/stream/xlsx/workbook-reader.js`).
 * openpyxl, and so pandas' `to_excel`, writes the absolute part name `/xl/worksheets/sheet1.xml`,
 * which the standard (OPC) allows: exceljs then leaves its fallback name `Sheet<N>` on every
 * sheet. So the names do not come from exceljs' worksheets but from what it parsed once, small
 * and before any sheet is handed out: `xl/workbook.xml` (names, tab order, hidden state, `r:id`)
 * and `xl/_rels/workbook.xml.rels` (`r:id` → part). Each sheet's target is resolved to its zip
 * part (relative to `xl/`, or absolute from the zip root), and a worksheet exceljs hands out is
 * known by its part, `xl/worksheets/sheet<N>.xml`.
 */

import { posix } from 'node:path';

/** A sheet's `<sheet>` entry in `xl/workbook.xml`, as exceljs parses it. */
export interface WorkbookSheetEntry {
  name?: string;
  /** `visible` (or absent), `hidden` or `veryHidden`. */
  state?: string;
  rId?: string;
}

/** A `<Relationship>` of `xl/_rels/workbook.xml.rels`, as exceljs parses it (its XML attributes). */
export interface WorkbookRelationship {
  Id?: string;
  Type?: string;
  Target?: string;
  TargetMode?: string;
}

/** A tab of the workbook. */
export interface WorkbookSheet {
  name: string;
  /** A worksheet (a grid of cells), a chart sheet, or another kind (dialog or macro sheet). */
  kind: 'worksheet' | 'chart' | 'other';
  /** Hidden or very hidden: Excel does not show its tab. */
  hidden: boolean;
  /**
   * The zip part of a worksheet, lower-cased (`xl/worksheets/sheet2.xml`); undefined when the
   * workbook has no relationship for it.
   */
  part?: string;
}

/** The sheet to read, or why there is none. */
export type SheetChoice = { sheet: WorkbookSheet } | { problem: string };

/** The workbook's tabs in tab order, with their kinds and parts. */
export function workbookSheets(
  entries: readonly WorkbookSheetEntry[],
  relationships: readonly WorkbookRelationship[] | undefined,
): WorkbookSheet[] {
  const byId = new Map((relationships ?? []).map((relationship) => [relationship.Id, relationship]));
  return entries.map((entry) => {
    const relationship = entry.rId === undefined ? undefined : byId.get(entry.rId);
    const type = relationship?.Type ?? '';
    const kind = /\/worksheet$/i.test(type)
      ? 'worksheet'
      : /\/chartsheet$/i.test(type)
        ? 'chart'
        : // No relationship for it: exceljs hands out any `xl/worksheets/sheet<N>.xml` as a worksheet.
          relationship === undefined
          ? 'worksheet'
          : 'other';
    const part =
      relationship?.Target === undefined || relationship.TargetMode === 'External'
        ? undefined
        : workbookPart(relationship.Target);
    const hidden = entry.state === 'hidden' || entry.state === 'veryHidden';
    return { name: entry.name ?? '', kind, hidden, ...(part === undefined ? {} : { part }) };
  });
}

/**
 * The zip part a relationship of `xl/workbook.xml` points at, lower-cased: a relative target is
 * resolved from `xl/`, an absolute one (`/xl/worksheets/sheet1.xml`, openpyxl) from the zip root.
 */
export function workbookPart(target: string): string {
  let path = target.replace(/\\/g, '/');
  try {
    path = decodeURIComponent(path);
  } catch {
    // A stray `%` that is no escape: the target as written.
  }
  const resolved = path.startsWith('/') ? posix.normalize(path) : posix.join('/xl', path);
  return resolved.slice(1).toLowerCase();
}

/** The zip part of the worksheet exceljs numbered `sheetNumber` (from `xl/worksheets/sheet<N>.xml`). */
export function worksheetPart(sheetNumber: string | number): string {
  return `xl/worksheets/sheet${sheetNumber}.xml`;
}

/**
 * The sheet to read: the one named `wanted` (case and surrounding spaces ignored), or the first
 * visible worksheet in tab order (hidden sheets and chart sheets are skipped; the first hidden
 * worksheet when every worksheet is hidden).
 *
 * @param source how messages name the workbook
 */
export function chooseSheet(
  sheets: readonly WorkbookSheet[],
  wanted: string | undefined,
  source: string,
): SheetChoice {
  const worksheets = sheets.filter((sheet) => sheet.kind === 'worksheet');
  if (wanted !== undefined) {
    const key = sheetKey(wanted);
    const named = sheets.find((sheet) => sheetKey(sheet.name) === key);
    if (named?.kind === 'worksheet') return { sheet: named };
    const available =
      worksheets.length > 0 ? `the workbook has ${listSheets(worksheets)}` : 'the workbook has no worksheet';
    if (named !== undefined) {
      return {
        problem: `${source}: sheet ${JSON.stringify(named.name)} is a ${named.kind === 'chart' ? 'chart sheet' : 'dialog or macro sheet'}, not a table of rows; ${available}`,
      };
    }
    return {
      problem: `${source}: no sheet named ${JSON.stringify(wanted)}; ${sheets.length > 0 ? `the workbook has ${listSheets(sheets)}` : 'the workbook lists no sheet'}`,
    };
  }
  const first = worksheets.find((sheet) => !sheet.hidden) ?? worksheets[0];
  if (first !== undefined) return { sheet: first };
  return {
    problem:
      sheets.length > 0
        ? `${source}: the workbook has no worksheet, only ${listSheets(sheets)}`
        : `${source}: the workbook has no worksheet`,
  };
}

/** `"Contacts", "Lists" (hidden), "Chart1" (chart)`. */
export function listSheets(sheets: readonly WorkbookSheet[]): string {
  return sheets.map(describeSheet).join(', ');
}

function describeSheet(sheet: WorkbookSheet): string {
  const notes = [
    ...(sheet.kind === 'chart' ? ['chart'] : sheet.kind === 'other' ? ['not a worksheet'] : []),
    ...(sheet.hidden ? ['hidden'] : []),
  ];
  return `${JSON.stringify(sheet.name)}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

/** How sheet names are compared: case and surrounding spaces ignored. */
export function sheetKey(name: string): string {
  return name.trim().toLowerCase();
}
