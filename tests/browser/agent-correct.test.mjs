// Correcting a logged contact in the agent panel (issue 20), in real
// Chromium, keyboard only: the logged screen offers "Rett opp denne
// henvendelsen" while the daemon's window lasts; it reopens the finish form
// with what was stored, sends "correct", and shows the new version's summary;
// the daemon has version 2 and the old one in its audit. After the window the
// action is gone. axe on every state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, newPage, assertNoProblems, axe, screenshot, tabTo, focused, waitForNode, waitForConnection, startDaemon, sqlite,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function withDaemon(opts, fn) {
  const d = await startDaemon(opts);
  try {
    await fn(d);
  } finally {
    await d.stop();
    d.cleanup();
  }
}

// A login walk referred to the bank, by keyboard, up to "logged".
async function walkAndLog(page, d) {
  await page.goto(`${d.url}/agent/#token=${d.tokens.agent}`);
  await page.locator('form.start').waitFor();
  await waitForConnection(page);
  await page.keyboard.press('Control+Enter');
  await waitForNode(page, 'who');
  await page.keyboard.press('1');
  await waitForNode(page, 'topic');
  await page.keyboard.press('1');
  await waitForNode(page, 'login.method');
  await page.keyboard.press(await page.locator('.option[data-value="bankid"]').getAttribute('data-key'));
  await page.waitForFunction(() => ['login.problem', 'login.bankid'].includes(document.querySelector('.step-screen')?.dataset.node));
  if (await page.locator('.step-screen[data-node="login.problem"]').count()) {
    await page.keyboard.press(await page.locator('.option[data-value="unknown"]').getAttribute('data-key'));
    await waitForNode(page, 'login.bankid');
  }
  await page.keyboard.press('Control+Enter');
  await page.locator('form.finish').waitFor();
  await page.keyboard.press('Control+Enter'); // the reason is missing: focus goes to it
  await page.locator('#referral_reason[aria-invalid="true"]').waitFor();
  await page.keyboard.press('ArrowDown'); // wrong agency
  await page.keyboard.press('Control+Enter');
  await page.locator('section.logged').waitFor();
  return Number(await page.locator('section.logged').getAttribute('data-contact'));
}

const storedList = (page) => page.locator('.stored-list div').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.field, e.querySelector('dd').textContent])));

test('correct this contact by keyboard: the form again with what was stored, version 2, the new summary', { timeout: 120000 }, async () => {
  await withDaemon({}, async (d) => {
    const db = join(d.dir, 'vegvisar.db');
    for (const width of [400, 1280]) {
      const page = await newPage(browser, { width, height: 800 });
      const id = await walkAndLog(page, d);
      assert.match(await page.locator('#correct-until').textContent(), /Du kan rette den opp til kl\. \d\d[:.]\d\d/);
      await axe(page, `logged with the correction action (${width} px)`);
      await tabTo(page, '#correct-contact');
      assert.equal((await focused(page)).text, 'Rett opp denne henvendelsen');
      await page.keyboard.press('Enter');
      await page.locator('form.finish').waitFor();
      assert.equal(await page.locator('#finish-h').textContent(), `Rett opp henvendelse nr. ${id}`);
      // The stored values are in the form.
      assert.equal(await page.locator('input[name="outcome"]:checked').getAttribute('value'), 'referred');
      assert.equal(await page.locator('#referral_reason').inputValue(), 'wrong_agency');
      assert.equal(await page.locator('#story').isVisible(), false, 'a correction has no story');
      await axe(page, `the correction form (${width} px)`);
      await screenshot(page, `agent-correct-form-${width}`);
      // Resolved after all: the outcome radios, by arrow keys, then Ctrl+Enter.
      await tabTo(page, 'input[name="outcome"]', { shift: true });
      await page.keyboard.press('ArrowUp'); // referred → resolved
      assert.equal(await page.locator('input[name="outcome"]:checked').getAttribute('value'), 'resolved');
      await page.keyboard.press('Control+Enter');
      await page.locator('section.logged .logged-text', { hasText: 'versjon 2' }).waitFor();
      const stored = await storedList(page);
      assert.equal(stored.outcome, 'Løst');
      assert.equal(stored.destination, undefined, 'no referral any more');
      await page.waitForFunction(() => /rettet opp \(versjon 2\)/.test(document.getElementById('announcer').textContent));
      await axe(page, `logged after the correction (${width} px)`);
      await screenshot(page, `agent-correct-logged-${width}`);
      const [row] = sqlite(db, `SELECT outcome, version, referral_reason FROM contacts WHERE id = ${id}`);
      assert.deepEqual(row, { outcome: 'resolved', version: 2, referral_reason: null });
      const [audit] = sqlite(db, `SELECT outcome, corrected_by FROM contact_versions WHERE contact_id = ${id}`);
      assert.deepEqual(audit, { outcome: 'referred', corrected_by: 'desk-1' });
      assertNoProblems(page);
      await page.close();
    }
  });
});

test('after the window the action is gone, and focus is not lost', { timeout: 90000 }, async () => {
  await withDaemon({ config: { correct_window_seconds: 2 } }, async (d) => {
    const page = await newPage(browser, { width: 400, height: 800 });
    await walkAndLog(page, d);
    await tabTo(page, '#correct-contact');
    await page.locator('#correct-contact').waitFor({ state: 'detached', timeout: 10000 });
    assert.equal((await focused(page)).id, 'new-contact', 'focus moves to "Ny henvendelse"');
    assert.equal(await page.locator('#correct-until').count(), 0);
    await axe(page, 'logged after the window');
    assertNoProblems(page);
    await page.close();
  });
});

test('after a reload within the window the summary and "correct" are still there, and the correction is stored', { timeout: 90000 }, async () => {
  await withDaemon({}, async (d) => {
    const db = join(d.dir, 'vegvisar.db');
    const page = await newPage(browser, { width: 400, height: 800 });
    const id = await walkAndLog(page, d);
    const before = await storedList(page);
    await page.reload();
    await waitForConnection(page);
    await page.locator(`section.logged[data-contact="${id}"]`).waitFor();
    assert.deepEqual(await storedList(page), before, 'the same summary of what was stored');
    assert.match(await page.locator('#correct-until').textContent(), /Du kan rette den opp til kl\. \d\d[:.]\d\d/);
    await axe(page, 'logged after a reload');
    await tabTo(page, '#correct-contact');
    await page.keyboard.press('Enter');
    await page.locator('form.finish').waitFor();
    assert.equal(await page.locator('#finish-h').textContent(), `Rett opp henvendelse nr. ${id}`);
    assert.equal(await page.locator('#referral_reason').inputValue(), 'wrong_agency', 'the stored values are in the form');
    await tabTo(page, 'input[name="outcome"]', { shift: true });
    await page.keyboard.press('ArrowUp'); // referred → resolved
    await page.keyboard.press('Control+Enter');
    await page.locator('section.logged .logged-text', { hasText: 'versjon 2' }).waitFor();
    const [row] = sqlite(db, `SELECT outcome, version FROM contacts WHERE id = ${id}`);
    assert.deepEqual(row, { outcome: 'resolved', version: 2 });
    // A new contact forgets it: a reload then opens on the start form.
    await tabTo(page, '#new-contact');
    await page.keyboard.press('Enter');
    await page.locator('form.start').waitFor();
    await page.reload();
    await page.locator('form.start').waitFor();
    assert.equal(await page.locator('section.logged').count(), 0);
    assertNoProblems(page);
    await page.close();
  });
});
