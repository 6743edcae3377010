// Live chat after a handover (docs/protocol.md, "Live chat after a handover"
// and "When nobody can take it"), in Debian's chromium against the real
// daemon: a citizen in the widget on a host page of another origin (320 px)
// and an agent in the panel (400 px), both by keyboard only.
//
//   - the citizen waits with a place in the queue; the agent takes the case
//     and they write both ways, each seeing the other typing; the agent
//     sends the result's contact card, which the widget shows as a card;
//   - the citizen's page reloads mid-chat: the conversation comes back and
//     the message the agent wrote meanwhile is shown once;
//   - the agent's panel reloads mid-chat: the chat goes on, with the
//     citizen's message from meanwhile;
//   - the agent goes away for good: the citizen is back in the queue;
//   - the desk is closed (today is a holiday): the widget says so with the
//     hours, a callback request is refused with a bad number and accepted
//     with a good one, and the agent sees it in "Call back" and marks it done;
//   - the chat ends (the agent's "End chat", the agent logging the session,
//     the citizen's "End chat"): the widget says so and shows the result in
//     the citizen's language, the panel says so and its finish form logs;
//     the panel at 1280 px has the chat beside the walk, the widget's chat
//     works at 320 px and at 200 % zoom;
//   - a citizen who left is marked in the panel's queue and then dropped;
//     taken anyway, the chat pane says they are not connected until they are.
//
// axe-core on every new state, screenshots in tests/artifacts/.
// Synchronisation is on the pages' state (locator.waitFor), never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, newPage, assertNoProblems, axe, screenshot, tabTo, startDaemon, sqlite, FIXTURE_RULES } from './lib.mjs';
import { W, startHost, deepFocus, tabToDeep, waitForWidget, waitForQuestion, waitForResult, answerByKeyboard,
  axeWidget, axeMessage, settle } from './widget-lib.mjs';

const DESK_PHONE = { no: '22 22 22 22', dk: '33 33 33 33' };
const V = (sel) => `vegvisar-widget ${sel}`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function withDesk(config, fn) {
  const host = await startHost();
  const d = await startDaemon({ rules: FIXTURE_RULES,
    config: { widget_origins: [host.origin], desk_phone: DESK_PHONE, ...config } });
  host.daemon = d;
  const pages = [];
  try {
    await fn({ d, host, pages });
    for (const p of pages) if (!p.isClosed()) assertNoProblems(p);
  } finally {
    await d.stop();
    d.cleanup();
    await host.close();
  }
}

async function assertWidgetAxe(page, name, what) {
  const r = await axeWidget(page, name);
  assert.equal(r.violations.length, 0, axeMessage(r, what));
}

async function shot(page, name) {
  await settle(page);
  await screenshot(page, name);
}

// The citizen at 320 px: open the widget by keyboard and walk to a result
// (the fixture's "new phone number for MinID" advice, with a destination for a card).
// (lang: the interface language; size and big: the viewport and a host page
// whose root font size is 200 %, as widget.test.mjs does for 200 % zoom.)
async function citizen(ctx, { lang = 'nb', size = { width: 320, height: 700 }, big = false } = {}) {
  const page = await newPage(browser, size);
  ctx.pages.push(page);
  await page.goto(ctx.host.page({ country: 'no', lang, ...(big ? { big: '1' } : {}) }));
  await waitForWidget(page);
  await tabToDeep(page, '.launcher');
  await page.keyboard.press('Enter');
  for (const [node, value] of [['who', 'self'], ['topic', 'login'], ['login.method', 'minid'], ['login.problem', 'phone_number_changed']]) {
    await waitForQuestion(page, node);
    await answerByKeyboard(page, value);
  }
  await waitForResult(page, 'login.minid.phone');
  return page;
}

async function askForPerson(page) {
  await tabToDeep(page, '[data-act="person"]');
  await page.keyboard.press('Enter');
  const handover = page.locator(V('.handover')).last();
  await handover.waitFor();
  return handover.getAttribute('data-code');
}

// The agent at 400 px, signed in, the queue in view.
async function panel(ctx, { goto = true, page, size = { width: 400, height: 800 } } = {}) {
  page ||= await newPage(browser, size);
  if (!ctx.pages.includes(page)) ctx.pages.push(page);
  if (goto) await page.goto(`${ctx.d.url}/agent/#token=${ctx.d.tokens.agent}`);
  await page.locator('#conn[data-state="ready"]').waitFor();
  return page;
}

const agentMessages = (page) => page.locator(V('.msg.chat.from-agent .text')).allInnerTexts();

test('live chat: queue place, both ways with typing, contact card, reload on each side, the agent goes away and the case is queued again', { timeout: 180000 }, async () => {
  await withDesk({ bounds: { agent_grace_seconds: 4 } }, async (ctx) => {
    const desk = await panel(ctx);
    const page = await citizen(ctx);
    const code = await askForPerson(page);

    // Waiting: the place in the queue, live.
    const info = page.locator(V('.queue-info'));
    await info.waitFor();
    assert.match(await info.innerText(), /Du er nummer 1 i køen\./);
    assert.equal(await info.getAttribute('role'), 'status', 'the place is announced politely');
    await assertWidgetAxe(page, 'chat-widget-queue', 'waiting in the queue');
    await shot(page, 'chat-widget-queue-320');

    // The agent takes it: q, Enter (the queue's first Take).
    await desk.locator(`#queue .qi[data-code="${code}"]`).waitFor();
    await desk.keyboard.press('q');
    await desk.keyboard.press('Enter');
    await desk.locator('.step-screen').waitFor();
    const pane = desk.locator('.chat-pane');
    await pane.waitFor();
    assert.match(await pane.locator('h2').innerText(), new RegExp(code));
    // At 400 px the first thing of the walk stays at the top: the pane is below.
    const [stepBox, paneBox] = [await desk.locator('.step-screen h1').boundingBox(), await pane.boundingBox()];
    assert.ok(stepBox.y < 800 && paneBox.y > stepBox.y, 'the walk comes first, the chat below it');

    const taken = page.locator(V('.msg.taken'));
    await taken.waitFor();
    assert.match(await taken.innerText(), /desk-1 er her/);
    assert.equal(await info.isVisible(), false, 'no queue place once taken');
    await assertWidgetAxe(page, 'chat-widget-taken', 'the chat opened');

    // Agent → citizen, with the typing indicator first.
    await tabTo(desk, '#chat-input');
    await desk.keyboard.type('Hei, jeg heter Kari');
    await page.locator(V('.typing')).waitFor();
    assert.match(await page.locator(V('.typing')).innerText(), /desk-1 skriver/);
    await desk.keyboard.press('Enter');
    await page.locator(V('.msg.chat.from-agent')).first().waitFor();
    assert.deepEqual(await agentMessages(page), ['Hei, jeg heter Kari']);
    assert.equal(await page.locator(V('.typing')).isVisible(), false, 'the indicator goes with the message');
    const log = page.locator(V('.log'));
    assert.equal(await log.getAttribute('role'), 'log');
    assert.equal(await log.getAttribute('aria-live'), 'polite');

    // Citizen → agent: keyboard only, Enter sends, focus stays in the field.
    await tabToDeep(page, '#vv-chat-input');
    await page.keyboard.type('Hei! Jeg har glemt passordet');
    await desk.locator('.chat-typing:not([hidden])').waitFor();
    await page.keyboard.press('Enter');
    await desk.locator('.chat-msg.theirs').first().waitFor();
    assert.equal(await desk.locator('.chat-msg.theirs .chat-text').innerText(), 'Hei! Jeg har glemt passordet');
    await page.locator(V('.msg.chat.me')).waitFor();
    await desk.keyboard.type('Jeg sender deg kontaktinfo');
    await desk.keyboard.press('Enter');
    await page.locator(V('.msg.chat.from-agent')).nth(1).waitFor();
    assert.equal(await page.evaluate(() => document.querySelector('vegvisar-widget').shadowRoot.activeElement?.id), 'vv-chat-input',
      `focus stays where the citizen types when a message arrives, not on ${JSON.stringify(await deepFocus(page))}`);

    // The contact card: the agent's button, the widget's card.
    await tabTo(desk, '[data-act="chat-card"]');
    await desk.keyboard.press('Enter');
    const card = page.locator(V('.msg.card'));
    await card.waitFor();
    assert.ok((await card.locator('.dest-name').innerText()).trim().length > 0, 'the card names where to turn');
    assert.ok(await card.locator('dl dt').count() > 0, 'with its phone, hours or web address');
    await assertWidgetAxe(page, 'chat-widget-chatting', 'the chat with a card');
    await shot(page, 'chat-widget-chatting-320');
    await axe(desk, 'the panel with the chat');
    await screenshot(desk, 'chat-panel-400');

    // (b) The citizen's page goes away; the agent sees it, writes, and the
    // page comes back with the message shown once.
    const url = page.url();
    await page.goto('about:blank');
    await desk.locator('.chat-presence[data-present="false"]').waitFor();
    await tabTo(desk, '#chat-input');
    await desk.keyboard.type('Er du der fortsatt?');
    await desk.keyboard.press('Enter');
    await desk.locator('.chat-msg.mine', { hasText: 'Er du der fortsatt?' }).waitFor();
    await page.goto(url);
    await page.locator(W.panel).waitFor(); // open as it was
    await page.locator(V('.msg.chat.from-agent'), { hasText: 'Er du der fortsatt?' }).waitFor();
    assert.deepEqual(await agentMessages(page), ['Hei, jeg heter Kari', 'Jeg sender deg kontaktinfo', 'Er du der fortsatt?'],
      'every message once, in order, the missed one last');
    assert.equal(await page.locator(V('.msg.card')).count(), 1, 'the card once');
    await desk.locator('.chat-presence[data-present="true"]').waitFor();

    // (c) The panel reloads; the citizen writes meanwhile.
    await desk.goto('about:blank');
    await page.locator(V('.msg.presence'), { hasText: 'borte' }).waitFor();
    await tabToDeep(page, '#vv-chat-input');
    await page.keyboard.type('Ja, jeg er her');
    await page.keyboard.press('Enter');
    await page.locator(V('.msg.chat.me'), { hasText: 'Ja, jeg er her' }).waitFor();
    await panel(ctx, { page: desk });
    await desk.locator('.chat-msg.theirs', { hasText: 'Ja, jeg er her' }).waitFor();
    assert.equal(await desk.locator('.chat-msg.theirs').count(), 2, 'the citizen\'s two messages, once each');
    assert.equal(await desk.locator('.chat-msg.mine:not(.card)').count(), 3, 'the agent\'s own three, kept');

    // (d) The agent goes away for good: back in the queue at the old place.
    await desk.close();
    const requeued = page.locator(V('.msg.requeued'));
    await requeued.waitFor({ timeout: 30000 });
    assert.match(await requeued.innerText(), /Du er tilbake i køen/);
    await info.waitFor();
    assert.match(await info.innerText(), /Du er nummer 1 i køen/);
    assert.equal(await page.locator(V('#vv-chat-input')).count(), 0, 'no one to write to while waiting');
    await assertWidgetAxe(page, 'chat-widget-requeued', 'back in the queue');
    await shot(page, 'chat-widget-requeued-320');
  });
});

// Today's date in Oslo, as the desk counts holidays.
const osloToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' })
  .format(new Date());

test('desk closed: the widget says so with the hours; a callback request by keyboard, refused with a bad number, reaches the agents\' "Call back" list', { timeout: 120000 }, async () => {
  const day = '08:00-15:30';
  const week = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: null, sun: null };
  await withDesk({ desk_hours: { no: { timezone: 'Europe/Oslo', week, holidays: [osloToday()] } } }, async (ctx) => {
    const desk = await panel(ctx);
    const page = await citizen(ctx);
    const code = await askForPerson(page);
    const handover = page.locator(V('.handover')).last();
    assert.equal(await handover.getAttribute('data-chat'), 'false');
    assert.match(await handover.locator('.why').innerText(), /stengt/);
    assert.match(await handover.locator('.hours-today').innerText(), /Stengt i dag \(helligdag\)/);
    assert.match(await handover.innerText(), /Vi åpner igjen/);
    assert.match(await handover.locator('.week').innerText(), /mandag\s+08:00–15:30/);
    assert.equal(await handover.locator('a.tel').getAttribute('href'), 'tel:22222222', 'the phone is still offered');
    assert.equal((await handover.locator('.code').innerText()).trim(), code);
    await assertWidgetAxe(page, 'chat-widget-closed', 'the closed desk');
    await shot(page, 'chat-widget-closed-320');

    // A bad number: the daemon refuses it, the widget says why at the field.
    await tabToDeep(page, '#vv-callback-phone');
    await page.keyboard.type('12');
    await page.keyboard.press('Enter');
    const error = page.locator(V('#vv-callback-phone-error'));
    await error.waitFor();
    assert.match(await error.innerText(), /minst 6 sifre/);
    assert.equal(await page.locator(V('#vv-callback-phone')).getAttribute('aria-invalid'), 'true');
    await assertWidgetAxe(page, 'chat-widget-callback-error', 'the refused number');

    await page.keyboard.press('Control+A');
    await page.keyboard.type('+47 912 34 567');
    await page.keyboard.press('Enter');
    const done = page.locator(V('.callback-done'));
    await done.waitFor();
    assert.equal(await done.getAttribute('data-code'), code);
    assert.match(await done.innerText(), /Vi ringer deg opp/);
    await assertWidgetAxe(page, 'chat-widget-callback', 'the callback confirmation');
    await shot(page, 'chat-widget-callback-320');

    // The agent's list: the number and the code; Done removes it.
    const item = desk.locator(`.callback-item[data-code="${code}"]`);
    await item.waitFor();
    assert.match(await item.innerText(), /\+47 912 34 567/);
    await axe(desk, 'the panel with a callback');
    await screenshot(desk, 'chat-panel-callbacks-400');
    await tabTo(desk, `.callback-item[data-code="${code}"] [data-act="callback-done"]`);
    await desk.keyboard.press('Enter');
    await item.waitFor({ state: 'detached' });
    assert.equal(await desk.locator('#callbacks').isVisible(), false, 'an empty list makes no room');
  });
});

// The agent takes code from the queue by keyboard (q, Enter) and the widget
// hears who took it.
async function take(desk, page, code) {
  await desk.locator(`#queue .qi[data-code="${code}"]`).waitFor();
  await desk.keyboard.press('q');
  await desk.keyboard.press('Enter');
  await desk.locator('.step-screen').waitFor();
  await desk.locator('.chat-pane').waitFor();
  await page.locator(V('.msg.taken')).waitFor();
}

// The widget shows that the chat ended and, below it, the result in the
// citizen's language (chat_ended.step): what to do next.
async function assertEndedWithResult(page, { title, next, lang }) {
  const ended = page.locator(V('.msg.chat-ended'));
  await ended.waitFor();
  assert.match(await ended.innerText(), title);
  assert.match(await ended.innerText(), next);
  const last = page.locator(V('.log > .msg')).last();
  assert.equal(await last.getAttribute('class'), 'msg bot result', 'the result comes right after');
  assert.equal(await last.getAttribute('data-node'), 'login.minid.phone');
  assert.equal(await last.getAttribute('lang'), lang);
  assert.ok((await last.locator('.dest-name').innerText()).trim().length > 0, 'it names where to turn');
  assert.equal(await page.locator(V('#vv-chat-input')).count(), 0, 'nobody to write to any more');
  assert.equal(await page.locator(V('.vv')).getAttribute('data-chat'), 'ended');
  const f = await deepFocus(page);
  assert.match(f?.text || '', title, `focus goes to the news that the chat ended, not ${JSON.stringify(f)}`);
}

// The agent logs the walk from the finish form (Ctrl+Enter twice).
async function logIt(desk) {
  await desk.locator('.step-screen h1').focus();
  await desk.keyboard.press('Control+Enter');
  await desk.locator('form.finish').waitFor();
  await desk.locator('input[name="outcome"][value="resolved"]').check();
  await desk.keyboard.press('Control+Enter');
  await desk.locator('section.logged').waitFor();
}

test('the agent ends the chat by keyboard at 1280 px, the pane beside the walk: the widget (nynorsk) shows what to do next, the finish form still logs it', { timeout: 120000 }, async () => {
  await withDesk({}, async (ctx) => {
    const desk = await panel(ctx, { size: { width: 1280, height: 900 } });
    const page = await citizen(ctx, { lang: 'nn' });
    const code = await askForPerson(page);
    await take(desk, page, code);

    // At 1280 px the chat sits to the right of the question, both in view.
    const [q, pane] = [await desk.locator('.step-screen h1').boundingBox(), await desk.locator('.chat-pane').boundingBox()];
    assert.ok(pane.x >= q.x + q.width, `the pane (${JSON.stringify(pane)}) is right of the question (${JSON.stringify(q)})`);
    for (const [what, b] of [['question', q], ['pane', pane]])
      assert.ok(b.y >= 0 && b.y + Math.min(b.height, 200) <= 900 && b.x + b.width <= 1280, `the ${what} is in view: ${JSON.stringify(b)}`);
    // Scrolled down to the advice, the chat stays in view, its heading
    // not under the sticky top bar.
    await desk.mouse.wheel(0, 600);
    await desk.waitForFunction(() => window.scrollY > 0);
    const uncovered = () => desk.evaluate(() => {
      const r = document.getElementById('chat-title').getBoundingClientRect();
      const at = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
      return r.top >= 0 && r.bottom <= innerHeight && !!at && document.getElementById('chat-title').contains(at);
    });
    assert.equal(await uncovered(), true, 'the chat heading is visible while the walk scrolls');
    await screenshot(desk, 'chat-panel-1280-scrolled');
    // The taken citizen was connected: the pane says so from the start.
    assert.equal(await desk.locator('.chat-presence').getAttribute('data-present'), 'true');
    await axe(desk, 'the panel with the chat at 1280 px');
    await screenshot(desk, 'chat-panel-1280');

    await tabTo(desk, '[data-act="chat-end"]');
    await desk.keyboard.press('Enter');
    await assertEndedWithResult(page, { title: /Chatten er avslutta/, next: /Her er det du kan gjere vidare/, lang: 'nn' });
    await assertWidgetAxe(page, 'chat-widget-ended', 'the chat ended');
    await shot(page, 'chat-widget-ended-320');

    const ended = desk.locator('.chat-pane .chat-ended');
    await ended.waitFor();
    assert.match(await ended.innerText(), /Chatten er avsluttet/);
    assert.equal(await desk.locator('#chat-input').isVisible(), false, 'no field to write in');
    await axe(desk, 'the panel after the chat ended');
    await logIt(desk);
    const rows = sqlite(join(ctx.d.dir, 'vegvisar.db'), 'select channel, outcome from contacts');
    assert.deepEqual(rows.map((r) => [r.channel, r.outcome]), [['widget', 'resolved']]);
  });
});

test('the agent logs the session while chatting: the widget gets the end the same way', { timeout: 120000 }, async () => {
  await withDesk({}, async (ctx) => {
    const desk = await panel(ctx);
    const page = await citizen(ctx);
    const code = await askForPerson(page);
    await take(desk, page, code);
    await logIt(desk);
    await assertEndedWithResult(page, { title: /Chatten er avsluttet/, next: /Her er det du kan gjøre videre/, lang: 'nb' });
    await assertWidgetAxe(page, 'chat-widget-ended-by-finish', 'the chat ended by the log');
  });
});

test('the citizen ends the chat: at 320 px and at 200 % zoom no sideways scrolling, field, Send and End chat by keyboard; both sides see the end', { timeout: 150000 }, async () => {
  await withDesk({}, async (ctx) => {
    const desk = await panel(ctx);
    // 320 px first, then 200 % zoom (a 640 × 450 CSS px viewport on a host
    // page with a 200 % root font size) for the same chat, after a reload.
    const page = await citizen(ctx);
    const code = await askForPerson(page);
    await take(desk, page, code);
    const sizes = [[{ width: 320, height: 700 }, false, '320'], [{ width: 640, height: 450 }, true, 'zoom200']];
    for (const [size, big, name] of sizes) {
      if (big) {
        await page.setViewportSize(size);
        await page.goto(ctx.host.page({ country: 'no', lang: 'nb', big: '1' }));
        await page.locator(W.panel).waitFor();
      }
      await page.locator(V('#vv-chat-input')).waitFor();
      const sideways = await page.evaluate(() => {
        const body = document.querySelector('vegvisar-widget').shadowRoot.querySelector('.body');
        return [document.documentElement.scrollWidth - document.documentElement.clientWidth, body.scrollWidth - body.clientWidth];
      });
      assert.deepEqual(sideways, [0, 0], `no sideways scrolling at ${name}`);
      await tabToDeep(page, '#vv-chat-input');
      await page.keyboard.type(`Hei fra ${name}`);
      await tabToDeep(page, '.chat-form .send');
      await page.keyboard.press('Enter');
      await desk.locator('.chat-msg.theirs', { hasText: `Hei fra ${name}` }).waitFor();
      for (const sel of ['#vv-chat-input', '.chat-form .send', '[data-act="chat-end"]']) {
        const b = await page.locator(V(sel)).boundingBox();
        assert.ok(b && b.x >= 0 && b.x + b.width <= size.width, `${sel} fits across at ${name}: ${JSON.stringify(b)}`);
      }
      await assertWidgetAxe(page, `chat-widget-chatting-${name}`, `the chat at ${name}`);
      await shot(page, `chat-widget-chatting-${name}`);
    }

    // End chat: one press, nothing asked.
    await tabToDeep(page, '[data-act="chat-end"]');
    await page.keyboard.press('Enter');
    await assertEndedWithResult(page, { title: /Chatten er avsluttet/, next: /Her er det du kan gjøre videre/, lang: 'nb' });
    await desk.locator('.chat-pane .chat-ended').waitFor();
    assert.equal(await desk.locator('#chat-input').isVisible(), false);
  });
});

test('a citizen who left is marked in the panel\'s queue, then dropped after the grace period', { timeout: 90000 }, async () => {
  await withDesk({ bounds: { handover_grace_seconds: 3 } }, async (ctx) => {
    const desk = await panel(ctx);
    const page = await citizen(ctx);
    const code = await askForPerson(page);
    const item = desk.locator(`#queue .qi[data-code="${code}"]`);
    await item.waitFor();
    await desk.locator('#queue[data-count="1"]').waitFor();
    assert.equal(await item.locator('.qi-left').count(), 0, 'not marked while the citizen is there');

    await page.close();
    const left = item.locator('.qi-left');
    await left.waitFor();
    assert.match(await left.innerText(), /Har forlatt siden \(under 1 min siden\)/);
    assert.match(await item.locator('.qi-take').getAttribute('aria-describedby'), /-left\b/, 'read with its Take button');
    await axe(desk, 'the queue with a citizen who left');
    await screenshot(desk, 'chat-panel-queue-left-400');

    await item.waitFor({ state: 'detached' });
    await desk.locator('#queue[data-count="0"]').waitFor();
    assert.equal(await desk.locator('#queue-badge').textContent(), '0', 'the waiting count drops');
  });
});

test('taking the case of a citizen who left: the chat pane says they are not connected until they are back', { timeout: 90000 }, async () => {
  // The mark comes with the daemon's housekeeping (every quarter of the
  // grace period): a grace of 8 s marks within 2 s and leaves time to take it.
  await withDesk({ bounds: { handover_grace_seconds: 8 } }, async (ctx) => {
    const desk = await panel(ctx);
    const page = await citizen(ctx);
    const code = await askForPerson(page);
    const url = page.url();
    await page.goto('about:blank');
    await desk.locator(`#queue .qi[data-code="${code}"] .qi-left`).waitFor();
    await desk.keyboard.press('q');
    await desk.keyboard.press('Enter');
    const presence = desk.locator('.chat-pane .chat-presence');
    await presence.waitFor();
    assert.equal(await presence.getAttribute('data-present'), 'false');
    assert.match(await presence.innerText(), /Innbyggeren har forlatt chatten/);

    // Back on the page: the widget hears it was taken, the pane that the citizen is there.
    await page.goto(url);
    await page.locator(V('.msg.taken')).waitFor();
    await desk.locator('.chat-pane .chat-presence[data-present="true"]').waitFor();
    assert.match(await presence.innerText(), /Innbyggeren er tilkoblet/);
  });
});
