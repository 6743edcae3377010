// The citizens' chat widget in Debian's chromium against the real daemon:
// keyboard-only walks in nb, nn, en and da, talking to a person (an agent
// takes the handover over the protocol), "Did this help?" and start over,
// a question for agents only, and axe-core at every step with screenshots
// in tests/artifacts/. Refused origins, floods, restarts, a hostile host
// page and zoom are widget-robust.test.mjs's.
//
// Host pages are served from other origins (widget-lib.mjs startHost) with
// the CSP a real host needs. Synchronisation is on the widget's state
// (locator.waitFor on data-* attributes) or on protocol messages, never on
// sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, sqlite } from './lib.mjs';
import { agent, Client } from '../blackbox/lib.mjs';
import {
  W, deepFocus, tabToDeep, waitForWidget, waitForQuestion, waitForResult, assertFocusOnNewest,
  answerByKeyboard, widgetText, startOverByKeyboard, withSetup, pageOpener, screenshot, assertAxe,
  openByKeyboard, walk,
} from './widget-lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
const openPage = pageOpener(() => browser);

// What the daemon itself answers for the same walk (a citizen over the
// protocol), to hold the widget's result against.
// start: more of the start message (the citizen's own words, `text`).
async function expectedStep(d, country, lang, answers, start = {}) {
  const c = await Client.open(d);
  await c.request({ type: 'hello', role: 'citizen' });
  let step = await c.request({ type: 'start', country, channel: 'widget', lang, ...start });
  for (const value of answers) step = await c.request({ type: 'answer', session: step.session, value });
  await c.close();
  return step;
}

// The result on screen against the daemon's: its title, the advice to the
// citizen, where to turn, the phone as a tel: link (only where there is one
// number to dial), the web link, and every unverified field marked.
async function checkResult(page, expected, { ui, unverifiedText }) {
  const r = expected.result;
  await waitForResult(page, r.node);
  await assertFocusOnNewest(page, assert, 'result heading');
  const res = page.locator(`vegvisar-widget .result[data-node="${r.node}"]`).last();
  assert.equal(await res.getAttribute('lang'), ui, 'the interface texts are in the chosen language');
  assert.equal((await res.locator('h3').innerText()).trim(), r.title, 'the result\'s title is its heading');
  assert.equal(await res.locator('.advice').getAttribute('lang'), expected.lang, 'the advice is marked with its language');
  assert.equal((await res.locator('.advice').innerText()).trim(), r.advice);
  assert.equal((await res.locator('.dest-name').innerText()).trim(), r.destination.name);
  const unverified = r.destination.unverified;
  const shown = ['phone', 'hours', 'web'].filter((field) => r.destination[field]);
  for (const field of shown) {
    const marks = await res.locator(`[data-unverified="${field}"]`).count();
    assert.equal(marks, unverified.includes(field) ? 1 : 0, `${field} is ${unverified.includes(field) ? '' : 'not '}marked unverified`);
  }
  const marked = shown.filter((field) => unverified.includes(field));
  if (marked.length) {
    assert.equal((await res.locator('[data-unverified]').first().innerText()).trim(), unverifiedText);
    assert.equal(await res.locator('.unverified-note').count(), 1, 'unverified fields are explained');
  } else {
    assert.equal(await res.locator('.unverified-note').count(), 0, 'no note without a mark to explain');
  }
  const tels = await res.locator('dd[data-field="phone"] a.tel').evaluateAll((els) => els.map((a) => a.getAttribute('href')));
  assert.deepEqual(tels, r.destination.dial ? [`tel:${r.destination.dial}`] : [],
    'the phone number is a tel: link exactly when there is one number to dial');
  if (/https?:\/\//.test(r.destination.web || '')) {
    const href = await res.locator('dd[data-field="web"] a').first().getAttribute('href');
    assert.match(href, /^https?:\/\//);
  }
}

test('keyboard only, bokmål on the demo page: walk, back, Escape and reopen, result; axe at every step', { timeout: 120000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d } = ctx;
    const page = await openPage(ctx, `${d.url}/widget/demo.html`);
    assert.equal(await page.locator(W.panel).isVisible(), false, 'closed at first');
    assert.equal(await page.locator(W.launcher).getAttribute('aria-expanded'), 'false');
    await assertAxe(page, 'widget-closed', 'the demo page with the widget closed');
    await screenshot(page, 'widget-closed');

    await openByKeyboard(page);
    assert.equal(await page.locator(W.launcher).getAttribute('aria-expanded'), 'true');
    await waitForQuestion(page, 'who');
    await assertFocusOnNewest(page, assert, 'first question');
    // The welcome lists each country's languages.
    const welcome = await page.locator('vegvisar-widget .log .msg.bot').first().innerText();
    assert.match(welcome, /Norge: norsk bokmål, norsk nynorsk og engelsk/);
    assert.match(welcome, /Danmark: dansk og engelsk/);
    await assertAxe(page, 'widget-open', 'the open panel');
    await screenshot(page, 'widget-open');

    await walk(page, [['who', 'self'], ['topic', 'case_matter']], { axeName: 'widget-step' });
    await waitForQuestion(page, 'case.service');
    assert.equal(await widgetText(page, '.msg.me p'), 'En sak hos NAV eller en annen etat', 'the answer shows as the citizen\'s message');

    // Back by keyboard: the previous question again, focused.
    await tabToDeep(page, '[data-act="back"]');
    await page.keyboard.press('Enter');
    await waitForQuestion(page, 'topic');
    await assertFocusOnNewest(page, assert, 'question after back');
    assert.match(await widgetText(page, '.msg.note'), /Du gikk tilbake ett spørsmål/);

    // Escape closes and gives focus back to the launcher; Enter reopens at
    // the same question.
    await page.keyboard.press('Escape');
    await page.locator(W.panel).waitFor({ state: 'hidden' });
    const f = await deepFocus(page);
    assert.equal(f.cls, 'launcher', `Escape returns focus to the launcher, not ${JSON.stringify(f)}`);
    await page.keyboard.press('Enter');
    await page.locator(W.panel).waitFor({ state: 'visible' });
    await assertFocusOnNewest(page, assert, 'question after reopening');

    await walk(page, [['topic', 'case_matter'], ['case.service', 'welfare_benefit']], { axeName: 'widget-step' });
    const expected = await expectedStep(d, 'no', 'nb', ['self', 'case_matter', 'welfare_benefit']);
    assert.equal(expected.result.node, 'case.nav');
    assert.deepEqual(expected.result.destination.unverified, ['hours'], 'the fixture for this test: NAV\'s hours are not confirmed');
    await checkResult(page, expected, { ui: 'nb', unverifiedText: 'Ikke bekreftet' });
    assert.equal(await widgetText(page, '.result .bring'), 'Ha dette klart: Fødselsnummeret ditt.');
    assert.equal(await page.locator(`${W.root}[data-state="result"] .options`).count(), 0, 'no options at a result');
    await assertAxe(page, 'widget-result', 'the result');
    await screenshot(page, 'widget-result');
  });
});

// The nodes of the questions in the log, in order.
function askedNodes(page) {
  return page.locator('vegvisar-widget .log .msg[data-node]:not(.result)').evaluateAll((els) => els.map((e) => e.dataset.node));
}

// What the widget keeps in the host page's sessionStorage, as one string.
function kept(page) {
  return page.evaluate(() => Object.values(sessionStorage).join(' '));
}

test('own words, keyboard only: the citizen describes the problem and is asked only what the words did not say; axe clean', { timeout: 120000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    const page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await waitForQuestion(page, 'who');
    // Before the first answer: a field for the problem in the citizen's own
    // words, above the options, labelled.
    const form = page.locator('vegvisar-widget form.describe');
    assert.equal((await form.locator('label[for="vv-describe"]').innerText()).trim(),
      'Beskriv problemet med egne ord (eller velg nedenfor)');
    await assertAxe(page, 'widget-describe', 'the question with the field for own words');
    await screenshot(page, 'widget-describe');

    // Tab from the question to the field, type, Enter.
    await tabToDeep(page, 'input#vv-describe');
    const words = 'Moren min har glemt passordet til MinID';
    await page.keyboard.type(words);
    await page.keyboard.press('Enter');

    // The words gave who it is about, the eID and the problem: the walk goes
    // on with the one question that still matters, and focus is on it.
    await waitForQuestion(page, 'topic');
    await assertFocusOnNewest(page, assert, 'question after the words');
    assert.equal(await widgetText(page, '.msg.me p'), words, "the words show as the citizen's message");
    assert.equal(await form.count(), 0, 'the field goes once used');
    assert.deepEqual(await askedNodes(page), ['who', 'topic']);
    const expected = await expectedStep(d, 'no', 'nb', ['unknown'], { text: words });
    assert.deepEqual(expected.facts, { on_behalf: 'another_person', relation: 'adult_child_for_parent', login_method: 'minid',
      login_problem: 'forgotten_password', topic: 'unknown' });
    await assertAxe(page, 'widget-described', 'the question after the own words');
    await screenshot(page, 'widget-described');

    await answerByKeyboard(page, 'unknown');
    await checkResult(page, expected, { ui: 'nb', unverifiedText: 'Ikke bekreftet' });
    assert.equal(expected.result.node, 'login.minid.forgot');
    assert.deepEqual(await askedNodes(page), ['who', 'topic'], 'never asked which eID or what the problem is');
    // The words are shown, never kept: they may name people.
    assert.doesNotMatch(await kept(page), /passordet|Moren min/);
    await assertAxe(page, 'widget-described-result', 'the result after the own words');

    // Words that leave the question just asked open: it is asked again,
    // below the words, and the walk skips what they said.
    await startOverByKeyboard(page, assert);
    await waitForQuestion(page, 'who');
    await tabToDeep(page, 'input#vv-describe');
    await page.keyboard.type('Jeg har glemt passordet til MinID');
    await page.keyboard.press('Enter');
    await page.locator('vegvisar-widget .log .msg.me + .msg[data-node="who"]').waitFor();
    await waitForQuestion(page, 'who');
    await assertFocusOnNewest(page, assert, 'the question asked again');
    await walk(page, [['who', 'self'], ['topic', 'unknown']]);
    await waitForResult(page, 'login.minid.forgot');
    assert.deepEqual(await askedNodes(page), ['who', 'who', 'topic']);
  });
});

test('keyboard only on another site, nynorsk (data-lang) and English (switched in the panel mid-walk)', { timeout: 120000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    // Nynorsk from the tag.
    let page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nn' }));
    await openByKeyboard(page);
    await walk(page, [['who', 'self'], ['topic', 'login'], ['login.method', 'minid'], ['login.problem', 'phone_number_changed']]);
    let expected = await expectedStep(d, 'no', 'nn', ['self', 'login', 'minid', 'phone_number_changed']);
    assert.equal(expected.result.node, 'login.minid.phone');
    await checkResult(page, expected, { ui: 'nn', unverifiedText: 'Ikkje stadfesta' });
    assert.equal(await page.locator('vegvisar-widget .msg[data-node="who"] .q').getAttribute('lang'), 'nn');
    await assertAxe(page, 'widget-result-nn', 'the nynorsk result');
    await screenshot(page, 'widget-result-nn');

    // English: start in bokmål, switch with the keyboard in the language
    // select; the session starts again in English with the same answers.
    page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await walk(page, [['who', 'self']]);
    await waitForQuestion(page, 'topic');
    await tabToDeep(page, 'select#vv-lang', { shift: true });
    await page.keyboard.press('End'); // the last language: English
    await page.locator('vegvisar-widget .msg.bot[data-node="topic"] .q[lang="en"]').waitFor();
    await waitForQuestion(page, 'topic');
    assert.equal(await widgetText(page, '.head h2'), 'Where can I get help?');
    assert.equal(await widgetText(page, '.option[data-value="case_matter"]'), 'A case at NAV or another agency');
    assert.match(await widgetText(page, '.msg.note'), /You chose English/);
    assert.equal((await deepFocus(page)).tag, 'select', 'the language change does not take focus away');
    await answerByKeyboard(page, 'case_matter');
    await walk(page, [['case.service', 'social_assistance']]);
    expected = await expectedStep(d, 'no', 'en', ['self', 'case_matter', 'social_assistance']);
    assert.deepEqual([expected.result.node, expected.result.destination.dial], ['case.kontor', undefined],
      'the fixture for this test: the local NAV office has no number of its own');
    await checkResult(page, expected, { ui: 'en', unverifiedText: 'Not confirmed' });
    await assertAxe(page, 'widget-result-en', 'the English result');
    await screenshot(page, 'widget-result-en');
  });
});

test('keyboard only in Danish on the Danish tree; a Norwegian page on the Danish tree is told why it gets Danish', { timeout: 120000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    let page = await openPage(ctx, allowed.page({ country: 'dk', lang: 'da' }));
    await openByKeyboard(page);
    await walk(page, [['topic', 'login'], ['login.problem', 'eid_blocked']]);
    const expected = await expectedStep(d, 'dk', 'da', ['login', 'eid_blocked']);
    assert.deepEqual(expected.result.destination.unverified, ['phone', 'hours'], 'the fixture for this test: Borgerservice\'s phone and hours');
    await checkResult(page, expected, { ui: 'da', unverifiedText: 'Ikke bekræftet' });
    await assertAxe(page, 'widget-result-da', 'the Danish result');
    await screenshot(page, 'widget-result-da');

    page = await openPage(ctx, allowed.page({ country: 'dk', lang: 'nb' }));
    await openByKeyboard(page);
    await waitForQuestion(page, 'topic');
    assert.match(await widgetText(page, '.msg.note'),
      /Veiviseren for Danmark finnes ikke på norsk bokmål, så spørsmålene vises på dansk/);
    assert.equal(await page.locator('vegvisar-widget .msg[data-node="topic"] .q').getAttribute('lang'), 'da');
    assert.equal(await widgetText(page, '[data-act="person"]'), 'Snakk med et menneske', 'the interface stays in bokmål');
  });
});

test('talk to a person: code and phone in the widget; in the agent panel (a second browser) the handover is queued, looked up by the code read aloud, taken by keyboard and continued at the same question', { timeout: 120000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    // The agent panel, signed in as desk-1, in its own browser context.
    const panel = await newPage(browser);
    ctx.pages.push(panel);
    await panel.goto(`${d.url}/agent/#token=${d.tokens.agent}`);
    await panel.locator('#conn[data-state="ready"]').waitFor();
    await panel.locator('#queue').waitFor();
    // A second agent over the protocol watches the queue's exact content.
    const watcher = await agent(d, d.tokens.agent2);
    assert.deepEqual((await watcher.request({ type: 'queue' })).items, []);

    const page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await walk(page, [['who', 'self'], ['topic', 'login']]);
    await waitForQuestion(page, 'login.method');

    await tabToDeep(page, '[data-act="person"]');
    await page.keyboard.press('Enter');
    const handover = page.locator('vegvisar-widget .handover');
    await handover.waitFor();
    await assertFocusOnNewest(page, assert, 'handover message');
    const code = await handover.getAttribute('data-code');
    assert.match(code, /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/);
    assert.equal((await handover.locator('.code').innerText()).trim(), code, 'the code is shown big');
    assert.match(await handover.locator('.vh').last().innerText(), new RegExp(code.split('').map((c) => (c === '-' ? '–' : c)).join(' ')),
      'screen readers get the code one character at a time');
    assert.equal(await handover.locator('a.tel').getAttribute('href'), 'tel:22222222', 'the desk phone is a tel: link');
    assert.match(await handover.innerText(), /Ring 22 22 22 22 og les opp koden/);
    await assertAxe(page, 'widget-handover', 'the handover');
    await screenshot(page, 'widget-handover');

    // The daemon pushes the new item with the citizen's step and language.
    const pushed = await watcher.next();
    assert.equal(pushed.type, 'queue_changed');
    const item = (pushed.added || []).find((i) => i.code === code);
    assert.ok(item, `the queue has ${code}: ${JSON.stringify(pushed)}`);
    assert.equal(item.lang, 'nb', "the citizen's language follows into the handover");
    assert.equal(item.country, 'no');
    assert.equal(item.step.question.node, 'login.method');
    assert.deepEqual(item.step.facts, { on_behalf: 'self', topic: 'login' });

    // The panel lists it; the agent looks it up by the code as a caller
    // would read it out (lower case, a space for the dash): c, code, Enter.
    await panel.locator(`#queue .qi[data-code="${code}"]`).waitFor();
    assert.deepEqual(await panel.locator(`#queue .qi[data-code="${code}"] .qi-trail li`).evaluateAll((els) => els.map((e) => e.dataset.fact)),
      ['on_behalf', 'topic']);
    await panel.keyboard.press('c');
    await panel.keyboard.type(code.toLowerCase().replace('-', ' '));
    await panel.keyboard.press('Enter');
    await panel.locator(`.lookup-card[data-code="${code}"][data-state="waiting"]`).waitFor();

    // While waiting, the citizen may go on answering: focus on an option,
    // which the take removes.
    await tabToDeep(page, '.option[data-value="bankid"]');
    const session = await page.evaluate(() => Object.values(sessionStorage).map((v) => JSON.parse(v)).find((v) => v.record)?.record.session);

    // q goes to the queue's Take button, Enter takes it.
    await panel.keyboard.press('q');
    await panel.keyboard.press('Enter');
    await panel.locator('.step-screen[data-node="login.method"]').waitFor();
    const rec = await panel.evaluate(() => JSON.parse(sessionStorage.getItem('vegvisar.agent.session') || 'null'));
    assert.equal(rec?.id, session, 'the panel has the same session');
    assert.deepEqual(rec.lastStep.facts, { on_behalf: 'self', topic: 'login' }, 'with the same facts');
    assert.equal(rec.lastStep.lang, 'nb');
    await screenshot(panel, 'widget-agent-took');

    const taken = page.locator(`${W.root}[data-state="taken"] .msg.taken`);
    await taken.waitFor();
    assert.match(await taken.innerText(), /En person har tatt over saken din/);
    assert.equal(await page.locator('vegvisar-widget .options').count(), 0, 'the citizen can no longer answer');
    assert.equal(await page.locator('vegvisar-widget [data-act="person"]').isVisible(), false);
    assert.equal(await page.locator('vegvisar-widget [data-act="back"]').isVisible(), false);
    assert.equal((await deepFocus(page)).text, 'En person har tatt over saken din', 'focus was on an option, now gone: it goes to the news');
    await assertAxe(page, 'widget-taken', 'the taken notice');
    await screenshot(page, 'widget-taken');

    // The agent goes on from the same question in the panel (2: BankID).
    await panel.keyboard.press('2');
    await panel.locator('.step-screen[data-node="login.problem"]').waitFor();
    assert.deepEqual(await panel.evaluate(() => JSON.parse(sessionStorage.getItem('vegvisar.agent.session')).lastStep.facts),
      { on_behalf: 'self', topic: 'login', login_method: 'bankid' });

    const again = await watcher.request({ type: 'take', code });
    assert.equal(again.code, 'conflict');
    assert.match(again.message, /already taken by desk-1/);
    await watcher.close();

    // A new conversation can start in the widget.
    await startOverByKeyboard(page, assert);
    await waitForQuestion(page, 'who');
  });
});

// The store's rows for sql, once the writer has committed them (it does
// after the reply, so wait for the rows, bounded; never a fixed sleep).
async function storedRows(db, sql, want = 1) {
  for (const until = Date.now() + 10000; ;) {
    const rows = sqlite(db, sql);
    if (rows.length >= want || Date.now() > until) return rows;
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

async function pushUntil(c, pred) {
  for (;;) {
    const m = await c.next();
    if (pred(m)) return m;
  }
}

const widgetSession = (page) => page.evaluate(() => Object.values(sessionStorage).map((v) => JSON.parse(v)).find((v) => v.record)?.record.session);

test('"Did this help?" by keyboard is logged once as a widget contact; "start over" asks first and withdraws the handover from the agents\' queue', { timeout: 120000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    const db = `${d.dir}/vegvisar.db`;
    const page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await walk(page, [['who', 'self'], ['topic', 'login'], ['login.method', 'minid'], ['login.problem', 'forgotten_password']]);
    await waitForResult(page, 'login.minid.forgot');
    assert.equal(await widgetText(page, '.helped-q'), 'Hjalp dette?');
    await assertAxe(page, 'widget-helped', '"Did this help?"');
    await screenshot(page, 'widget-helped');
    await tabToDeep(page, '[data-act="helped-yes"]');
    await page.keyboard.press('Enter');
    await page.locator('vegvisar-widget .msg.thanks').waitFor();
    assert.equal(await page.locator('vegvisar-widget .helped').count(), 0, 'asked once');
    assert.match((await deepFocus(page)).text, /^Takk for svaret/, 'focus goes to the thanks, where the buttons were');
    await assertAxe(page, 'widget-helped-thanks', 'the thanks');
    const first = await widgetSession(page);
    const one = `select outcome, channel, json_extract(facts, '$.helped') as helped from contacts where key = 'widget:${first}'`;
    assert.deepEqual(await storedRows(db, one), [{ outcome: 'resolved', channel: 'widget', helped: 'yes' }],
      'the conversation is a self-service widget contact with the answer');

    // A reload neither asks again nor logs again.
    await page.reload();
    await waitForWidget(page);
    await page.locator('vegvisar-widget .vv[data-conn="ready"][data-busy="false"] .msg.thanks').waitFor();
    assert.equal(await page.locator('vegvisar-widget .helped').count(), 0, 'not asked again after a reload');

    // A new conversation that asks for a person.
    const watcher = await agent(d);
    await watcher.request({ type: 'queue' });
    await startOverByKeyboard(page, assert);
    await walk(page, [['who', 'self']]);
    await waitForQuestion(page, 'topic');
    await tabToDeep(page, '[data-act="person"]');
    await page.keyboard.press('Enter');
    const code = await page.locator('vegvisar-widget .handover[data-code]').last().getAttribute('data-code');
    await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === code));
    const second = await widgetSession(page);
    assert.notEqual(second, first);

    // "Start over" asks first, naming the code that would stop working;
    // Escape keeps everything and returns to the button.
    await tabToDeep(page, '[data-act="restart"]');
    await page.keyboard.press('Enter');
    await page.locator('vegvisar-widget .confirm').waitFor();
    assert.match(await widgetText(page, '.confirm-q'), new RegExp(`koden ${code} virker ikke lenger`));
    assert.equal((await deepFocus(page)).cls, 'confirm-q', 'the question takes focus');
    await assertAxe(page, 'widget-restart-confirm', '"start over?"');
    await screenshot(page, 'widget-restart-confirm');
    await page.keyboard.press('Escape');
    await page.locator('vegvisar-widget .confirm').waitFor({ state: 'detached' });
    assert.equal(await page.locator(W.panel).isVisible(), true, 'Escape answers the question, it does not close the panel');
    assert.equal((await deepFocus(page)).act, 'restart', 'focus back on "start over"');
    assert.equal(await page.locator(`vegvisar-widget .handover[data-code="${code}"]`).count(), 1, 'the code is still shown');
    assert.ok((await watcher.request({ type: 'queue' })).items.some((i) => i.code === code), 'still in the queue');

    // Yes: the handover leaves the agents' queue, and the conversation is counted.
    await startOverByKeyboard(page, assert);
    await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.removed?.includes(code));
    await waitForQuestion(page, 'who');
    assert.equal((await watcher.request({ type: 'lookup', code })).code, 'not_found');
    const two = `select outcome from contacts where key = 'widget:${second}'`;
    assert.deepEqual(await storedRows(db, two), [{ outcome: 'abandoned' }]);
    assert.deepEqual(sqlite(db, "select count(*) as n from contacts where channel = 'widget'"), [{ n: 2 }],
      'two conversations, two contacts: the reload and the start over logged nothing twice');
    await watcher.close();
  });
});

test('a question for agents only (the fixture\'s "mandate"): the engine never asks the citizen, and a step that has one shows no options and offers a person', { timeout: 60000 }, async () => {
  await withSetup({}, async (ctx) => {
    const { d, allowed } = ctx;
    // Where an agent's walk asks whether the caller has a power of attorney
    // (a caller about their mother's pension case) ...
    const desk = await agent(d);
    const facts = { on_behalf: 'another_person', relation: 'adult_child_for_parent', topic: 'case_matter' };
    const atDesk = await desk.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb',
      facts: { ...facts, service: 'welfare_benefit' } });
    assert.equal(atDesk.question?.node, 'mandate', JSON.stringify(atDesk));
    await desk.close();
    // ... the citizen in the widget is not asked it: the walk goes on to
    // what the citizen can answer.
    let page = await openPage(ctx, allowed.page({ country: 'no', lang: 'nb' }));
    await openByKeyboard(page);
    await waitForQuestion(page, 'who');
    await tabToDeep(page, 'input#vv-describe');
    await page.keyboard.type('Det gjelder saken til moren min');
    await page.keyboard.press('Enter');
    await walk(page, [['topic', 'case_matter']]);
    await waitForQuestion(page, 'case.service');
    assert.equal(await page.locator('vegvisar-widget .msg[data-node="mandate"]').count(), 0, 'no agent-only question');
    assert.deepEqual(await page.evaluate(() => Object.values(sessionStorage).map((v) => JSON.parse(v)).find((v) => v.record)?.record.lastStep.facts),
      facts, 'the same facts as at the desk');

    // A step whose question is for agents (as a tree or a daemon that sent
    // one would): no options, and a person is offered. The daemon's steps
    // are marked so at the websocket.
    page = await newPage(browser);
    ctx.pages.push(page);
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        const msg = JSON.parse(m);
        if (msg.type === 'step' && msg.question?.node === 'who') msg.question.citizen = false;
        ws.send(JSON.stringify(msg));
      });
    });
    await page.goto(allowed.page({ country: 'no', lang: 'nb' }));
    await waitForWidget(page);
    await openByKeyboard(page);
    const only = page.locator('vegvisar-widget .agent-only[data-node="who"]');
    await only.waitFor();
    assert.match(await only.innerText(), /Dette spørsmålet må en person hjelpe deg med/);
    assert.equal(await page.locator('vegvisar-widget .options').count(), 0, 'no options for an agent-only question');
    await tabToDeep(page, '[data-act="person"]');
    await page.keyboard.press('Enter');
    await page.locator('vegvisar-widget .handover').waitFor();
    await assertAxe(page, 'widget-agent-only', 'an agent-only question');
  });
});
