/**
 * A book as a PDF (pdfkit): A4 or US Letter, a header on every page (show, script, version, date),
 * "page N of M" at the foot, and departments marked so they survive black-and-white printing —
 * bold initials beside a swatch whose pattern (solid, hatched, dotted, …) differs per department,
 * not colour alone. Priorities that matter (SAFETY, CRITICAL) are spelled out, never just tinted.
 */
import PDFDocument from 'pdfkit';
import type { Book, BookRow, DeptMark, Paper } from './book';
import { PAPER_SIZES } from './book';

const MARGIN = 36;
const HEADER_H = 58;
const FOOTER_H = 22;
const PAD = 4;
const INDENT = 9;
const GREY = '#555555';
const RULE = '#bbbbbb';
const BAND = '#e8e8e8';

interface Column {
  key: 'time' | 'dept' | 'name' | 'notes' | 'group' | 'location' | 'duration';
  label: string;
  width: number;
}

function columns(book: Book, width: number): Column[] {
  const fixed: Column[] =
    book.kind === 'script'
      ? [
          { key: 'time', label: 'Time', width: 60 },
          { key: 'dept', label: 'Dept', width: 50 },
          { key: 'name', label: 'Cue', width: 112 },
          { key: 'notes', label: 'Description', width: 0 },
          { key: 'location', label: 'Location', width: 76 },
          { key: 'duration', label: 'Duration', width: 58 },
        ]
      : [
          { key: 'time', label: 'Time', width: 60 },
          { key: 'name', label: 'Cue', width: 90 },
          { key: 'notes', label: 'Description', width: 0 },
          { key: 'group', label: 'Scene / group', width: 110 },
          { key: 'location', label: 'Location', width: 76 },
          { key: 'duration', label: 'Duration', width: 58 },
        ];
  const used = fixed.reduce((n, c) => n + c.width, 0);
  return fixed.map((c) => (c.width === 0 ? { ...c, width: width - used } : c));
}

/** The department swatch: its colour, in a pattern that still tells it apart in grey. */
function swatch(doc: PDFKit.PDFDocument, x: number, y: number, size: number, mark: DeptMark): void {
  doc.save();
  doc.rect(x, y, size, size).clip();
  const c = mark.colour;
  switch (mark.pattern) {
    case 'solid':
      doc.rect(x, y, size, size).fill(c);
      break;
    case 'diagonal':
      for (let d = -size; d < size; d += 3)
        doc
          .moveTo(x + d, y + size)
          .lineTo(x + d + size, y)
          .lineWidth(1.2)
          .stroke(c);
      break;
    case 'dots':
      for (let i = 1.5; i < size; i += 3) for (let j = 1.5; j < size; j += 3) doc.circle(x + i, y + j, 0.8).fill(c);
      break;
    case 'horizontal':
      for (let j = 1; j < size; j += 2.5)
        doc
          .moveTo(x, y + j)
          .lineTo(x + size, y + j)
          .lineWidth(1.1)
          .stroke(c);
      break;
    case 'cross':
      for (let d = 1; d < size; d += 3) {
        doc
          .moveTo(x + d, y)
          .lineTo(x + d, y + size)
          .lineWidth(0.8)
          .stroke(c);
        doc
          .moveTo(x, y + d)
          .lineTo(x + size, y + d)
          .lineWidth(0.8)
          .stroke(c);
      }
      break;
    case 'vertical':
      for (let i = 1; i < size; i += 2.5)
        doc
          .moveTo(x + i, y)
          .lineTo(x + i, y + size)
          .lineWidth(1.1)
          .stroke(c);
      break;
    case 'outline':
      doc
        .rect(x + 1.5, y + 1.5, size - 3, size - 3)
        .lineWidth(2)
        .stroke(c);
      break;
  }
  doc.restore();
  doc.rect(x, y, size, size).lineWidth(0.6).stroke('#000000');
}

export function renderBookPdf(book: Book, paper: Paper): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: PAPER_SIZES[paper],
    margins: { top: MARGIN + HEADER_H, bottom: MARGIN + FOOTER_H, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `${book.showName} — ${book.scriptName} — ${book.title}`,
      Subject: `${book.title}, version ${book.version}`,
      Creator: 'Cuebe',
    },
  });
  const pageW = doc.page.width;
  const pageH = doc.page.height;
  const width = pageW - 2 * MARGIN;
  const cols = columns(book, width);
  const bottom = pageH - MARGIN - FOOTER_H;
  const maxRowText = bottom - (MARGIN + HEADER_H) - 2 * PAD - 1;
  const xOf = (key: Column['key']) => {
    let x = MARGIN;
    for (const c of cols) {
      if (c.key === key) return x;
      x += c.width;
    }
    return x;
  };
  const colW = (key: Column['key']) => cols.find((c) => c.key === key)?.width ?? 0;

  const pageHeader = () => {
    const top = MARGIN;
    doc.font('Helvetica-Bold').fontSize(13).fillColor('#000000');
    doc.text(book.showName, MARGIN, top, { width: width * 0.6, lineBreak: false, ellipsis: true });
    doc.font('Helvetica-Bold').fontSize(11);
    doc.text(book.title, MARGIN + width * 0.4, top + 1, { width: width * 0.6, align: 'right', lineBreak: false });
    doc.font('Helvetica').fontSize(8.5).fillColor(GREY);
    const sub = [book.scriptName, `version ${book.version}`, book.venue].filter(Boolean).join('  ·  ');
    doc.text(sub, MARGIN, top + 18, { width: width * 0.65, lineBreak: false, ellipsis: true });
    doc.text(`Printed ${book.printedOn}`, MARGIN + width * 0.5, top + 18, {
      width: width * 0.5,
      align: 'right',
      lineBreak: false,
    });
    const y = top + HEADER_H - 20;
    doc.rect(MARGIN, y, width, 16).fill(BAND);
    doc
      .moveTo(MARGIN, y)
      .lineTo(MARGIN + width, y)
      .lineWidth(1)
      .stroke('#000000');
    doc.font('Helvetica-Bold').fontSize(7.5).fillColor('#000000');
    for (const c of cols)
      doc.text(c.label.toUpperCase(), xOf(c.key) + PAD, y + 5, { width: c.width - 2 * PAD, lineBreak: false });
    doc.y = top + HEADER_H;
  };

  const rowHeight = (r: BookRow): number => {
    const nameW = colW('name') - 2 * PAD - r.depth * INDENT;
    doc.font(r.kind === 'note' ? 'Helvetica-Oblique' : 'Helvetica-Bold').fontSize(9);
    let h = doc.heightOfString(r.name, { width: nameW });
    if (r.priority === 'SAFETY' || r.priority === 'CRITICAL') h += 11;
    doc.font(r.kind === 'group' ? 'Helvetica-Oblique' : 'Helvetica').fontSize(8.5);
    h = Math.max(h, doc.heightOfString(r.notes || ' ', { width: colW('notes') - 2 * PAD }));
    doc.font('Helvetica').fontSize(8);
    if (r.location) h = Math.max(h, doc.heightOfString(r.location, { width: colW('location') - 2 * PAD }));
    if (book.kind === 'department' && r.groupPath)
      h = Math.max(h, doc.heightOfString(r.groupPath, { width: colW('group') - 2 * PAD }));
    // A row never runs past one page: very long notes are cut with an ellipsis.
    return Math.min(h, maxRowText) + 2 * PAD + 1;
  };

  const drawRow = (r: BookRow, y: number, h: number) => {
    if (r.kind === 'group') {
      doc.rect(MARGIN, y, width, h).fill(BAND);
      doc.rect(MARGIN, y, 2.5, h).fill('#000000');
    }
    const ty = y + PAD;
    doc.font('Courier').fontSize(8).fillColor('#000000');
    doc.text(r.time, xOf('time') + PAD, ty + 0.5, { lineBreak: false });
    if (r.dept && colW('dept')) {
      swatch(doc, xOf('dept') + PAD, ty, 10, r.dept);
      doc.font('Helvetica-Bold').fontSize(8.5).fillColor('#000000');
      doc.text(r.dept.initials, xOf('dept') + PAD + 13, ty + 1, {
        width: colW('dept') - 2 * PAD - 13,
        lineBreak: false,
      });
    } else if (r.kind === 'note' && colW('dept')) {
      doc.font('Helvetica').fontSize(7).fillColor(GREY);
      doc.text('NOTE', xOf('dept') + PAD, ty + 1.5, { width: colW('dept') - 2 * PAD, lineBreak: false });
    }
    const nx = xOf('name') + PAD + r.depth * INDENT;
    const nameW = colW('name') - 2 * PAD - r.depth * INDENT;
    doc
      .font(r.kind === 'note' ? 'Helvetica-Oblique' : 'Helvetica-Bold')
      .fontSize(9)
      .fillColor('#000000');
    doc.text(r.name, nx, ty, { width: nameW });
    if (r.priority === 'SAFETY' || r.priority === 'CRITICAL') {
      const label = r.priority;
      doc.font('Helvetica-Bold').fontSize(6.5);
      const lw = doc.widthOfString(label) + 6;
      const ly = doc.y + 1;
      if (r.priority === 'SAFETY') doc.rect(nx, ly, lw, 9).fill('#000000').fillColor('#ffffff');
      else doc.rect(nx, ly, lw, 9).lineWidth(1).stroke('#000000').fillColor('#000000');
      doc.text(label, nx + 3, ly + 1.8, { lineBreak: false });
      doc.fillColor('#000000');
    }
    doc
      .font(r.kind === 'group' ? 'Helvetica-Oblique' : 'Helvetica')
      .fontSize(8.5)
      .fillColor('#000000');
    if (r.notes)
      doc.text(r.notes, xOf('notes') + PAD, ty, {
        width: colW('notes') - 2 * PAD,
        height: h - 2 * PAD,
        ellipsis: true,
      });
    doc.font('Helvetica').fontSize(8).fillColor('#222222');
    if (book.kind === 'department' && r.groupPath)
      doc.text(r.groupPath, xOf('group') + PAD, ty, { width: colW('group') - 2 * PAD });
    if (r.location) doc.text(r.location, xOf('location') + PAD, ty, { width: colW('location') - 2 * PAD });
    if (r.duration) {
      doc.font('Courier').fontSize(8).fillColor('#000000');
      doc.text(r.duration, xOf('duration') + PAD, ty + 0.5, { lineBreak: false });
    }
    doc
      .moveTo(MARGIN, y + h)
      .lineTo(MARGIN + width, y + h)
      .lineWidth(0.4)
      .stroke(RULE);
  };

  pageHeader();
  let y = doc.y;
  if (book.rows.length === 0) {
    doc.font('Helvetica-Oblique').fontSize(10).fillColor(GREY);
    doc.text(book.kind === 'department' ? 'No cues for this department.' : 'This script is empty.', MARGIN, y + 12);
  }
  for (const r of book.rows) {
    const h = rowHeight(r);
    if (y + h > bottom) {
      doc.addPage();
      pageHeader();
      y = doc.y;
    }
    drawRow(r, y, h);
    y += h;
  }

  // Legend of department marks on the last page (calling script), then page numbers everywhere.
  if (book.kind === 'script' && book.departments.length > 0) {
    const lh = 16;
    if (y + 10 + lh > bottom) {
      doc.addPage();
      pageHeader();
      y = doc.y;
    }
    let x = MARGIN;
    y += 10;
    for (const d of book.departments) {
      doc.font('Helvetica-Bold').fontSize(8);
      const label = `${d.initials} ${d.name}`;
      const w = 14 + doc.widthOfString(label) + 14;
      if (x + w > MARGIN + width) {
        x = MARGIN;
        y += lh;
      }
      swatch(doc, x, y, 10, d);
      doc.fillColor('#000000').text(label, x + 14, y + 1.5, { lineBreak: false });
      x += w;
    }
  }
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    doc.font('Helvetica').fontSize(8).fillColor(GREY);
    const footY = pageH - MARGIN - 10;
    // Text in the bottom margin must not start a new page.
    const keep = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.text(`${book.showName} · ${book.scriptName}`, MARGIN, footY, { width: width / 2, lineBreak: false });
    doc.text(`Page ${i + 1} of ${range.count}`, MARGIN + width / 2, footY, {
      width: width / 2,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = keep;
  }
  doc.end();
  return doc;
}
