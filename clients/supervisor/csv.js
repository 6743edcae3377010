// csv.js - the contacts (or stories) as a CSV that opens cleanly in a
// spreadsheet of the reader's locale.
//
// The daemon's CSV (/api/v1/contacts.csv, /api/v1/stories.csv) already holds
// one value per cell: times in UTC as "YYYY-MM-DD HH:MM:SS" (columns
// started_utc, finished_utc), the path as its node ids joined by " > ", one
// column per fact (fact_<name>) and per barrier code (barrier_<code>: 1 or
// 0, empty when none were recorded), and a leading ' on a cell a
// spreadsheet would run as a formula (docs/protocol.md, "Survey reports and
// exports"). What is left for the browser is what only it knows: the
// separator a spreadsheet in this locale splits on (";" where the decimal
// sign is a comma: nb, nn, da), and a byte order mark so that Excel reads
// the file as UTF-8. The cells stay exactly as the daemon wrote them, so the
// dashboard's file and the API's are the same table.

// The separator a spreadsheet in this locale splits on.
export function sheetSeparator(locale) {
  const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value;
  return decimal === ',' ? ';' : ',';
}

// RFC 4180 (what the daemon writes): rows of cells; quoted cells may hold
// commas, doubled quotes and line breaks.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

function cell(s, sep) {
  return /["\r\n]/.test(s) || s.includes(sep) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The daemon's CSV with sep between the cells and a byte order mark.
export function sheetCsv(text, sep = ',') {
  const lines = parseCsv(text).map((r) => r.map((c) => cell(c, sep)).join(sep));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
