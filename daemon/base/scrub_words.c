/* scrub_words.c - what the words next to a number say about it, for the
 * scrubber (scrub.c).
 *
 * Two rules read the text around a digit run:
 *   - the word just before it: a phone word ("tlf", "mob.", "ring") makes
 *     eight digits a phone number even when they read as a date; an ID word
 *     ("fnr", "personnummer") or a phone word may be glued to the number; a
 *     reference word ("ref", "saksnr.", "kundenummer") makes a phone-shaped
 *     number a case or customer number, left alone;
 *   - an ASCII letter glued to either side makes the digits part of a word, a
 *     code or a hex string, left alone ("bfbe58165266de56").
 * Both look only a few bytes away from the number, so scrubbing stays
 * linear, and never before lo, the end of the last replacement: there the
 * output has a placeholder ending in ']', and looking further would make a
 * second scrub_text() decide differently from the first. */
#include "scrub_parts.h"

#include <stdint.h>
#include <string.h>

#define NO_POS SIZE_MAX
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static const char *const phone_words[] = {
	"tlf",     "tlfnr",       "tel",    "telefon", "telefonnr", "telefonnummer", "mob", "mobil",
	"mobilnr", "mobilnummer", "mobile", "phone",   "ring",      "sms",           "fax",
};

static const char *const id_words[] = {
	"fnr",   "pnr",       "dnr",           "hnr",      "cpr",
	"cprnr", "fødselsnr", "fødselsnummer", "personnr", "personnummer",
};

/* Words before a case or customer number, which may look like a phone. */
static const char *const reference_words[] = {
	"ref",         "refnr",      "referanse", "referansenr", "reference",  "sak",
	"saksnr",      "saksnummer", "sag",       "sagsnr",      "sagsnummer", "case",
	"journalnr",   "jnr",        "ordre",     "ordrenr",     "order",      "kundenr",
	"kundenummer", "faktura",    "fakturanr", "invoice",     "cvr",        "cvrnr",
	"orgnr",       "konto",      "kontonr",   "kontonummer", "account",
};

/* Words that only link a cue to its number: "tlf. nr. 98765432". */
static const char *const link_words[] = { "nr", "no", "nummer", "number" };

static int word_in(const char *word, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (word[0] == list[i][0] && !strcmp(word, list[i]))
			return 1;
	return 0;
}

/* The length of the invisible character that ends at p, or 0. */
static size_t invisible_before(const char *t, size_t n, size_t lo, size_t p)
{
	if (p >= lo + 2 && scrub_invisible_at(t, n, p - 2) == 2)
		return 2;
	if (p >= lo + 3 && scrub_invisible_at(t, n, p - 3) == 3)
		return 3;
	return 0;
}

/* p moved back over at most 8 invisible characters, not before lo. */
static size_t skip_invisible_back(const char *t, size_t n, size_t lo, size_t p)
{
	size_t len;

	for (int i = 0; i < 8 && (len = invisible_before(t, n, lo, p)); i++)
		p -= len;
	return p;
}

/* The length of the letter that ends at p: an ASCII letter, or a Latin-1
 * one in UTF-8 (æ, ø, å, …); 0 for anything else. */
static size_t letter_before(const char *t, size_t lo, size_t p)
{
	const unsigned char *u = (const unsigned char *)t + p;

	if (p > lo && is_ascii_letter((char)u[-1]))
		return 1;
	if (p >= lo + 2 && u[-2] == 0xc3 && u[-1] >= 0x80 && u[-1] <= 0xbf && u[-1] != 0x97 &&
	    u[-1] != 0xb7)
		return 2;
	return 0;
}

/* The word ending at most a few spaces or '.', ':', '#' before pos,
 * lowercased into word (at most 15 bytes).
 * Returns where it starts, or NO_POS. Never looks before lo: text there has
 * been replaced, and in the output it is a placeholder ending in ']'. Looks
 * at no more than about 60 bytes, so scrubbing stays linear. */
static size_t word_before(const char *t, size_t n, size_t lo, size_t pos, char *word)
{
	size_t end = skip_invisible_back(t, n, lo, pos), start, len;

	for (int gap = 0; gap < 4 && end > lo && strchr(" .:#", t[end - 1]); gap++)
		end = skip_invisible_back(t, n, lo, end - 1);
	for (start = end; end - start < 16 && (len = letter_before(t, lo, start));)
		start -= len;
	if (start == end || end - start >= 16)
		return NO_POS;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)t[i];

		if ((c >= 'A' && c <= 'Z') || (i > start && t[i - 1] == '\xc3' && c <= 0x9e))
			c += 0x20; /* A-Z, and À-Þ in UTF-8 */
		word[i - start] = (char)c;
	}
	word[end - start] = '\0';
	return start;
}

enum scrub_cue scrub_cue_before(const char *t, size_t n, size_t lo, size_t pos)
{
	char word[16];
	size_t start = word_before(t, n, lo, pos, word);

	if (start != NO_POS && word_in(word, link_words, COUNT(link_words)))
		start = word_before(t, n, lo, start, word);
	if (start == NO_POS)
		return CUE_NONE;
	if (word_in(word, phone_words, COUNT(phone_words)))
		return CUE_PHONE;
	if (word_in(word, id_words, COUNT(id_words)))
		return CUE_ID;
	return word_in(word, reference_words, COUNT(reference_words)) ? CUE_REFERENCE : CUE_NONE;
}

/* A number glued to an ASCII letter is part of a word, a code or a hex
 * string ("bfbe58165266de56"), unless the letters before it are a phone or
 * ID word ("tlf91234567"). Letters inside an address that is about to be
 * replaced (at or after limit, or before lo) do not count: in the output
 * they are a placeholder. */
int scrub_glued_to_letter(const char *t, size_t n, size_t lo, size_t from, size_t end, size_t limit)
{
	size_t after = scrub_skip_invisible(t, n, end, limit), before;
	enum scrub_cue cue;

	if (t[from] == '+' || t[from] == '(') /* "+47" leaves no doubt */
		return 0;
	if (after < limit && is_ascii_letter(t[after]))
		return 1;
	before = skip_invisible_back(t, n, lo, from);
	if (before == lo || !is_ascii_letter(t[before - 1]))
		return 0;
	cue = scrub_cue_before(t, n, lo, from);
	return cue != CUE_PHONE && cue != CUE_ID;
}
