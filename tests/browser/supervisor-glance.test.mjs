// The dashboard read at a glance (issue 20), in Debian's chromium against
// the real daemon: the referral rate against a target the desk lead sets
// (in words and colour), a line per tile on what it counts, whole people,
// the period's name, destinations in the reader's language, self-service in
// the chat widget beside the agents' contacts, volumes under the rate
// chart, contrast also while disconnected; then the period report on one
// printable page with the survey's figures and hidden small cells, and a
// CSV a spreadsheet opens with one value per cell. axe at 640 and 1280 px.
//
// Synchronisation is on the page's state and the daemon's replies, never on
// sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, newPage, assertNoProblems, axe, screenshot as shoot, startDaemon, ARTIFACTS } from './lib.mjs';
import { agent, Client } from '../blackbox/lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function localDate(addDays = 0) {
  const t = new Date();
  t.setDate(t.getDate() + addDays);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

const YEAR = new Date().getFullYear();
const PERIOD = { id: `${YEAR}-4`, from: localDate(-2), to: localDate(20) };
const NO_BANK = { on_behalf: 'self', topic: 'login', login_method: 'bankid', login_problem: 'unknown' };
let seq = 0;

async function finish(c, { channel = 'phone', ...fields }) {
  const s = await c.request({ type: 'start', country: 'no', channel, lang: 'nb', facts: NO_BANK });
  assert.ok(s.result, JSON.stringify(s));
  const r = await c.request({ type: 'finish', session: s.session, key: `glance-${process.pid}-${++seq}`, ...fields });
  assert.equal(r.type, 'logged', JSON.stringify(r));
}

async function citizen(d) {
  const c = await Client.open(d);
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  return c;
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();
const text = async (page, sel) => norm(await page.locator(sel).first().textContent());
const tile = (key) => `.tile[data-tile="${key}"]`;

async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return shoot(page, name);
}

// axe and a screenshot at the dashboard's two widths, and no sideways page.
async function checkWidths(page, name) {
  for (const [w, hgt] of [[1280, 900], [640, 900]]) {
    await page.setViewportSize({ width: w, height: hgt });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} at ${w} px scrolls sideways by ${overflow} px`);
    await axe(page, `${name} at ${w} px`);
    await screenshot(page, `supervisor-${name}-${w}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Six referred to NAV for the wrong agency (each lacking an eID, one also a
// language barrier), four resolved by agents, five resolved by citizens in
// the chat widget: 15 contacts, 6 referred of 15 resolved or referred.
async function fifteenContacts(d) {
  const a = await agent(d);
  for (let i = 0; i < 6; i++)
    await finish(a, { outcome: 'referred', destination: 'no.nav', referral_reason: 'wrong_agency', on_behalf: 'another_person',
      relation: 'adult_child_for_parent', age_band: '80_plus', barriers: i ? ['no_eid'] : ['no_eid', 'language'] });
  for (let i = 0; i < 4; i++) await finish(a, { outcome: 'resolved', on_behalf: 'self' });
  const c = await citizen(d);
  for (let i = 0; i < 5; i++) await finish(c, { channel: 'widget', outcome: 'resolved' });
  await a.close();
  await c.close();
}

async function openDashboard(page, d) {
  await page.goto(`${d.url}/supervisor/#token=${d.tokens.supervisor}`);
  await page.locator('#conn[data-state="ready"]').waitFor();
  await page.locator('#dash-view[data-state="shown"]').waitFor();
}

test('at a glance: target in words and colour, what each tile counts, whole people, names, self-service, volumes; contrast while disconnected', { timeout: 120000 }, async () => {
  const d = await startDaemon({ config: { periods: [PERIOD] } });
  try {
    await fifteenContacts(d);
    const page = await newPage(browser);
    await openDashboard(page, d);
    await page.waitForFunction(() => document.querySelector('.tile[data-tile="contacts"] .tile-value')?.textContent === '15');

    // The referral rate against the default target (at most 30 %): above it, said in words.
    assert.equal(await text(page, `${tile('referral')} .tile-value`), '40,0 %');
    assert.equal(await page.locator(tile('referral')).getAttribute('data-target'), 'over');
    assert.equal(await text(page, `${tile('referral')} .target`), '✗ Over målet på høyst 30 %');
    assert.match(await text(page, tile('referral')), /6 henvist av 15 løst eller henvist/, 'the volume beside the rate');
    const colours = await page.locator(`${tile('referral')} .target`).evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(colours, 'rgb(253, 236, 234)', 'over the target: the error colour');

    // Every tile says in one line what it counts.
    const whats = await page.locator('.tile').evaluateAll((els) => els.map((e) => [e.dataset.tile, e.querySelector('.tile-what')?.textContent.trim()]));
    assert.deepEqual(whats.map(([k]) => k), ['contacts', 'referral', 'self-service', 'followed', 'on-behalf', 'hour']);
    for (const [k, what] of whats) assert.ok(what && what.length > 20, `tile ${k} explains itself: ${what}`);
    assert.match(await text(page, `${tile('followed')} .tile-what`), /foreslo et sted for/);
    assert.match(await text(page, `${tile('hour')} .tile-what`), /siden kl\. \d\d:\d\d: en del av tallet for i dag/);
    assert.match(await text(page, tile('hour')), /Andel henvist 40,0 %: 6 henvist av 15 løst eller henvist/);

    // Self-service beside the agents' contacts.
    assert.equal(await text(page, `${tile('self-service')} .tile-value`), '5');
    assert.match(await text(page, tile('self-service')), /5 i chatvinduet · 10 tatt av en veileder/);
    assert.match(await text(page, tile('self-service')), /Andel av dagens henvendelser: 33,3 %/);

    // Whole people: 15 today against 15 over three days is 10 more, never 10,0.
    assert.match(await text(page, tile('contacts')), /▲ 10 flere enn snittet per dag/);
    // The period by name, not by its id.
    const periodLine = await text(page, '#period-line');
    assert.match(periodLine, new RegExp(`Registreringsperiode Periode 4 i ${YEAR}:`));
    assert.ok(!periodLine.includes(PERIOD.id), periodLine);
    assert.equal(await text(page, 'label[for="range-period"]'), `Registreringsperioden: Periode 4 i ${YEAR}`);

    // Destinations in the reader's language.
    const destLabel = () => text(page, '[data-breakdown="destinations"] tr[data-key="no.nav"] th');
    assert.equal(await destLabel(), 'NAV Kontaktsenter');

    // Volumes under the rate line.
    assert.ok(await page.locator('#chart svg .volumes rect').count() >= 1, 'a bar for the quarter hour');
    assert.match(await text(page, '#chart-volumes'), /løste og henviste henvendelser per kvarter \(høyst 15\)/);
    await checkWidths(page, 'glance-over-target');

    // The target is the desk lead's: at most 45 % puts today on target, and it is remembered.
    await page.fill('#f-target', '45');
    await page.locator(`${tile('referral')}[data-target="on"]`).waitFor();
    assert.equal(await text(page, `${tile('referral')} .target`), '✓ Innenfor målet: høyst 45 %');
    await page.fill('#f-target', '120');
    assert.equal(await text(page, '#f-target-error'), 'Målet må være et tall fra 0 til 100.');
    assert.equal(await page.locator('#f-target').getAttribute('aria-invalid'), 'true');
    await page.fill('#f-target', '45');
    await page.reload();
    await page.locator('#dash-view[data-state="shown"]').waitFor();
    await page.locator(`${tile('referral')}[data-target="on"]`).waitFor();
    assert.equal(await page.inputValue('#f-target'), '45');
    await checkWidths(page, 'glance-on-target');

    // Another reader, another language: the destination follows.
    await page.selectOption('#ui-lang', 'en');
    assert.equal(await destLabel(), 'NAV Contact Centre');
    assert.equal(await text(page, `${tile('referral')} .target`), '✓ On target: at most 45%');
    await page.selectOption('#ui-lang', 'nb');

    // Disconnected: the figures stay readable (axe checks their contrast).
    await d.stop();
    await page.locator('#conn[data-state="waiting"]').waitFor();
    await page.locator('#not-live:not([hidden])').waitFor();
    await checkWidths(page, 'glance-disconnected');
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});

test('the desk\'s target from the daemon\'s config: the default, in words and colour; a person\'s own still wins', { timeout: 120000 }, async () => {
  const d = await startDaemon({ config: { periods: [PERIOD], referral_target: 0.45 } });
  try {
    await fifteenContacts(d);
    const page = await newPage(browser);
    await openDashboard(page, d);
    await page.waitForFunction(() => document.querySelector('.tile[data-tile="contacts"] .tile-value')?.textContent === '15');
    // 40 % referred against the desk's 45 %: on target, not the built-in 30 %.
    await page.locator(`${tile('referral')}[data-target="on"]`).waitFor();
    assert.equal(await text(page, `${tile('referral')} .target`), '✓ Innenfor målet: høyst 45 %');
    assert.equal(await page.locator(`${tile('referral')} .target`).evaluate((el) => getComputedStyle(el).backgroundColor),
      'rgb(227, 244, 232)', 'on target: the success colour');
    assert.equal(await page.inputValue('#f-target'), '45', 'the field shows the desk\'s target');
    await axe(page, 'the desk\'s target');
    // A desk lead's own target wins over the desk's, also after a reload.
    await page.fill('#f-target', '35');
    await page.locator(`${tile('referral')}[data-target="over"]`).waitFor();
    await page.reload();
    await page.locator('#dash-view[data-state="shown"]').waitFor();
    await page.locator(`${tile('referral')}[data-target="over"]`).waitFor();
    assert.equal(await text(page, `${tile('referral')} .target`), '✗ Over målet på høyst 35 %');
    assert.equal(await page.inputValue('#f-target'), '35');
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});

// Pages in a PDF: each page object has "/Type /Page".
const pdfPages = (buf) => (buf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length;

test('the period report: the survey\'s figures on one printable page, small cells as "< 5"; a CSV a spreadsheet opens', { timeout: 120000 }, async () => {
  // The desk's own threshold for small cells (the default, 5).
  const d = await startDaemon({ config: { periods: [PERIOD], suppress_below: 5 } });
  try {
    await fifteenContacts(d);
    const page = await newPage(browser);
    const apiCalls = [];
    page.on('request', (r) => { if (r.url().includes('/api/v1/')) apiCalls.push(r.url()); });
    await openDashboard(page, d);
    await page.locator('#range-period').check();
    await page.click('#open-report');
    await page.locator('#report-view[data-state="shown"]').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'report-h', 'focus on the report\'s heading');
    assert.equal(await text(page, '#report-h'), `Rapport: Registreringsperioden: Periode 4 i ${YEAR}`);
    assert.equal(new URL(apiCalls.at(-1)).search, `?period=${PERIOD.id}`);

    // What a desk lead is asked: the rate and the target, the commonest
    // reason and destination, how many helped themselves.
    const fig = async (k) => text(page, `[data-figure="${k}"] dd`);
    assert.equal(await fig('contacts'), '15');
    assert.equal(await fig('rate'), '40,0 % (6 henvist av 15 løst eller henvist)');
    assert.equal(await fig('target'), '✗ Over målet på høyst 30 %');
    assert.equal(await fig('reason'), 'Feil etat (6)');
    assert.equal(await fig('destination'), 'NAV Kontaktsenter (6)');
    assert.equal(await fig('self'), '5 av 15 henvendelser (33,3 %)');

    // The survey's figures, zeros left out, a hidden small cell as "< 5".
    const rows = (key) => page.locator(`[data-report="${key}"] tbody tr`).evaluateAll((trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim())));
    assert.deepEqual(await rows('on_behalf'), [['Seg selv', '9', '60,0 %'], ['En annen person', '6', '40,0 %']]);
    assert.deepEqual(await rows('outcome'), [['Løst', '9', '60,0 %'], ['Henvist', '6', '40,0 %']]);
    assert.deepEqual((await rows('channel')).map((r) => r[0]), ['Telefon', 'Chatvindu']);
    assert.deepEqual(await rows('destination'), [['NAV Kontaktsenter', '6', '100,0 %']]);
    const barriers = Object.fromEntries((await rows('barrier')).map((r) => [r[0], r.slice(1)]));
    assert.deepEqual(barriers['Har ikke eID (BankID, MinID)'], ['6', '40,0 %']);
    assert.deepEqual(barriers['Språkbarriere'], ['< 5', '–']);
    const byOutcome = await rows('barrier_by_outcome');
    assert.deepEqual(byOutcome[0], ['Henvendelser', '9', '6']);
    assert.deepEqual(byOutcome.find((r) => r[0] === 'Språkbarriere'), ['Språkbarriere', '0', '< 5']);
    // … and by on whose behalf, by reason and by channel (issue 21).
    const byWho = await rows('barrier_by_on_behalf');
    assert.deepEqual(byWho[0], ['Henvendelser', '9', '6']);
    assert.deepEqual(byWho.find((r) => r[0] === 'Har ikke eID (BankID, MinID)'), ['Har ikke eID (BankID, MinID)', '0', '6']);
    for (const dim of ['category', 'channel']) assert.equal((await rows(`barrier_by_${dim}`))[0][0], 'Henvendelser', dim);
    assert.match(await text(page, '[data-note="small"]'), /Tall vist som «< 5» er for små til å vises/);
    await checkWidths(page, 'report');

    // Printed: one A4 page, without the dashboard's controls.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.topbar').isVisible(), false);
    assert.equal(await page.locator('#report-print').isVisible(), false);
    await page.setViewportSize({ width: 718, height: 1047 }); // A4 less 10 mm margins, at 96 dpi
    await shoot(page, 'supervisor-report-printed');
    // Back to no emulation: an emulated "screen" would also hold for page.pdf().
    await page.emulateMedia({ media: null });
    await page.setViewportSize({ width: 1280, height: 900 });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(ARTIFACTS, 'supervisor-report.pdf'), pdf);
    assert.equal(pdfPages(pdf), 1, 'the report fits one page');

    // Back to the dashboard, to the button that opened it.
    await page.click('#report-back');
    await page.locator('#dash-view:not([hidden])').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'open-report');

    // The CSV: one value per cell, dates as dates, ";" for a Norwegian spreadsheet.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
    const raw = readFileSync(await csv.path(), 'utf8');
    assert.ok(raw.startsWith('\uFEFF'), 'a byte order mark, so that Excel reads UTF-8');
    const lines = raw.slice(1).trim().split('\r\n').map((l) => l.split(';'));
    const head = lines[0];
    assert.equal(lines.length, 16, 'a header and 15 contacts');
    for (const l of lines) assert.equal(l.length, head.length, `one value per cell: ${l.join(';')}`);
    for (const col of ['started_utc', 'finished_utc', 'fact_on_behalf', 'barrier_no_eid', 'barrier_language', 'path']) assert.ok(head.includes(col), `column ${col} in ${head}`);
    const at = (row, col) => row[head.indexOf(col)];
    for (const row of lines.slice(1)) {
      assert.match(at(row, 'finished_utc'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'a date and time a spreadsheet reads');
      for (const c of row) assert.ok(!/^[[{"]/.test(c), `no JSON in a cell: ${c}`);
    }
    const referred = lines.slice(1).filter((r) => at(r, 'outcome') === 'referred');
    assert.deepEqual(referred.map((r) => at(r, 'barrier_no_eid')), ['1', '1', '1', '1', '1', '1']);
    assert.deepEqual(referred.map((r) => at(r, 'barrier_language')), ['1', '0', '0', '0', '0', '0']);
    assert.equal(at(referred[0], 'fact_on_behalf'), 'self');
    await page.locator('#dl-status', { hasText: 'én verdi per celle, datoer som datoer, skilt med «;»' }).waitFor();
    // In English, a comma.
    await page.selectOption('#ui-lang', 'en');
    const [csvEn] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
    assert.match(readFileSync(await csvEn.path(), 'utf8'), /^\uFEFFid,started_utc,finished_utc,/);
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});
