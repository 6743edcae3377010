// forms.js - the small forms of the widget's reply area: "Did this help?",
// "Start over?" and the citizen's own words. Each is built from texts and
// callbacks alone; widget.js decides when each is shown.
import { h } from '../../shared/dom.js';
import { fitBytes } from '../../shared/protocol.js';

// "Did this help?" at a result, asked once per conversation. The answer
// (yes or no, nothing typed) is what the desk's survey counts; the daemon
// logs the conversation with it (docs/protocol.md, "Widget conversations").
export function helpedForm(t, onAnswer) {
  return h('div', { class: 'helped', role: 'group', 'aria-labelledby': 'vv-helped-q' },
    h('p', { id: 'vv-helped-q', class: 'helped-q' }, t('helpedQ')),
    h('div', { class: 'helped-row' },
      h('button', { type: 'button', class: 'action', dataset: { act: 'helped-yes' }, onclick: () => onAnswer(true) }, t('helpedYes')),
      h('button', { type: 'button', class: 'action', dataset: { act: 'helped-no' }, onclick: () => onAnswer(false) }, t('helpedNo'))));
}

// "Start over?" before the conversation (and a code in the queue) is
// thrown away: one press must not erase it. Escape keeps everything.
export function confirmBox(t, code, { onYes, onNo }) {
  return h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'vv-confirm-q', onkeydown: (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault(); // the question, not the panel, closes
      onNo();
    }
  } },
  h('p', { id: 'vv-confirm-q', class: 'confirm-q', tabindex: '-1' }, t(code ? 'restartAskCode' : 'restartAsk', { code })),
  h('div', { class: 'confirm-row' },
    h('button', { type: 'button', class: 'action primary', dataset: { act: 'restart-yes' }, onclick: onYes }, t('restartYes')),
    h('button', { type: 'button', class: 'action', dataset: { act: 'restart-no' }, onclick: onNo }, t('restartNo'))));
}

// Before the first answer the citizen may say it in their own words
// instead: the walk starts again from what the words state.
export function describeForm(t, step, onText) {
  const input = h('input', { type: 'text', id: 'vv-describe', maxlength: 1000, autocomplete: 'off', lang: step.lang });
  return h('form', { class: 'describe', onsubmit: (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (text) onText(fitBytes(text));
  } },
  h('label', { for: 'vv-describe' }, t('describe')),
  h('div', { class: 'describe-row' }, input, h('button', { type: 'submit', class: 'send' }, t('send'))));
}
