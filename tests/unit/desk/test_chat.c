/* test_chat.c - a live conversation's state (desk/chat.c): one numbering
 * for both sides, the ring keeping the last messages only, each side's
 * token bucket, the typing indicators passed on at most once a second, and
 * a requeued chat's next agent. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "desk/chat.h"

#define NOW 1795000000000LL

static void test_seq_and_ring(void **state)
{
	struct chat *c = chat_new(3);
	char text[16];

	(void)state;
	assert_non_null(c);
	for (int i = 1; i <= 5; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		const struct chat_msg *m = chat_add(c, i % 2 ? CHAT_CITIZEN : CHAT_AGENT, text, NULL,
						    NOW + i);
		assert_non_null(m);
		assert_int_equal(m->seq, i);
		assert_int_equal(m->at, NOW + i);
	}
	/* Only the last three are kept, oldest first; their bytes are counted. */
	assert_int_equal(c->count, 3);
	assert_int_equal(c->seq, 5);
	assert_string_equal(chat_at(c, 0)->text, "m3");
	assert_int_equal(chat_at(c, 0)->from, CHAT_CITIZEN);
	assert_string_equal(chat_at(c, 2)->text, "m5");
	assert_null(chat_at(c, 3));
	assert_int_equal(c->text_bytes, 6);
	chat_free(c);
}

static void test_card_is_kept(void **state)
{
	struct chat *c = chat_new(2);
	json_t *card = json_pack("{s:{s:s}}", "destination", "id", "no.nav");

	(void)state;
	assert_non_null(chat_add(c, CHAT_AGENT, NULL, card, NOW));
	json_decref(card); /* the chat holds its own reference */
	assert_null(chat_at(c, 0)->text);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(chat_at(c, 0)->card, "destination"), "id")),
		"no.nav");
	chat_free(c);
}

static void test_bucket(void **state)
{
	struct chat *c = chat_new(10);
	int sent = 0;

	(void)state;
	/* A burst of CHAT_BURST, then nothing until the bucket refills. */
	while (chat_may_send(c, CHAT_CITIZEN, 60, NOW))
		sent++;
	assert_int_equal(sent, CHAT_BURST);
	assert_false(chat_may_send(c, CHAT_CITIZEN, 60, NOW + 500));
	/* 60 a minute: one more after a second. */
	assert_true(chat_may_send(c, CHAT_CITIZEN, 60, NOW + 1000));
	assert_false(chat_may_send(c, CHAT_CITIZEN, 60, NOW + 1001));
	/* The other side has a bucket of its own. */
	assert_true(chat_may_send(c, CHAT_AGENT, 60, NOW));
	/* A new agent after a requeue starts with a full burst. */
	while (chat_may_send(c, CHAT_AGENT, 60, NOW))
		;
	chat_set_agent(c, "desk-2", "Kari", NOW);
	assert_true(chat_may_send(c, CHAT_AGENT, 60, NOW));
	assert_string_equal(c->agent_name, "Kari");
	assert_int_equal(c->taken_ms, NOW);
	chat_free(c);
}

static void test_typing(void **state)
{
	struct chat *c = chat_new(1);

	(void)state;
	assert_true(chat_may_type(c, CHAT_AGENT, NOW));
	assert_false(chat_may_type(c, CHAT_AGENT, NOW + CHAT_TYPING_EVERY_MS - 1));
	assert_true(chat_may_type(c, CHAT_CITIZEN, NOW + 1));
	assert_true(chat_may_type(c, CHAT_AGENT, NOW + CHAT_TYPING_EVERY_MS));
	chat_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_and_ring),
		cmocka_unit_test(test_card_is_kept),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_typing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
