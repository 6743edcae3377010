// "Talk to a person" in the agent panel, in Debian's chromium against the
// real daemon: a citizen (driven over the websocket, as the chat widget
// would) hands over; the handover appears in the open panel's queue without
// a reload; the agent takes it by keyboard and continues the same walk, and
// the contact is logged with channel widget. A caller's code is looked up
// however it is typed, and a second panel is told it was already taken.
//
// Synchronisation is on the page's state (locator.waitFor, waitForFunction)
// or on websocket messages, never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, newPage, assertNoProblems, axe, screenshot, focused, waitForNode, waitForConnection, storage,
  startDaemon, restartDaemon, sqlite, checkScreen,
} from './lib.mjs';
import { Client } from '../blackbox/lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const dbOf = (d) => join(d.dir, 'vegvisar.db');

async function withDaemon(fn) {
  const d = await startDaemon();
  const ctx = { d, closers: [] };
  try {
    await fn(ctx);
  } finally {
    for (const c of ctx.closers) await c().catch(() => {});
    await ctx.d.stop();
    ctx.d.cleanup();
  }
}

async function openPanel(page, d, token = d.tokens.agent) {
  await page.goto(`${d.url}/agent/#token=${token}`);
  await page.locator('form.start').waitFor();
  await waitForConnection(page);
  // Subscribed: the first list has arrived.
  await page.locator('#queue[data-subscribed="true"]').waitFor();
}

// A citizen in the chat widget, over the websocket: nynorsk, two answers,
// then "talk to a person".
async function citizenHandsOver(ctx, { lang = 'nn' } = {}) {
  const cz = await Client.open(ctx.d);
  ctx.closers.push(() => cz.close());
  const w = await cz.request({ type: 'hello', role: 'citizen', lang });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  let s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang });
  s = await cz.request({ type: 'answer', session: s.session, value: 'self' });
  s = await cz.request({ type: 'answer', session: s.session, value: 'login' });
  assert.equal(s.question?.node, 'login.method', JSON.stringify(s));
  const ho = await cz.request({ type: 'handover', session: s.session });
  assert.equal(ho.type, 'handover', JSON.stringify(ho));
  return { cz, step: s, code: ho.code };
}

async function assertHeadingFocused(page, text) {
  const f = await focused(page);
  assert.equal(f?.tag, 'h1', `focus should be on the heading, is on ${JSON.stringify(f)}`);
  if (text !== undefined) assert.equal(f.text, text);
}

// The number key that answers `value` on the question shown.
async function keyFor(page, value) {
  const values = await page.locator('.options .option').evaluateAll((els) => els.map((e) => e.dataset.value));
  const i = values.indexOf(value);
  assert.ok(i >= 0 && i < 9, `no option ${value} among ${values}`);
  return String(i + 1);
}

test('a citizen who asked for a person appears in the open queue; the agent takes it by keyboard, continues and logs it as widget', { timeout: 90000 }, async () => {
  await withDaemon(async (ctx) => {
    const { d } = ctx;
    const page = await newPage(browser);
    await openPanel(page, d);
    assert.equal(await page.locator('#queue').getAttribute('data-count'), '0');
    assert.equal(await page.locator('#queue-badge').textContent(), '0');
    await assertHeadingFocused(page, 'Ny henvendelse');

    const { cz, step: s, code } = await citizenHandsOver(ctx);

    // Pushed to the panel: no reload, no click.
    const row = page.locator(`#queue .qi[data-code="${code}"]`);
    await row.waitFor();
    assert.equal(await page.locator('#queue').getAttribute('data-count'), '1');
    assert.equal(await page.locator('#queue-badge').textContent(), '1');
    assert.match(await page.title(), /^\(1\) /, 'the count leads the tab title');
    assert.equal((await row.locator('.qi-code').textContent()).trim(), code);
    const meta = await row.locator('.qi-meta').textContent();
    assert.match(meta, /Norge/);
    assert.match(meta, /Norsk nynorsk/);
    assert.match(meta, /venter (under 1 min|\d+ min)/);
    // The triage so far: the facts as a trail, and the question now, in the
    // citizen's language.
    assert.deepEqual(await row.locator('.qi-trail li').evaluateAll((els) => els.map((e) => e.dataset.fact)),
      Object.keys(s.facts));
    assert.match(await row.locator('.qi-trail').textContent(), /Seg selv.*Innlogging og eID/);
    assert.equal(await row.locator('.qi-now .qi-text').textContent(), s.question.text);
    assert.equal(await row.locator('.qi-now .qi-text').getAttribute('lang'), 'nn');

    // Announced politely, and focus stayed where it was.
    await page.waitForFunction((c) => [...document.querySelectorAll('#queue [aria-live="polite"]')]
      .some((el) => el.textContent.includes(`Ny i køen: ${c}, Norge, Norsk nynorsk. 1 venter.`)), code);
    await assertHeadingFocused(page, 'Ny henvendelse');

    await checkScreen(page, 'queue');

    // q goes to the queue, Enter takes the handover.
    await page.keyboard.press('q');
    const f = await page.evaluate(() => ({ cls: document.activeElement.className, code: document.activeElement.dataset.code }));
    assert.deepEqual(f, { cls: 'primary qi-take', code });
    await page.keyboard.press('Enter');

    // The same question, with the same facts; the question in nynorsk, the
    // panel still in bokmål.
    await waitForNode(page, 'login.method');
    await assertHeadingFocused(page, s.question.text);
    assert.equal(await page.locator('html').getAttribute('lang'), 'nb');
    assert.equal(await page.locator('section.question').getAttribute('lang'), 'nn');
    assert.deepEqual(await page.locator('.options .option').evaluateAll((els) => els.map((e) => e.textContent.trim())),
      s.question.options.map((o, i) => `${i + 1}${o.label}`));
    assert.deepEqual(await page.locator('.trail button.fact').evaluateAll((els) => els.map((e) => e.dataset.fact)),
      Object.keys(s.facts));
    assert.equal(await page.locator('.trail .tag').first().textContent(), 'fra innbyggeren');
    const stepMeta = await page.locator('.step-meta').textContent();
    assert.match(stepMeta, /Chat på nettsiden/);
    assert.match(stepMeta, new RegExp(`tatt over fra chatten \\(${code}\\)`));
    await page.waitForFunction((c) => document.getElementById('announcer').textContent.startsWith(`Du har tatt over ${c}.`), code);

    // The citizen is told.
    // (the pushes of its place in the queue may come first: docs/protocol.md, live chat)
    let told;
    do told = await cz.next(); while (told.type === 'queue_position');
    assert.deepEqual([told.type, told.code], ['taken', code]);
    // And the queue is empty again.
    await page.locator('#queue[data-count="0"]').waitFor();
    assert.match(await page.title(), /^Kva for ein eID gjeld det\? – /);
    await checkScreen(page, 'queue-taken-step');

    // The record for resume is the take's step: every fact prefilled, no
    // steps, so back cannot undo what the citizen answered.
    const { session } = await storage(page);
    assert.equal(session.id, s.session);
    assert.equal(session.channel, 'widget');
    assert.equal(session.lang, 'nn');
    assert.deepEqual(session.facts, s.facts);
    assert.deepEqual(session.steps, []);
    assert.equal(session.handover.code, code);
    assert.equal(await page.locator('.step-actions button.secondary').isDisabled(), true);
    await page.keyboard.press('Backspace');
    await page.locator('#notice:not([hidden])').waitFor();
    assert.equal(await page.locator('#notice').textContent(), 'Det er ingenting å gå tilbake til.');
    await waitForNode(page, 'login.method');

    // The agent continues the walk and finishes it.
    await page.keyboard.press(await keyFor(page, 'minid'));
    await waitForNode(page, 'login.problem');
    // What the agent answered can be undone, and only that.
    await page.keyboard.press('Backspace');
    await waitForNode(page, 'login.method');
    await page.keyboard.press(await keyFor(page, 'minid'));
    await waitForNode(page, 'login.problem');
    await page.keyboard.press(await keyFor(page, 'forgotten_password'));
    await waitForNode(page, 'login.minid.forgot');
    await page.keyboard.press('Control+Enter');
    await page.locator('form.finish').waitFor();
    await page.locator('input[name="outcome"][value="resolved"]').check();
    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged').waitFor();

    const rows = sqlite(dbOf(d), 'select * from contacts');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].channel, 'widget');
    assert.equal(rows[0].lang, 'nn');
    assert.equal(rows[0].outcome, 'resolved');
    assert.deepEqual(JSON.parse(rows[0].facts),
      { ...s.facts, login_method: 'minid', login_problem: 'forgotten_password' });
    assertNoProblems(page);
  });
});

test('a caller reads out the code: looked up as typed, taken; a second panel is told it was already taken', { timeout: 90000 }, async () => {
  await withDaemon(async (ctx) => {
    const { d } = ctx;
    const a = await newPage(browser);
    const b = await newPage(browser);
    await openPanel(a, d, d.tokens.agent); // desk-1
    await openPanel(b, d, d.tokens.agent2); // desk-2

    // An unknown code: said in words, at the field, and focus stays there.
    await b.keyboard.press('c');
    assert.equal((await focused(b)).id, 'lookup-code');
    await b.keyboard.type('zzz zzz');
    await b.keyboard.press('Enter');
    await b.locator('#lookup-code[aria-invalid="true"]').waitFor();
    assert.equal(await b.locator('#lookup-error').textContent(),
      'Fant ingen med koden «zzz zzz». Den kan være feil lest eller utløpt (koder gjelder i 30 minutter). Be innringeren lese den på nytt.');
    assert.equal((await focused(b)).id, 'lookup-code');
    assert.match(await b.locator('#lookup-code').getAttribute('aria-describedby'), /lookup-error/);
    await axe(b, 'the code field with an unknown code');

    const { cz, step: s, code } = await citizenHandsOver(ctx);
    const loose = code.replace('-', ' ').toLowerCase(); // "k7m 42q"
    await b.locator(`#queue .qi[data-code="${code}"]`).waitFor();

    // Desk 2 looks the code up and is about to take it (focus is still in
    // the field: select what is there and type over it).
    assert.equal((await focused(b)).id, 'lookup-code');
    await b.keyboard.press('Control+A');
    await b.keyboard.type(loose);
    await b.keyboard.press('Enter');
    await b.locator(`.lookup-card[data-code="${code}"][data-state="waiting"]`).waitFor();
    assert.equal(await b.locator('#lookup-code').getAttribute('aria-invalid'), null, 'the error is gone');
    assert.equal(await b.locator('#lookup-error').textContent(), '');

    // Desk 1 hears the same code and is quicker: c, the code, Enter, Enter.
    await a.keyboard.press('c');
    await a.keyboard.type(loose);
    await a.keyboard.press('Enter');
    const card = a.locator(`.lookup-card[data-code="${code}"][data-state="waiting"]`);
    await card.waitFor();
    assert.equal(await card.locator('.qi-now .qi-text').textContent(), s.question.text);
    assert.match(await card.locator('.qi-trail').textContent(), /Seg selv.*Innlogging og eID/);
    assert.equal(await a.evaluate(() => document.activeElement.dataset.code), code, 'focus is on its Take button');
    await checkScreen(a, 'queue-lookup');
    await a.keyboard.press('Enter');
    await waitForNode(a, 'login.method');
    await assertHeadingFocused(a, s.question.text);
    // (the pushes of its place in the queue may come first: docs/protocol.md, live chat)
    let told;
    do told = await cz.next(); while (told.type === 'queue_position');
    assert.deepEqual([told.type, told.code], ['taken', code]);
    assert.equal(await a.locator('#lookup-code').inputValue(), '', 'the field is cleared after a take');

    // Desk 2 presses Take: already taken, by whom.
    assert.equal(await b.evaluate(() => document.activeElement.dataset.code), code);
    await b.keyboard.press('Enter');
    await b.locator('#lookup-error:not(:empty)').waitFor();
    assert.equal(await b.locator('#lookup-error').textContent(), `${code} er allerede tatt over av desk-1.`);
    assert.equal(await b.locator('.lookup-card .qi-take').count(), 0, 'nothing left to take');
    assert.equal(await b.locator('form.start').count(), 1, 'desk 2 stays where it was');
    await b.locator('#queue[data-count="0"]').waitFor();
    await checkScreen(b, 'queue-taken');

    // Looking it up again says the same. (The Take button went away, so
    // focus went back to the field.)
    assert.equal((await focused(b)).id, 'lookup-code');
    await b.keyboard.press('Control+A');
    await b.keyboard.type(code);
    await b.keyboard.press('Enter');
    await b.locator(`.lookup-card[data-code="${code}"][data-state="taken"]`).waitFor();
    assert.equal(await b.locator('#lookup-error').textContent(), `${code} er allerede tatt over av desk-1.`);

    // Desk 1 finishes it: a widget contact.
    await a.keyboard.press('Control+Enter');
    await a.locator('form.finish').waitFor();
    await a.locator('input[name="outcome"][value="abandoned"]').check();
    await a.keyboard.press('Control+Enter');
    await a.locator('section.logged').waitFor();
    const [row] = sqlite(dbOf(d), 'select channel, lang, outcome from contacts');
    assert.deepEqual(row, { channel: 'widget', lang: 'nn', outcome: 'abandoned' });
    assertNoProblems(a);
    assertNoProblems(b);
  });
});

test('after a daemon restart the panel subscribes to the queue again', { timeout: 90000 }, async () => {
  await withDaemon(async (ctx) => {
    const page = await newPage(browser);
    await openPanel(page, ctx.d);
    await ctx.d.kill9();
    await waitForConnection(page, 'waiting');
    await page.locator('#queue[data-stale="true"]').waitFor();
    ctx.d = await restartDaemon(ctx.d);
    await waitForConnection(page, 'ready');
    await page.locator('#queue[data-stale="false"]').waitFor();
    const { code } = await citizenHandsOver(ctx);
    await page.locator(`#queue .qi[data-code="${code}"]`).waitFor();
    assertNoProblems(page);
  });
});

test('the queue can be hidden to make room; taking over while a walk is in progress asks first', { timeout: 90000 }, async () => {
  await withDaemon(async (ctx) => {
    const page = await newPage(browser, { width: 360, height: 740 });
    await openPanel(page, ctx.d);

    // Hidden: only the heading with its count stays; the choice is kept.
    const toggle = page.locator('#queue .queue-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('#queue-body').isHidden(), true);
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('vegvisar.agent.prefs')).queueCollapsed), true);

    // The agent is in a call of their own.
    await page.locator('form.start button[type="submit"]').click();
    await waitForNode(page, 'who');
    await page.keyboard.press('1'); // self
    await waitForNode(page, 'topic');

    const { code } = await citizenHandsOver(ctx);
    await page.locator(`#queue[data-count="1"]`).waitFor();
    assert.equal(await page.locator('#queue-badge').textContent(), '1', 'the count shows while hidden');
    await page.waitForFunction((c) => document.querySelector('#queue [aria-live="polite"]').textContent.includes(c), code);
    await assertHeadingFocused(page, 'Hva gjelder det?');

    // q opens the queue and goes to the handover; the first Enter only warns.
    await page.keyboard.press('q');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.code), code);
    await page.keyboard.press('Enter');
    const warn = page.locator(`#queue .qi[data-code="${code}"] .qi-warn`);
    await warn.waitFor();
    assert.match(await warn.textContent(), /^Du har en henvendelse i gang som ikke er logget/);
    assert.match(await page.locator(`#queue .qi[data-code="${code}"] .qi-take`).textContent(), /^Ta over likevel/);
    await waitForNode(page, 'topic');
    await axe(page, 'the take warning at 360 px');
    await screenshot(page, 'agent-queue-confirm-360');

    // The second Enter takes it over.
    assert.equal(await page.evaluate(() => document.activeElement.dataset.code), code);
    await page.keyboard.press('Enter');
    await waitForNode(page, 'login.method');
    assert.equal((await storage(page)).session.handover.code, code);
    assertNoProblems(page);
  });
});

// Issue 19, item 2: the daemon sends the first page of the queue and then
// each change, not the whole queue on every change; the panel applies them.
test('the queue is a page plus its total, then each change: arrivals are added, departures removed, the rest counted', { timeout: 90000 }, async () => {
  const d = await startDaemon({ config: { bounds: { queue_page: 2 } } });
  const closers = [];
  try {
    const handOver = async (from) => {
      const cz = await Client.open(d, { from });
      closers.push(() => cz.close());
      await cz.request({ type: 'hello', role: 'citizen', lang: 'nb' });
      const s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
      const ho = await cz.request({ type: 'handover', session: s.session });
      assert.equal(ho.type, 'handover', JSON.stringify(ho));
      return { cz, session: s.session, code: ho.code };
    };
    const first = [];
    for (const ip of ['127.0.0.81', '127.0.0.82', '127.0.0.83']) first.push(await handOver(ip));
    const page = await newPage(browser);
    await openPanel(page, d);
    // Three wait; the page lists the two longest waiting and counts all three.
    await page.locator('#queue[data-count="3"]').waitFor();
    const listed = () => page.locator('#queue .queue-list .qi').evaluateAll((els) => els.map((e) => e.dataset.code));
    assert.deepEqual(await listed(), [first[0].code, first[1].code]);
    assert.equal(await page.locator('#queue-badge').textContent(), '3');

    // An arrival is pushed as itself and added.
    const late = await handOver('127.0.0.84');
    await page.locator(`#queue .qi[data-code="${late.code}"]`).waitFor();
    await page.locator('#queue[data-count="4"]').waitFor();

    // Another agent takes one: it leaves this panel's list.
    const other = await Client.open(d);
    closers.push(() => other.close());
    await other.request({ type: 'hello', role: 'agent', token: d.tokens.agent2 });
    assert.equal((await other.request({ type: 'take', code: first[0].code })).type, 'step');
    await page.locator(`#queue .qi[data-code="${first[0].code}"]`).waitFor({ state: 'detached' });
    await page.locator('#queue[data-count="3"]').waitFor();

    // A citizen who gives up (finishes the walk) leaves it too.
    const gaveUp = await first[1].cz.request({ type: 'finish', session: first[1].session, key: 'gave-up-1', outcome: 'abandoned' });
    assert.equal(gaveUp.type, 'logged', JSON.stringify(gaveUp));
    await page.locator(`#queue .qi[data-code="${first[1].code}"]`).waitFor({ state: 'detached' });
    await page.locator('#queue[data-count="2"]').waitFor();
    // The one past the first page is still counted; the arrival is listed.
    assert.deepEqual(await listed(), [late.code]);
    assertNoProblems(page);
    await page.close();
  } finally {
    for (const c of closers) await c().catch(() => {});
    await d.stop();
    d.cleanup();
  }
});
