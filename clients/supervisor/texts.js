// texts.js - the supervisor dashboard's texts in nb, nn, da and en, one file
// a language under texts/. Placeholders in {braces} are filled by I18n.t().
import { en } from './texts/en.js';
import { nb } from './texts/nb.js';
import { nn } from './texts/nn.js';
import { da } from './texts/da.js';

export const TEXTS = { en, nb, nn, da };

// The locale numbers and times are written in, per interface language.
export const LOCALES = { nb: 'nb-NO', nn: 'nn-NO', da: 'da-DK', en: 'en-GB' };
