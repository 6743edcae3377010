/* test_scrub_recall.c - the scrubber removes every identifier it should.
 *
 * Recall: a generator with a fixed seed makes 10,000 valid numbers of each
 * kind in varied formats (hidden characters, full-width digits and odd
 * address spellings included), embedded in Norwegian, Danish and English
 * sentences, and none may survive: with all non-digits stripped from the
 * output (other scripts' digits read as ASCII), the identifier's digits must
 * not appear, and the right placeholder must. The generator makes no
 * eight-digit number that reads as a date: those are a known miss, measured
 * on their own (test_known_miss_date_shaped_numbers in test_scrub_cases.c). */
#include "unit.h"

#include "scrub_fixture.h"

static void random_ddmmyy(char *d, int day_offset)
{
	int month = between(1, 12), day = between(1, days_in(month));

	sprintf(d, "%02d%02d%02d", day + day_offset, month, pick(100));
}

enum fnr_rule { FNR_TODAY, FNR_D_NUMBER, FNR_H_NUMBER, FNR_2032 };

/* An 11-digit fødselsnummer, D-number (day + 40) or H-number (month + 40)
 * with valid check digits. Under FNR_2032 the K1 remainder is 1, 2 or 3
 * (never 0), so only the new rule accepts it. */
static void gen_fnr(char *d, enum fnr_rule rule)
{
	static const int w1[9] = { 3, 7, 6, 1, 8, 9, 4, 5, 2 };
	static const int w2[10] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };

	for (;;) {
		int s1 = 0, s2 = 0, k1, k2;

		random_ddmmyy(d, rule == FNR_D_NUMBER ? 40 : 0);
		if (rule == FNR_H_NUMBER)
			d[2] = (char)(d[2] + 4);
		random_digits(d + 6, 3, 0);
		for (int i = 0; i < 9; i++)
			s1 += w1[i] * (d[i] - '0');
		if (rule == FNR_2032)
			k1 = ((between(1, 3) - s1) % 11 + 11) % 11;
		else
			k1 = (11 - s1 % 11) % 11;
		if (k1 > 9)
			continue;
		d[9] = (char)('0' + k1);
		for (int i = 0; i < 10; i++)
			s2 += w2[i] * (d[i] - '0');
		k2 = (11 - s2 % 11) % 11;
		if (k2 > 9)
			continue;
		d[10] = (char)('0' + k2);
		d[11] = '\0';
		return;
	}
}

/* A CPR number; with_mod11 chooses whether it passes the old modulus 11 check. */
static void gen_cpr(char *d, int with_mod11)
{
	static const int w[9] = { 4, 3, 2, 7, 6, 5, 4, 3, 2 };

	for (;;) {
		int s = 0, check;

		random_ddmmyy(d, 0);
		random_digits(d + 6, 3, 0);
		for (int i = 0; i < 9; i++)
			s += w[i] * (d[i] - '0');
		check = (11 - s % 11) % 11;
		if (with_mod11) {
			if (check > 9)
				continue;
			d[9] = (char)('0' + check);
		} else {
			do
				d[9] = (char)('0' + pick(10));
			while (d[9] - '0' == check);
		}
		d[10] = '\0';
		return;
	}
}

/* Writes digits d into out grouped by sizes[] (0-terminated), with sep
 * between groups. */
static void group_digits(char *out, const char *d, const int *sizes, const char *sep)
{
	size_t o = 0;

	for (int g = 0; sizes[g]; g++) {
		if (g)
			o += (size_t)sprintf(out + o, "%s", sep);
		memcpy(out + o, d, (size_t)sizes[g]);
		o += (size_t)sizes[g];
		d += sizes[g];
	}
	out[o] = '\0';
}

struct layout {
	int sizes[6];
	const char *sep;
};

static void format_with(char *out, const char *d, const struct layout *l, int n)
{
	const struct layout *chosen = &l[pick(n)];

	group_digits(out, d, chosen->sizes, chosen->sep);
}

static const struct layout fnr_layouts[] = {
	{ { 11 }, "" },           { { 6, 5 }, " " },
	{ { 6, 5 }, "-" },        { { 2, 2, 2, 5 }, "." },
	{ { 6, 3, 2 }, " " },     { { 2, 2, 2, 5 }, " " },
	{ { 6, 5 }, "\xc2\xa0" }, { { 6, 5 }, "\xe2\x80\x93" },
	{ { 6, 5 }, "." },        { { 6, 5 }, " - " },
	{ { 2, 2, 7 }, " " },     { { 3, 3, 3, 2 }, " " },
};

static const struct layout cpr_layouts[] = {
	{ { 6, 4 }, "-" },        { { 10 }, "" },
	{ { 6, 4 }, " " },        { { 2, 2, 2, 4 }, "." },
	{ { 6, 4 }, "\xc2\xa0" }, { { 2, 2, 2, 4 }, " " },
	{ { 6, 4 }, " - " },      { { 6, 4 }, " \xe2\x80\x93 " },
};

static const struct layout no_phone_layouts[] = {
	{ { 8 }, "" },           { { 3, 2, 3 }, " " },    { { 2, 2, 2, 2 }, " " },
	{ { 3, 2, 3 }, "." },    { { 2, 2, 2, 2 }, "-" }, { { 3, 2, 3 }, "\xc2\xa0" },
	{ { 2, 2, 2, 2 }, "." }, { { 3, 2, 3 }, "/" },
};

static const struct layout dk_phone_layouts[] = {
	{ { 2, 2, 2, 2 }, " " }, { { 8 }, "" },           { { 4, 4 }, " " },
	{ { 2, 2, 2, 2 }, "." }, { { 2, 2, 2, 2 }, "-" }, { { 2, 2, 2, 2 }, "\xc2\xa0" },
};

/* Country-code spellings; %s is 47 or 45. */
static const char *const cc_prefixes[] = { "+%s ", "+%s",  "00%s ",   "(+%s) ",     "(+%s)",
					   "+%s-", "00%s", "(00%s) ", "+%s\xc2\xa0" };

/* Eight digits starting with 2-9 that do not read as a date. */
static void random_phone_digits(char *d)
{
	do
		random_digits(d, 8, 2);
	while (reads_as_date(d));
}

static void gen_phone(char *text, char *d, int danish, int with_cc)
{
	char number[40], prefix[16] = "";

	random_phone_digits(d);
	if (danish)
		format_with(number, d, dk_phone_layouts, NLAYOUTS(dk_phone_layouts));
	else
		format_with(number, d, no_phone_layouts, NLAYOUTS(no_phone_layouts));
	if (with_cc) {
		const char *p = cc_prefixes[pick(NLAYOUTS(cc_prefixes))];
		const char *hole = strstr(p, "%s");

		snprintf(prefix, sizeof(prefix), "%.*s%s%s", (int)(hole - p), p,
			 danish ? "45" : "47", hole + 2);
	}
	sprintf(text, "%s%s", prefix, number);
}

static void gen_email(char *text)
{
	static const char *const tlds[] = { "no", "dk", "com", "org", "net", "info", "se", "eu" };
	static const char *const suffixes[] = {
		"", ".hansen", "+nav", "æ", "ø1", "Å", "ü", "_b-x"
	};
	char local[64], host[48], sub[16];

	random_word(local, between(2, 10), "abcdefghijklmnopqrstuvwxyz0123456789");
	strcat(local, suffixes[pick(NLAYOUTS(suffixes))]);
	random_word(host, between(1, 12), "abcdefghijklmnopqrstuvwxyz0123456789-");
	host[0] = 'm'; /* no leading '-' */
	if (pick(4) == 0)
		strcat(host, "bær");
	if (pick(3) == 0) {
		random_word(sub, between(2, 5), "abcdefghijklmnopqrstuvwxyz");
		sprintf(text, "%s@%s.%s.%s", local, sub, host, tlds[pick(NLAYOUTS(tlds))]);
	} else {
		sprintf(text, "%s@%s.%s", local, host, tlds[pick(NLAYOUTS(tlds))]);
	}
	if (pick(5) == 0)
		for (char *c = text; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
}

/* Addresses as people also write them: spaces around the '@', a quoted
 * local part, an IP literal, a full-width '@'. */
static void gen_email_odd(char *text)
{
	char local[64], host[48];

	random_word(local, between(2, 10), "abcdefghijklmnopqrstuvwxyz0123456789");
	random_word(host, between(2, 12), "abcdefghijklmnopqrstuvwxyz");
	switch (pick(6)) {
	case 0:
		sprintf(text, "%s @ %s.no", local, host);
		break;
	case 1:
		sprintf(text, "%s @%s.dk", local, host);
		break;
	case 2:
		sprintf(text, "\"%s nordmann\"@%s.no", local, host);
		break;
	case 3:
		sprintf(text, "%s@[%d.%d.%d.%d]", local, pick(256), pick(256), pick(256),
			pick(256));
		break;
	case 4:
		sprintf(text, "%s@[IPv6:2001:db8::%x]", local, pick(65536));
		break;
	default:
		sprintf(text, "%s\xef\xbc\xa0%s.com", local, host);
		break;
	}
}

/* Characters a reader does not see: zero-width space, non-joiner, joiner,
 * word joiner, soft hyphen, byte order mark. */
static const char *const invisibles[] = { "\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8d",
					  "\xe2\x81\xa0", "\xc2\xad",     "\xef\xbb\xbf" };

/* Rewrites text in place as someone hiding a number from a filter might:
 * invisible characters after some digits, or every digit full-width or
 * Arabic-Indic. */
static void disguise_digits(char *text, size_t size)
{
	char out[128];
	size_t o = 0;
	int how = pick(3);
	const char *inv = invisibles[pick(NLAYOUTS(invisibles))];

	for (const char *c = text; *c && o + 8 < sizeof(out); c++) {
		if (*c < '0' || *c > '9') {
			out[o++] = *c;
		} else if (how == 0) {
			out[o++] = *c;
			if (c[1] && pick(2))
				o += (size_t)sprintf(out + o, "%s", inv);
		} else if (how == 1) {
			o += (size_t)sprintf(out + o, "\xef\xbc%c", 0x90 + (*c - '0'));
		} else {
			o += (size_t)sprintf(out + o, "\xd9%c", 0xa0 + (*c - '0'));
		}
	}
	out[o] = '\0';
	assert_true(o < size);
	memcpy(text, out, o + 1);
}

/* The digits of in, ASCII, full-width or Arabic-Indic, as ASCII. */
static void strip_non_digits(char *out, const char *in)
{
	const unsigned char *u = (const unsigned char *)in;

	while (*u) {
		if (*u >= '0' && *u <= '9') {
			*out++ = (char)*u++;
		} else if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99) {
			*out++ = (char)('0' + u[2] - 0x90);
			u += 3;
		} else if (u[0] == 0xd9 && u[1] >= 0xa0 && u[1] <= 0xa9) {
			*out++ = (char)('0' + u[1] - 0xa0);
			u += 2;
		} else {
			u++;
		}
	}
	*out = '\0';
}

enum ident_kind {
	ID_FNR,
	ID_D_NUMBER,
	ID_H_NUMBER,
	ID_FNR_2032,
	ID_FNR_DISGUISED,
	ID_CPR_MOD11,
	ID_CPR_NO_MOD11,
	ID_PHONE_NO,
	ID_PHONE_NO_CC,
	ID_PHONE_DK,
	ID_PHONE_DK_CC,
	ID_PHONE_DISGUISED,
	ID_EMAIL,
	ID_EMAIL_ODD,
	ID_KINDS
};

static const char *const ident_names[] = {
	"fnr (today's rule)",
	"D-number",
	"H-number",
	"fnr (2032 rule)",
	"fnr, hidden digits",
	"CPR (mod 11)",
	"CPR (no mod 11)",
	"NO phone",
	"NO phone with +47",
	"DK phone",
	"DK phone with +45",
	"phone, hidden digits",
	"e-mail",
	"e-mail, odd forms",
};

/* One generated identifier: the text as written, the digits that must not
 * survive (or the address), and the placeholder that must appear. */
static const char *gen_ident(enum ident_kind kind, char *text, char *secret)
{
	char d[16];

	switch (kind) {
	case ID_FNR:
	case ID_D_NUMBER:
	case ID_H_NUMBER:
	case ID_FNR_2032:
	case ID_FNR_DISGUISED:
		gen_fnr(d, kind == ID_D_NUMBER   ? FNR_D_NUMBER
			   : kind == ID_H_NUMBER ? FNR_H_NUMBER
			   : kind == ID_FNR_2032 ? FNR_2032
						 : FNR_TODAY);
		format_with(text, d, fnr_layouts, NLAYOUTS(fnr_layouts));
		if (kind == ID_FNR_DISGUISED)
			disguise_digits(text, 128);
		strcpy(secret, d);
		return TAG_ID;
	case ID_CPR_MOD11:
	case ID_CPR_NO_MOD11:
		gen_cpr(d, kind == ID_CPR_MOD11);
		format_with(text, d, cpr_layouts, NLAYOUTS(cpr_layouts));
		strcpy(secret, d);
		return TAG_CPR;
	case ID_PHONE_NO:
	case ID_PHONE_NO_CC:
	case ID_PHONE_DK:
	case ID_PHONE_DK_CC:
	case ID_PHONE_DISGUISED:
		gen_phone(text, d,
			  kind == ID_PHONE_DISGUISED
				  ? pick(2)
				  : kind == ID_PHONE_DK || kind == ID_PHONE_DK_CC,
			  kind == ID_PHONE_NO_CC || kind == ID_PHONE_DK_CC);
		if (kind == ID_PHONE_DISGUISED)
			disguise_digits(text, 128);
		strcpy(secret, d);
		return TAG_PHONE;
	case ID_EMAIL_ODD:
		gen_email_odd(text);
		strcpy(secret, text);
		return TAG_EMAIL;
	default:
		gen_email(text);
		strcpy(secret, text);
		return TAG_EMAIL;
	}
}

/* 1 if the identifier survived in out. */
static int leaked(enum ident_kind kind, const char *out, const char *secret)
{
	char digits[4096];

	if (kind == ID_EMAIL || kind == ID_EMAIL_ODD) {
		const char *at = strchr(secret, '@'), *wide_at = strstr(secret, "\xef\xbc\xa0");
		char local[80];

		if (!at || (wide_at && wide_at < at)) /* "kari＠x.no": up to the wide '@' */
			at = wide_at + 2;
		snprintf(local, sizeof(local), "%.*s", (int)(at - secret + 1), secret);
		return strstr(out, secret) != NULL || strstr(out, local) != NULL;
	}
	if (strlen(out) >= sizeof(digits))
		return 1;
	strip_non_digits(digits, out);
	return strstr(digits, secret) != NULL;
}

static void test_generated_identifiers_removed(void **state)
{
	char ident[128], secret[128], text[512];
	int failures = 0, total = 0;
	double t0 = now_s(), elapsed;

	(void)state;
	rng_state = 20240101;
	for (int kind = 0; kind < ID_KINDS; kind++) {
		int kind_failures = 0;

		for (int i = 0; i < PER_KIND; i++) {
			const char *tag = gen_ident(kind, ident, secret);
			char *out, *again;

			fill_template(text, sizeof(text), random_template(), ident);
			out = scrub_text(text);
			assert_non_null(out);
			total++;
			if (leaked(kind, out, secret) || !strstr(out, tag)) {
				if (failures < 20)
					print_error("%s not removed:\n  in:  %s\n  out: %s\n",
						    ident_names[kind], text, out);
				failures++, kind_failures++;
			}
			/* Placeholders hold no digits or '@': scrubbing twice changes nothing. */
			again = scrub_text(out);
			assert_non_null(again);
			assert_string_equal(again, out);
			free(again);
			free(out);
		}
		print_message("  %-26s %d/%d removed\n", ident_names[kind],
			      PER_KIND - kind_failures, PER_KIND);
	}
	elapsed = now_s() - t0;
	print_message("  %d identifiers generated and scrubbed (twice) in %.3f s\n", total,
		      elapsed);
	assert_int_equal(failures, 0);
}

/* Several identifiers of different kinds in one text. */
static void test_generated_mixed_texts(void **state)
{
	char a[128], b[128], c[128], sa[128], sb[128], sc[128], text[1024];
	int failures = 0;

	(void)state;
	rng_state = 4242;
	for (int i = 0; i < 3000; i++) {
		enum ident_kind ka = pick(ID_KINDS), kb = pick(ID_KINDS), kc = pick(ID_KINDS);
		const char *ta = gen_ident(ka, a, sa), *tb = gen_ident(kb, b, sb);
		const char *tc = gen_ident(kc, c, sc);
		char *out;

		snprintf(text, sizeof(text),
			 "Hei! Jeg heter Åse, %s. Min sønn har %s og e-post/telefon %s. Mvh", a, b,
			 c);
		out = scrub_text(text);
		assert_non_null(out);
		if (leaked(ka, out, sa) || leaked(kb, out, sb) || leaked(kc, out, sc) ||
		    !strstr(out, ta) || !strstr(out, tb) || !strstr(out, tc)) {
			if (failures < 20)
				print_error("mixed text not scrubbed:\n  in:  %s\n  out: %s\n",
					    text, out);
			failures++;
		}
		free(out);
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_identifiers_removed),
		cmocka_unit_test(test_generated_mixed_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
