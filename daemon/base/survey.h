/* survey.h - the survey's vocabulary: the values a contact's fields take.
 *
 * One list each, so that what a finish accepts, what another desk may send,
 * and what the reports and the live statistics list (also at zero) cannot
 * drift apart. NULL-terminated. The store's CHECK constraints repeat the
 * channels, outcomes and on_behalf values in SQL (store_schema.c). */
#ifndef VV_SURVEY_H
#define VV_SURVEY_H

extern const char *const survey_channels[];
extern const char *const survey_outcomes[];
extern const char *const survey_reasons[]; /* referral reasons */
extern const char *const survey_categories[];
extern const char *const survey_on_behalf[];
extern const char *const survey_relations[];
extern const char *const survey_age_bands[];

#endif
