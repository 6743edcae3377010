// report-lib.mjs - helpers of the report tests (report.test.mjs,
// report-errors.test.mjs): HTTP GETs with a token, local dates, sqlite3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';

export const DAY = 86400000;

export function localDay(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// The configured periods of both files: one around now, and the year 2020.
export const periodsAround = (now) => [
  { id: 'current', from: localDay(now - 10 * DAY), to: localDay(now + 10 * DAY) },
  { id: 'y2020', from: '2020-01-01', to: '2020-12-31' },
];

export function sqlite3(db, sql) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout;
}

export async function get(d, path, token = d.tokens.supervisor) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${d.url}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

// get() from a given loopback source address.
export function getFrom(d, path, token, localAddress) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return new Promise((ok, fail) => {
    http.get(`${d.url}${path}`, { headers, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', fail);
  });
}

export async function getJson(d, path) {
  const r = await get(d, path);
  assert.equal(r.status, 200, `${path}: ${r.body}`);
  return JSON.parse(r.body);
}
