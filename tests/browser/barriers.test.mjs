// The survey's barriers (issue 21) in Debian's chromium against the real
// daemon: in the agent panel each barrier has one key and is never
// required, a story is kept apart from the note, all by keyboard only and
// axe-clean; the supervisor dashboard shows the barrier breakdown and its
// cross table live, small counts as "< 5", axe-clean.
//
// Synchronisation is on the page's state and the daemon's replies, never on
// sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, newPage, assertNoProblems, axe, screenshot, startDaemon, sqlite, tabTo, focused, waitForNode,
  waitForConnection } from './lib.mjs';
import { agent } from '../blackbox/lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function withDaemon(config, fn) {
  const d = await startDaemon({ config });
  try {
    await fn(d);
  } finally {
    await d.stop();
    d.cleanup();
  }
}

const checkedBarriers = (page) => page.locator('input[name="barriers"]:checked').evaluateAll((els) => els.map((e) => e.value));

test('the panel: one key per barrier, never required; a story apart from the note; keyboard only, axe-clean', { timeout: 90000 }, async () => {
  await withDaemon({}, async (d) => {
    const page = await newPage(browser);
    await page.goto(`${d.url}/agent/#token=${d.tokens.agent}`);
    await page.locator('form.start').waitFor();
    await waitForConnection(page);
    await page.keyboard.press('Control+Enter');
    await waitForNode(page, 'who');
    for (const node of ['topic', 'login.method', 'login.problem', 'login.minid.forgot']) {
      await page.keyboard.press('1'); // self, login, MinID, forgotten password
      await waitForNode(page, node);
    }
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();

    // Every barrier of rules/barriers.json, in the panel's language, with its key.
    const boxes = page.locator('input[name="barriers"]');
    assert.equal(await boxes.count(), 13);
    assert.equal(await page.locator('label[for="barrier-no_eid"]').textContent(), '1 Har ikke eID (BankID, MinID)');
    assert.equal(await page.locator('input#barrier-mental_health').getAttribute('aria-keyshortcuts'), 'a');
    assert.deepEqual(await checkedBarriers(page), [], 'none is ticked for the agent');

    // One key each, from anywhere in the form that is not a text field.
    for (const key of ['1', '4', '0', 'a', '4']) await page.keyboard.press(key);
    assert.deepEqual(await checkedBarriers(page), ['no_eid', 'no_helper', 'mental_health'], '4 twice unticks language');
    // Said as a click on the box would be.
    await page.waitForFunction(() => document.getElementById('announcer').textContent === 'Språkbarriere: ikke krysset av');
    // In a text field a digit is a digit.
    await tabTo(page, '#story');
    await page.keyboard.type('Hun har ingen PC 2 ganger, ring 98765432');
    assert.deepEqual(await checkedBarriers(page), ['no_eid', 'no_helper', 'mental_health']);
    assert.equal((await focused(page)).id, 'story');
    await axe(page, 'the finish form with barriers and a story');
    await screenshot(page, 'agent-finish-barriers');

    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged').waitFor();
    const db = join(d.dir, 'vegvisar.db');
    const [row] = sqlite(db, 'select id, barriers, note from contacts');
    assert.deepEqual(JSON.parse(row.barriers), ['no_eid', 'no_helper', 'mental_health']);
    assert.equal(row.note, null, 'the story is not the note');
    const stories = sqlite(db, 'select contact_id, text, barriers from stories');
    assert.equal(stories.length, 1);
    assert.equal(stories[0].contact_id, row.id);
    assert.match(stories[0].text, /^Hun har ingen PC 2 ganger, ring /);
    assert.doesNotMatch(stories[0].text, /98765432/, 'scrubbed like a note');

    // Never required: a second contact with no barrier logs as it is.
    await tabTo(page, '#new-contact');
    await page.keyboard.press('Enter');
    await page.locator('form.start').waitFor();
    await page.keyboard.press('Control+Enter');
    await waitForNode(page, 'who');
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    await tabTo(page, 'input[name="outcome"][value="abandoned"], input[name="outcome"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged').waitFor();
    const rows = sqlite(db, 'select barriers from contacts order by id');
    assert.equal(rows.length, 2);
    assert.equal(rows[1].barriers, null);
    assertNoProblems(page);
  });
});

let seq = 0;
async function finish(a, fields) {
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb',
    facts: { on_behalf: 'self', topic: 'login', login_method: 'bankid', login_problem: 'unknown' } });
  assert.ok(s.result, JSON.stringify(s));
  const r = await a.request({ type: 'finish', session: s.session, key: `bar-${process.pid}-${++seq}`, ...fields });
  assert.equal(r.type, 'logged', JSON.stringify(r));
}

async function barrierRows(page) {
  return page.locator('[data-breakdown="barrier"] tbody tr').evaluateAll((rows) => Object.fromEntries(rows.map((r) =>
    [r.dataset.key, r.cells[1].textContent.replace(/\s+/g, ' ').trim()])));
}

test('the dashboard: the barrier breakdown and its cross table, live, small counts as "< 5", axe-clean', { timeout: 90000 }, async () => {
  // The daemon's default threshold (5), not the tests' 1.
  await withDaemon({ suppress_below: undefined }, async (d) => {
    const page = await newPage(browser);
    await page.goto(`${d.url}/supervisor/#token=${d.tokens.supervisor}`);
    await page.locator('#conn[data-state="ready"]').waitFor();
    await page.locator('#dash-view[data-state="shown"]').waitFor();
    const before = await barrierRows(page);
    assert.equal(before.no_eid, '0');
    assert.equal(Object.keys(before).length, 13, 'every barrier, also at zero');

    const a = await agent(d);
    for (let i = 0; i < 6; i++) await finish(a, { outcome: i < 5 ? 'referred' : 'resolved', destination: 'no.bank', ...(i < 5 ? { referral_reason: 'wrong_agency' } : {}), barriers: i < 2 ? ['no_eid', 'language'] : ['no_eid'] });
    // Live: the push after the last contact shows it without a reload.
    await page.waitForFunction(() => {
      const row = document.querySelector('[data-breakdown="barrier"] tr[data-key="no_eid"]');
      return row && row.cells[1].textContent.trim() === '6';
    }, null, { timeout: 5000 });
    const now = await barrierRows(page);
    assert.equal(now.no_eid, '6');
    // Two contacts had the language barrier: shown as "< 5", read out in
    // words, and without a share that would give it back.
    assert.equal(now.language, '< 5færre enn 5');
    const share = await page.locator('[data-breakdown="barrier"] tr[data-key="language"] td').nth(1).textContent();
    assert.doesNotMatch(share, /\d/, `no share for a hidden count: "${share}"`);
    // "Of those referred, how many lacked an eID": 5, shown; resolved: 1, hidden.
    const cell = (key, col) => page.locator(`table[data-cross] tr[data-key="${key}"] td`).nth(col).textContent();
    assert.equal(await page.locator('table[data-cross]').getAttribute('data-cross'), 'outcome');
    assert.equal((await cell('no_eid', 1)).trim(), '5');
    assert.match(await cell('no_eid', 0), /^< 5/);
    assert.match(await cell('contacts', 0), /^< 5/);

    // The cross table by keyboard: its own select, kept through pushes.
    await tabTo(page, '#cross-dim');
    await page.keyboard.press('ArrowDown');
    await page.locator('table[data-cross="category"]').waitFor();
    assert.equal((await page.locator('table[data-cross] tr[data-key="no_eid"] td').nth(0).textContent()).trim(), '6');
    await finish(a, { outcome: 'resolved', barriers: ['distrust'] });
    await page.waitForFunction(() => document.querySelector('[data-breakdown="barrier"] tr[data-key="distrust"]')?.cells[1].textContent.startsWith('< 5'));
    assert.equal((await focused(page)).id, 'cross-dim', 'a push does not take the focus');
    await axe(page, 'the dashboard with the barrier breakdown');
    await screenshot(page, 'supervisor-barriers');
    await a.close();
    assertNoProblems(page);
  });
});
