/* callback.c - the callback requests the service loop knows of. */
#include "callback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int callback_phone_valid(const char *phone)
{
	size_t n = strlen(phone), digits = 0;

	if (n < 6 || n > CALLBACK_PHONE_MAX)
		return 0;
	for (const char *p = phone; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr(" +-()", *p))
			return 0;
	}
	return digits >= 6;
}

struct callback *callback_add(struct callback_list *l, const char *code, const char *session,
			      const char *country, const char *lang, const char *phone,
			      const char *address, int64_t created_ms, int64_t until_ms,
			      json_t *step)
{
	struct callback *cb = calloc(1, sizeof(*cb));

	if (!cb) {
		json_decref(step);
		return NULL;
	}
	snprintf(cb->code, sizeof(cb->code), "%s", code);
	snprintf(cb->session, sizeof(cb->session), "%s", session ? session : "");
	snprintf(cb->country, sizeof(cb->country), "%s", country);
	snprintf(cb->lang, sizeof(cb->lang), "%s", lang);
	snprintf(cb->phone, sizeof(cb->phone), "%s", phone);
	snprintf(cb->address, sizeof(cb->address), "%s", address ? address : "");
	cb->created_ms = created_ms;
	cb->until_ms = until_ms;
	cb->step = step ? step : json_object();
	cb->next = l->head;
	l->head = cb;
	l->n++;
	return cb;
}

struct callback *callback_find_session(struct callback_list *l, const char *session)
{
	for (struct callback *cb = l->head; cb; cb = cb->next)
		if (cb->session[0] && !strcmp(cb->session, session))
			return cb;
	return NULL;
}

struct callback *callback_find_code(struct callback_list *l, const char *code)
{
	for (struct callback *cb = l->head; cb; cb = cb->next)
		if (!strcmp(cb->code, code))
			return cb;
	return NULL;
}

unsigned callback_count_from(const struct callback_list *l, const char *address)
{
	unsigned n = 0;

	for (const struct callback *cb = l->head; cb; cb = cb->next)
		n += !strcmp(cb->address, address);
	return n;
}

/* The number leaves memory as well as the store. */
static void callback_free(struct callback *cb)
{
	json_decref(cb->step);
	memset(cb, 0, sizeof(*cb));
	free(cb);
}

void callback_remove(struct callback_list *l, struct callback *cb)
{
	for (struct callback **pp = &l->head; *pp; pp = &(*pp)->next) {
		if (*pp == cb) {
			*pp = cb->next;
			l->n--;
			callback_free(cb);
			return;
		}
	}
}

void callback_clear(struct callback_list *l)
{
	while (l->head)
		callback_remove(l, l->head);
}

json_t *callback_item(const struct callback *cb)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:O}", "code", cb->code, "country",
			 cb->country, "lang", cb->lang, "phone", cb->phone, "created",
			 (json_int_t)cb->created_ms, "until", (json_int_t)cb->until_ms, "step",
			 cb->step);
}
