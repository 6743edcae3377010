// format.js - numbers, dates and names as a desk lead reads them, for the
// dashboard (app.js) and the period report (report.js).
//
// People are counted in whole numbers; rates and shares are percentages
// with one decimal. A registration period is named, not shown by its id; a
// destination is named in the reader's language when the daemon sent its
// names in every language of the rules ("names"), else by the name it sent.

import { LOCALES } from './texts.js';

export function formatter(i18n) {
  const t = (key, vars) => i18n.t(key, vars);
  const locale = () => LOCALES[i18n.lang] || 'en-GB';
  const fmt = {
    int: (n) => new Intl.NumberFormat(locale()).format(Math.round(n)),
    dec: (n) => new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n),
    // An average of people per day: whole from 10 up, one decimal below
    // (0,4 a day says more than 0).
    avg: (n) => (Math.abs(n) >= 10 ? fmt.int(n) : fmt.dec(n)),
    pct: (r, digits = 1) => (r === null || r === undefined ? t('none')
      : new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(r)),
    time: (d) => new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(d),
    clock: (d) => new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d),
    when: (ms) => new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(ms)),
    date: (ymd) => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' })
      .format(new Date(`${ymd}T12:00:00`)),
    size: (bytes) => (bytes < 1024 ? `${fmt.int(bytes)} B` : bytes < 1048576 ? `${fmt.dec(bytes / 1024)} KB`
      : `${fmt.dec(bytes / 1048576)} MB`),
    // A count from a report: a number, or a hidden small one ("< 5") as it is.
    count: (n) => (typeof n === 'number' ? fmt.int(n) : n === undefined || n === null ? fmt.int(0) : String(n)),
  };
  return fmt;
}

// A period's name. The config gives an id only ("2026-4", "uke-47"): a
// numbered period of a year is called so ("Period 4, 2026"); any other id
// is read as words ("uke-47" → "Uke 47").
export function periodName(i18n, period) {
  const id = typeof period === 'string' ? period : period?.id;
  if (!id) return '';
  const m = /^(\d{4})[-_.](?:p|q|t)?(\d{1,2})$/i.exec(id);
  if (m) return i18n.t('periodNumbered', { n: Number(m[2]), year: m[1] });
  const words = id.replace(/[-_.]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// A destination in the reader's language: {id, name, names: {lang: text}}.
export function destinationName(i18n, d) {
  if (!d) return '';
  return d.names?.[i18n.lang] || d.names?.en || d.name || d.id;
}
