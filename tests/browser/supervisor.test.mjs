// The supervisor dashboard in Debian's chromium against the real daemon:
// contacts finished by an agent over the websocket reach the tiles within a
// second with the right figures, survive a daemon restart, follow the
// filters, download with the token in a header (never in a URL), and the
// page passes axe-core at phone, laptop and wall-screen sizes.
//
// Synchronisation is on the page's state (locator.waitFor, waitForFunction)
// and on the daemon's messages, never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newPage, assertNoProblems, axe, screenshot as shoot, startDaemon } from './lib.mjs';
import { agent } from '../blackbox/lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function localDate(addDays = 0) {
  const t = new Date();
  t.setDate(t.getDate() + addDays);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

const PERIOD = { id: 'uke-test', from: localDate(-9), to: localDate(20) };
const CONFIG = { periods: [PERIOD] };

// Facts that decide a result at once (the fixture's login.bankid, at no.bank):
// the engine asks nothing more, so each contact has a suggestion.
const NO_BANK = { on_behalf: 'self', topic: 'login', login_method: 'bankid', login_problem: 'unknown' };
const NO_BANK_FOR_OTHER = { on_behalf: 'another_person', authority: 'written_poa', topic: 'login', login_method: 'bankid',
  login_problem: 'unknown' };
const DK_MITID = { on_behalf: 'self', topic: 'login', login_problem: 'locked_after_wrong_attempts' };
let seq = 0;

// Start at a result and finish; resolves with the time "logged" arrived.
async function finish(a, { country = 'no', channel = 'phone', facts = NO_BANK, ...fields }) {
  const s = await a.request({ type: 'start', country, channel, lang: country === 'dk' ? 'da' : 'nb', facts: country === 'dk' ? DK_MITID : facts });
  assert.equal(s.type, 'step', JSON.stringify(s));
  assert.ok(s.result, `the facts decide a result: ${JSON.stringify(s)}`);
  const r = await a.request({ type: 'finish', session: s.session, key: `sup-${process.pid}-${++seq}`, ...fields });
  assert.equal(r.type, 'logged', JSON.stringify(r));
  return Date.now();
}

// From the top: a full-page shot taken scrolled down would paint the sticky
// bar in the middle of the page.
async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return shoot(page, name);
}

// Texts as shown, with the no-break spaces of "66,7 %" made plain.
const norm = (s) => s.replace(/\s+/g, ' ').trim();
async function tileValue(page, tile) {
  return norm(await page.locator(`.tile[data-tile="${tile}"] .tile-value`).textContent());
}
async function tileText(page, tile) {
  return norm(await page.locator(`.tile[data-tile="${tile}"]`).textContent());
}
function waitForTile(page, tile, text, timeout = 5000) {
  return page.waitForFunction(([sel, want]) => {
    const el = document.querySelector(sel);
    return el && el.textContent.replace(/\s+/g, ' ').trim() === want;
  }, [`.tile[data-tile="${tile}"] .tile-value`, text], { timeout });
}
async function breakdown(page, key) {
  return page.locator(`[data-breakdown="${key}"] tbody tr`).evaluateAll((rows) => Object.fromEntries(rows.map((r) =>
    [r.dataset.key, [...r.cells].slice(1, 3).map((c) => c.textContent.replace(/\s+/g, ' ').trim())])));
}

async function openDashboard(page, d) {
  await page.goto(`${d.url}/supervisor/#token=${d.tokens.supervisor}`);
  await page.locator('#conn[data-state="ready"]').waitFor();
  await page.locator('#dash-view[data-state="shown"]').waitFor();
}

// The figures of four contacts finished by an agent (see the first test).
async function assertFourContacts(page) {
  assert.equal(await tileValue(page, 'contacts'), '4');
  assert.equal(await tileValue(page, 'referral'), '66,7 %', '2 referred of 3 resolved or referred');
  assert.equal(await tileValue(page, 'followed'), '75,0 %', '3 of 4 ended where the tree pointed');
  assert.equal(await tileValue(page, 'on-behalf'), '25,0 %');
  assert.equal(await tileValue(page, 'hour'), '4');
  assert.match(await tileText(page, 'referral'), /2 henvist av 3 løst eller henvist/);
  assert.match(await tileText(page, 'followed'), /3 av 4 henvendelser med forslag/);
  assert.match(await tileText(page, 'contacts'), /Perioden: 0,4 per dag i snitt/); // 4 contacts over 10 days
  assert.match(await tileText(page, 'contacts'), /▲ 4 flere enn snittet per dag/, 'people are whole: 3.6 more is 4 (issue 20)');
  assert.deepEqual(await breakdown(page, 'reasons'), {
    wrong_agency: ['1', '50,0 %'], no_mandate: ['1', '50,0 %'], needs_in_person: ['0', '0,0 %'], other: ['0', '0,0 %'],
  });
  assert.deepEqual(await breakdown(page, 'destinations'), { 'no.bank': ['1', '50,0 %'], 'no.nav': ['1', '50,0 %'] });
  assert.deepEqual((await breakdown(page, 'channel')).chat, ['1', '25,0 %']);
}

test('finished contacts reach the tiles within a second, with the right figures, also after a restart', { timeout: 120000 }, async () => {
  const d = await startDaemon({ config: CONFIG });
  let d2;
  try {
    const page = await newPage(browser);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await openDashboard(page, d);
    assert.equal(new URL(page.url()).hash, '', 'the #token fragment leaves the address bar');
    assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('vegvisar.supervisor.token'))), d.tokens.supervisor);
    assert.equal(await tileValue(page, 'contacts'), '0');
    assert.equal(await tileValue(page, 'referral'), '–', 'no rate without contacts');
    assert.match(norm(await page.locator('#period-line').textContent()), /Registreringsperiode Uke test: .* dag 10\./);
    await axe(page, 'the empty dashboard');

    const a = await agent(d);
    let logged = await finish(a, { outcome: 'resolved' });
    await waitForTile(page, 'contacts', '1');
    let rendered = Number(await page.locator('#dash-view').getAttribute('data-rendered-at'));
    assert.ok(rendered - logged < 1000, `shown ${rendered - logged} ms after logged`);
    assert.equal(await tileValue(page, 'referral'), '0,0 %');

    await finish(a, { outcome: 'referred', destination: 'no.nav', referral_reason: 'no_mandate', facts: NO_BANK_FOR_OTHER });
    await finish(a, { outcome: 'referred', destination: 'no.bank', referral_reason: 'wrong_agency', channel: 'chat' });
    logged = await finish(a, { outcome: 'abandoned' });
    await waitForTile(page, 'contacts', '4');
    assert.equal(await page.locator('#not-live').isVisible(), false, 'figures pushed while connected are live');
    rendered = Number(await page.locator('#dash-view').getAttribute('data-rendered-at'));
    assert.ok(rendered - logged < 1000, `shown ${rendered - logged} ms after the last logged`);
    await assertFourContacts(page);
    // The chart: a dot for the quarter hour, and the same figures as a table.
    assert.ok(await page.locator('#chart svg.rate-chart circle').count() >= 1);
    assert.match(await page.locator('#chart svg title').textContent(), /Andel henvist per kvarter/);
    assert.match(norm(await page.locator('#chart svg desc').textContent()), /^Linjediagram fra kl\. \d\d:\d\d i går til kl\. \d\d:\d\d i dag\. [12] av 96 kvarter .* Sist: .+\./);
    // (Summed: the four may straddle a quarter hour, and then the latest quarter may
    // hold only the abandoned one, which has no rate.)
    const rows = await page.locator('#chart-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual([1, 2].map((col) => rows.reduce((n, r) => n + Number(r[col]), 0)), [1, 2], JSON.stringify(rows));
    const updated = await page.locator('#updated').getAttribute('datetime');
    assert.ok(Date.now() - Date.parse(updated) < 60000, `updated ${updated}`);

    await axe(page, 'the dashboard with figures');
    await screenshot(page, 'supervisor-1280');
    for (const [w, hgt] of [[1920, 1080], [390, 844]]) {
      await page.setViewportSize({ width: w, height: hgt });
      await axe(page, `the dashboard at ${w} px`);
      await screenshot(page, `supervisor-${w}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // The daemon restarts on the same port and store: the page notices,
    // reconnects by itself, and the figures come back from the store.
    await a.close();
    await d.stop();
    await page.locator('#conn[data-state="waiting"]').waitFor();
    assert.equal(await page.locator('#not-live').isVisible(), true, 'the page says the figures are not live');
    d2 = await startDaemon({ dir: d.dir, port: d.port, tokens: d.tokens, config: CONFIG });
    await page.locator('#conn[data-state="ready"]').waitFor({ timeout: 30000 });
    await page.waitForFunction(() => document.getElementById('not-live').hidden);
    await assertFourContacts(page);
    await screenshot(page, 'supervisor-after-restart');

    // And it is live again: the next contact shows up.
    const b = await agent(d2);
    logged = await finish(b, { outcome: 'resolved' });
    await waitForTile(page, 'contacts', '5');
    rendered = Number(await page.locator('#dash-view').getAttribute('data-rendered-at'));
    assert.ok(rendered - logged < 1000, `shown ${rendered - logged} ms after logged, after the restart`);
    await b.close();
    for (const url of requests) assert.ok(!url.includes(d.tokens.supervisor), `the token was in a URL: ${url}`);
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await d.stop();
    if (d2) await d2.stop();
    d.cleanup();
  }
});

test('filters, the range and the downloads: token in a header, the file from a blob', { timeout: 90000 }, async () => {
  const d = await startDaemon({ config: CONFIG });
  try {
    const page = await newPage(browser);
    const apiCalls = [];
    page.on('request', (r) => { if (r.url().includes('/api/v1/')) apiCalls.push({ url: r.url(), auth: r.headers().authorization }); });
    await openDashboard(page, d);
    const a = await agent(d);
    await finish(a, { outcome: 'referred', destination: 'no.nav', referral_reason: 'needs_in_person' });
    await finish(a, { country: 'dk', channel: 'chat', outcome: 'resolved' });
    await waitForTile(page, 'contacts', '2');

    // Country: the page subscribes again and shows Denmark only; a Danish
    // contact still arrives live.
    await page.selectOption('#f-country', 'dk');
    await waitForTile(page, 'contacts', '1');
    assert.equal(await tileValue(page, 'referral'), '0,0 %');
    await finish(a, { country: 'dk', channel: 'phone', outcome: 'referred', destination: 'dk.borgerservice', referral_reason: 'wrong_agency' });
    await waitForTile(page, 'contacts', '2');
    assert.equal(await tileValue(page, 'referral'), '50,0 %');
    await page.selectOption('#f-channel', 'chat');
    await waitForTile(page, 'contacts', '1');
    await page.selectOption('#f-country', '');
    await page.selectOption('#f-channel', '');
    await waitForTile(page, 'contacts', '3');

    // The range: the period's breakdown (radio by keyboard).
    await page.locator('#range-today').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('input[name="range"]:checked').getAttribute('value'), 'period');
    assert.match(norm(await page.locator('#breakdown-h').textContent()), /Fordeling: Registreringsperioden: Uke test/);
    assert.deepEqual((await breakdown(page, 'reasons')).needs_in_person, ['1', '50,0 %']);

    // Downloads of the shown range (the period), as files.
    const [report] = await Promise.all([page.waitForEvent('download'), page.click('#dl-report')]);
    assert.equal(report.suggestedFilename(), 'vegvisar-report-uke-test.json');
    const rep = JSON.parse(readFileSync(await report.path(), 'utf8'));
    assert.equal(rep.total, 3);
    assert.equal(rep.filter.period, 'uke-test');
    await page.locator('#dl-status', { hasText: 'Lastet ned vegvisar-report-uke-test.json' }).waitFor();
    await page.locator('#range-today').check();
    await page.selectOption('#f-country', 'dk');
    await waitForTile(page, 'contacts', '2');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
    assert.equal(csv.suggestedFilename(), `vegvisar-contacts-${localDate()}-dk.csv`);
    // For a spreadsheet (issue 20): a byte order mark, ";" in a Norwegian panel.
    const lines = readFileSync(await csv.path(), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert.equal(lines.length, 3, `a header and two Danish contacts:\n${lines.join('\n')}`);
    assert.match(lines[0], /^id;started_utc;finished_utc;channel;country/);
    assert.equal(apiCalls.length, 2);
    for (const call of apiCalls) {
      assert.equal(call.auth, `Bearer ${d.tokens.supervisor}`);
      assert.ok(!call.url.includes(d.tokens.supervisor), 'the token is never in a URL');
    }
    assert.deepEqual(apiCalls.map((c) => new URL(c.url).search), [
      '?period=uke-test', `?from=${localDate()}&to=${localDate()}&country=dk`,
    ]);
    await axe(page, 'the dashboard with filters and the period range');
    await screenshot(page, 'supervisor-filtered');
    assertNoProblems(page);
    await a.close();
    await page.context().close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});

test('sign-in: a refused key says so, the right one opens the dashboard', { timeout: 60000 }, async () => {
  const d = await startDaemon();
  try {
    const page = await newPage(browser);
    await page.goto(`${d.url}/supervisor/`);
    await page.locator('#signin-view:not([hidden])').waitFor();
    await axe(page, 'the sign-in form');
    await page.fill('#token-input', d.tokens.agent); // an agent's key is not a supervisor's
    await page.keyboard.press('Enter');
    await page.locator('#signin-error:not([hidden])').waitFor();
    assert.match(await page.locator('#signin-error').textContent(), /Nøkkelen ble ikke godtatt/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vegvisar.supervisor.token')), null);
    await screenshot(page, 'supervisor-signin-refused');
    await page.fill('#token-input', d.tokens.supervisor);
    await page.click('#signin-form button[type="submit"]');
    await page.locator('#conn[data-state="ready"]').waitFor();
    await page.locator('#dash-view[data-state="shown"]').waitFor();
    assert.equal(await tileValue(page, 'contacts'), '0');
    assert.match(norm(await page.locator('#period-line').textContent()), /Ingen registreringsperiode/);
    assert.equal(await page.locator('#range-period').isDisabled(), true, 'no period to choose');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'dash-h', 'focus moves to the heading');
    // Another language, everything follows.
    await page.selectOption('#ui-lang', 'en');
    assert.equal(norm(await page.locator('.tile[data-tile="contacts"] .tile-label').textContent()), 'Contacts');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.click('#sign-out');
    await page.locator('#signin-view:not([hidden])').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vegvisar.supervisor.token')), null);
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});
