/* survey.c - the survey's vocabulary (survey.h). */
#include "survey.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const survey_channels[] = { "phone", "chat", "widget", "desk", NULL };
const char *const survey_outcomes[] = { "resolved", "referred", "abandoned", NULL };
const char *const survey_reasons[] = { "wrong_agency", "no_mandate", "needs_in_person", "other",
				       NULL };
const char *const survey_categories[] = { "login",  "reservation", "power_of_attorney",
					  "agency", "estate",      "other",
					  NULL };
const char *const survey_on_behalf[] = { "self", "another_person", "organisation", "unknown",
					 NULL };
const char *const survey_relations[] = { "adult_child_for_parent",
					 "parent_for_child",
					 "guardian",
					 "spouse_or_partner",
					 "other_family",
					 "friend_or_neighbour",
					 "professional_helper",
					 "other",
					 NULL };
const char *const survey_age_bands[] = { "under_18", "18_29",   "30_49",   "50_66",
					 "67_79",    "80_plus", "unknown", NULL };

/* The research behind each code (Digdir's survey, the Danish studies):
 * the list, plus mental_health (000/001: "psykisk syge" among the socially exposed),
 * helper_not_allowed (003: help from others made suspect or impossible),
 * and other. Append only. */
const char *const survey_barriers[] = { "no_eid",
					"cannot_get_eid",
					"no_device",
					"language",
					"sensory_motor",
					"cognitive",
					"low_skills",
					"distrust",
					"wants_person",
					"no_helper",
					"mental_health",
					"helper_not_allowed",
					"other",
					NULL };

int survey_barrier_count(void)
{
	int n = 0;

	while (survey_barriers[n])
		n++;
	return n;
}

int survey_barrier_index(const char *code)
{
	for (int i = 0; code && survey_barriers[i]; i++)
		if (!strcmp(code, survey_barriers[i]))
			return i;
	return -1;
}

/* The stored text is written by survey_barriers_write, so a scan for
 * quoted words is enough and costs no allocation per row of a report; a
 * row edited by hand into something else counts as no barrier. */
uint32_t survey_barriers_parse(const char *stored, int *unknown)
{
	uint32_t bits = 0;
	const char *p = stored;

	if (!p || *p != '[')
		return 0;
	while ((p = strchr(p, '"'))) {
		const char *end = strchr(++p, '"');
		char code[64];
		int i;

		if (!end)
			break;
		if ((size_t)(end - p) < sizeof(code)) {
			memcpy(code, p, (size_t)(end - p));
			code[end - p] = '\0';
			if ((i = survey_barrier_index(code)) >= 0)
				bits |= (uint32_t)1 << i;
			else if (unknown)
				*unknown = 1;
		} else if (unknown) {
			*unknown = 1;
		}
		p = end + 1;
	}
	return bits;
}

int survey_barriers_write(uint32_t bits, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return -1;
	buf[0] = '\0';
	if (!bits)
		return 0;
	for (int i = 0; survey_barriers[i]; i++) {
		int n;
		if (!(bits & ((uint32_t)1 << i)))
			continue;
		n = snprintf(buf + at, len - at, "%s\"%s\"", at ? "," : "[", survey_barriers[i]);
		if (n < 0 || (size_t)n >= len - at)
			return -1;
		at += (size_t)n;
	}
	if (at + 2 > len)
		return -1;
	buf[at++] = ']';
	buf[at] = '\0';
	return 0;
}
