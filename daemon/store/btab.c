/* btab.c - barriers counted alone and crossed (btab.h). */
#include "btab.h"

#include <stdio.h>
#include <string.h>

#define NOT_RECORDED "not_recorded"

static const struct {
	const char *key;
	const char *const *names;
} btab_dims[BTAB_NDIMS] = {
	[BTAB_CATEGORY] = { "category", survey_categories },
	[BTAB_CHANNEL] = { "channel", survey_channels },
	[BTAB_ON_BEHALF] = { "on_behalf", survey_on_behalf },
	[BTAB_OUTCOME] = { "outcome", survey_outcomes },
};

/* The index of "not_recorded" in dimension d: the length of its list. */
static int btab_n(int d)
{
	int n = 0;

	while (btab_dims[d].names[n])
		n++;
	return n;
}

static unsigned char btab_value(int d, const char *value)
{
	int i;

	for (i = 0; value && btab_dims[d].names[i]; i++)
		if (!strcmp(value, btab_dims[d].names[i]))
			return (unsigned char)i;
	return (unsigned char)btab_n(d);
}

void btab_key_set(struct btab_key *k, const char *category, const char *channel,
		  const char *on_behalf, const char *outcome)
{
	k->v[BTAB_CATEGORY] = btab_value(BTAB_CATEGORY, category);
	k->v[BTAB_CHANNEL] = btab_value(BTAB_CHANNEL, channel);
	k->v[BTAB_ON_BEHALF] = btab_value(BTAB_ON_BEHALF, on_behalf);
	k->v[BTAB_OUTCOME] = btab_value(BTAB_OUTCOME, outcome);
}

void btab_add(struct btab *t, uint32_t bits, const struct btab_key *k, int sign)
{
	int n = survey_barrier_count();

	t->contacts += sign;
	if (!bits)
		t->none += sign;
	for (int d = 0; d < BTAB_NDIMS; d++)
		t->rows[d][k->v[d]] += sign;
	for (int b = 0; b < n; b++) {
		if (!(bits & ((uint32_t)1 << b)))
			continue;
		t->code[b] += sign;
		for (int d = 0; d < BTAB_NDIMS; d++)
			t->cells[d][k->v[d]][b] += sign;
	}
}

void btab_merge(struct btab *into, const struct btab *t)
{
	int n = survey_barrier_count();

	if (!t->contacts)
		return; /* most cells of a filter are empty: skip their 1,000 adds */
	into->contacts += t->contacts;
	into->none += t->none;
	for (int b = 0; b < n; b++)
		into->code[b] += t->code[b];
	for (int d = 0; d < BTAB_NDIMS; d++)
		for (int v = 0; v < BTAB_VALUES; v++) {
			into->rows[d][v] += t->rows[d][v];
			for (int b = 0; b < n; b++)
				into->cells[d][v][b] += t->cells[d][v][b];
		}
}

json_t *btab_count(int64_t n, int below)
{
	char text[24];

	if (n >= 1 && n < below) {
		snprintf(text, sizeof(text), "< %d", below);
		return json_string(text);
	}
	return json_integer(n);
}

static json_t *btab_entry(int64_t n, int64_t of, int shares, int below)
{
	int hidden = n >= 1 && n < below;

	if (!shares)
		return btab_count(n, below);
	return json_pack("{s:o,s:o}", "count", btab_count(n, below), "share",
			 of && !hidden ? json_real((double)n / (double)of) : json_null());
}

/* {code: entry} for one row of counts, of contacts. */
static json_t *btab_codes(const int64_t *counts, int64_t none, int64_t of, int shares, int below)
{
	json_t *o = json_object();

	for (int b = 0; survey_barriers[b]; b++)
		json_object_set_new(o, survey_barriers[b], btab_entry(counts[b], of, shares, below));
	if (none > 0)
		json_object_set_new(o, NOT_RECORDED, btab_entry(none, of, shares, below));
	return o;
}

void btab_json(const struct btab *t, int shares, int below, json_t *o)
{
	json_t *by = json_object();

	json_object_set_new(o, "barrier", btab_codes(t->code, t->none, t->contacts, shares, below));
	for (int d = 0; d < BTAB_NDIMS; d++) {
		json_t *rows = json_object();
		int n = btab_n(d);
		for (int v = 0; v <= n; v++) {
			int64_t of = t->rows[d][v];
			if (v == n && !of)
				break; /* not_recorded, only when it occurs */
			json_object_set_new(rows, v < n ? btab_dims[d].names[v] : NOT_RECORDED,
					    json_pack("{s:o,s:o}", "contacts", btab_count(of, below),
						      "barrier",
						      btab_codes(t->cells[d][v], 0, of, shares,
								 below)));
		}
		json_object_set_new(by, btab_dims[d].key, rows);
	}
	json_object_set_new(o, "barrier_by", by);
}
