/* scrub_fixture.c - what the scrubber's tests (test_scrub_*.c) share: the
 * placeholders, a seeded generator (splitmix64, the same sequence on every
 * platform, so failures reproduce), sentence templates and digit helpers. */
#include "scrub_fixture.h"

const char TAG_ID[] = "[national-id removed]";
const char TAG_CPR[] = "[cpr removed]";
const char TAG_PHONE[] = "[phone removed]";
const char TAG_EMAIL[] = "[email removed]";

/* splitmix64: the same sequence on every platform, so failures reproduce. */
uint64_t rng_state;

uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

int pick(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

int between(int lo, int hi)
{
	return lo + pick(hi - lo + 1);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sentences the identifiers are put into: start, middle, end, next to
 * punctuation, quotes and letters (æøå), in three languages. */
static const char *const templates[] = {
	"%s",
	"Fødselsnummeret mitt er %s.",
	"fnr:%s",
	"Hei, jeg har nummer %s og får ikke logget inn med BankID.",
	"(%s)",
	"«%s»",
	"%s er nummeret mitt",
	"Ring meg på %s!",
	"Mit CPR-nummer er %s, tak.",
	"Ring venligst på %s i morgen, jeg er på Ærø.",
	"Min mor (personnummer %s) kan ikke få MitID.",
	"My number is %s; please call back.",
	"Contact: %s\nThanks",
	"Æ%sø",
	"'%s'",
	"Nummer: %s, takk",
	"tlf.%s",
	"%s\tog så videre",
	"\"%s\"",
	"På vegne av far, %s?",
	"Opplysninger:\n- %s\n- vergemål",
};

/* One of the templates, picked by the seeded generator. */
const char *random_template(void)
{
	return templates[pick(NLAYOUTS(templates))];
}

void fill_template(char *out, size_t size, const char *tmpl, const char *value)
{
	const char *hole = strstr(tmpl, "%s");

	snprintf(out, size, "%.*s%s%s", (int)(hole - tmpl), tmpl, value, hole + 2);
}

void random_digits(char *d, int n, int first_min)
{
	d[0] = (char)('0' + between(first_min, 9));
	for (int i = 1; i < n; i++)
		d[i] = (char)('0' + pick(10));
	d[n] = '\0';
}

int days_in(int month)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mdays[month - 1];
}
/* 20240131 or 31012024, a date from 1900 to 2039, written out here apart
 * from scrub.c's own rule so that a slip in either shows. */
int reads_as_date(const char *d)
{
	int y1, m1, d1, y2, m2, d2;

	if (sscanf(d, "%4d%2d%2d", &y1, &m1, &d1) != 3 ||
	    sscanf(d, "%2d%2d%4d", &d2, &m2, &y2) != 3)
		return 0;
	return (y1 >= 1900 && y1 <= 2039 && m1 >= 1 && m1 <= 12 && d1 >= 1 &&
		d1 <= (m1 == 2 ? 29 : days_in(m1))) ||
	       (y2 >= 1900 && y2 <= 2039 && m2 >= 1 && m2 <= 12 && d2 >= 1 &&
		d2 <= (m2 == 2 ? 29 : days_in(m2)));
}

void random_word(char *out, int len, const char *alphabet)
{
	size_t n = strlen(alphabet);

	for (int i = 0; i < len; i++)
		out[i] = alphabet[pick((int)n)];
	out[len] = '\0';
}
