/* survey.c - the survey's vocabulary (survey.h). */
#include "survey.h"

#include <stddef.h>

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
