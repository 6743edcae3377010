// csv.js - the contacts (or stories) as a CSV that opens cleanly in a
// spreadsheet, made in the browser from the daemon's NDJSON export.
//
// The daemon's own CSV (/api/v1/contacts.csv) is for programs: ISO 8601
// times with milliseconds and offset, and the path, the facts and the
// barriers as JSON in one cell. A spreadsheet reads none of that as it is
// meant. Here every cell holds one value: times as "YYYY-MM-DD HH:MM:SS" (the
// daemon's local time, which every spreadsheet takes for a date and time),
// one column per fact and one per barrier (1 when recorded), the path as
// its steps in a line. The separator is ";" where the decimal sign is a
// comma (nb, nn, da: what their spreadsheets expect), else ","; the file
// starts with a byte order mark so that Excel reads it as UTF-8. A cell that
// a spreadsheet would run as a formula gets a leading ' (as the daemon does).

const TIME_KEYS = new Set(['started', 'finished']);

// "2026-10-01T09:14:02.118+02:00" → "2026-10-01 09:14:02": the local part as
// the daemon wrote it, so the day is the desk's day.
export function sheetTime(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(String(iso ?? ''));
  return m ? `${m[1]} ${m[2]}` : String(iso ?? '');
}

function cell(value, sep) {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /["\r\n]/.test(s) || s.includes(sep) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The separator a spreadsheet in this locale splits on.
export function sheetSeparator(locale) {
  const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value;
  return decimal === ',' ? ';' : ',';
}

// rows: the NDJSON objects, oldest first. barrierCodes: every code the
// desk knows, in its order (a code seen only in the rows is added after).
export function spreadsheetCsv(rows, { sep = ',', barrierCodes = [] } = {}) {
  const fixed = [];
  const factKeys = [];
  const codes = [...barrierCodes];
  for (const r of rows) {
    for (const k of Object.keys(r)) if (!['facts', 'barriers', 'path'].includes(k) && !fixed.includes(k)) fixed.push(k);
    for (const k of Object.keys(r.facts || {})) if (!factKeys.includes(k)) factKeys.push(k);
    for (const c of r.barriers || []) if (!codes.includes(c)) codes.push(c);
  }
  const hasPath = rows.some((r) => 'path' in r);
  const hasBarriers = rows.some((r) => 'barriers' in r);
  // The note and the story are long texts: last, after the columns one sorts by.
  const tail = fixed.filter((k) => k === 'note' || k === 'story');
  const head = fixed.filter((k) => !tail.includes(k));
  const header = [...head, ...(hasPath ? ['path'] : []), ...factKeys.map((k) => `fact_${k}`),
    ...(hasBarriers ? codes.map((c) => `barrier_${c}`) : []), ...tail];
  const lines = [header.map((x) => cell(x, sep)).join(sep)];
  for (const r of rows) {
    const have = new Set(r.barriers || []);
    const values = [
      ...head.map((k) => (TIME_KEYS.has(k) ? sheetTime(r[k]) : r[k])),
      ...(hasPath ? [Array.isArray(r.path) ? r.path.join(' > ') : r.path] : []),
      ...factKeys.map((k) => r.facts?.[k]),
      ...(hasBarriers ? codes.map((c) => (have.has(c) ? 1 : r.barriers ? 0 : '')) : []),
      ...tail.map((k) => r[k]),
    ];
    lines.push(values.map((v) => cell(v, sep)).join(sep));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function parseNdjson(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
