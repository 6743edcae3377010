// texts.js - the agent panel's interface texts in nb, nn, da and en, one
// file a language under texts/. Rule texts (questions, options, advice) come
// from the daemon in the session's language; these are the panel's own
// words around them.
import { nb } from './texts/nb.js';
import { nn } from './texts/nn.js';
import { da } from './texts/da.js';
import { en } from './texts/en.js';

export const TEXTS = { nb, nn, da, en };
