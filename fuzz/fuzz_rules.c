/* fuzz_rules.c - libFuzzer: the rule loader on a fuzzed no.json.
 *
 * The other files of the rules directory are the test fixtures, copied once
 * into a temporary directory (VV_FUZZ_RULES names another source). A tree
 * that loads is also walked a little: every language's first step, and an
 * answer to each of its options, as the daemon would on "start". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triage/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;
	int rc = in && out ? 0 : -1;

	while (!rc && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

static void cleanup(void)
{
	static const char *const files[] = { "no.json", "dk.json", "vocabulary.json",
					     "destinations/no.json", "destinations/dk.json" };
	char path[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/destinations", dir);
	rmdir(path);
	rmdir(dir);
}

static void setup(void)
{
	static const char *const files[] = { "dk.json", "vocabulary.json", "destinations/no.json",
					     "destinations/dk.json" };
	const char *src = getenv("VV_FUZZ_RULES") ? getenv("VV_FUZZ_RULES") : "tests/fixtures/rules";
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char from[512], to[512];

	snprintf(dir, sizeof(dir), "%s/vv-fuzz-rules-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(to, sizeof(to), "%s/destinations", dir);
	mkdir(to, 0700);
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", src, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		if (copy_file(from, to)) {
			fprintf(stderr, "fuzz_rules: cannot copy %s (run from the repository, or set "
					"VV_FUZZ_RULES): %s\n", from, strerror(errno));
			exit(1);
		}
	}
}

static void count_problem(void *ctx, const char *problem)
{
	(void)problem;
	(*(int *)ctx)++;
}

static void walk(struct rulebook *rb)
{
	static const char *const langs[] = { "nb", "nn", "da", "en" };
	const struct rules_tree *t = rules_tree(rb, "no");
	char err[512];

	json_decref(rules_summary(rb));
	for (size_t l = 0; t && l < sizeof(langs) / sizeof(langs[0]); l++) {
		struct triage *tr;
		json_t *step, *options, *o;
		size_t i;

		if (!rules_tree_has_lang(t, langs[l]) || !(tr = triage_start(rb, t, NULL, (int)(l & 1), err, sizeof(err))))
			continue;
		step = triage_step_json(tr, langs[l]);
		options = json_object_get(json_object_get(step, "question"), "options");
		json_array_foreach(options, i, o) {
			const char *value = json_string_value(json_object_get(o, "value"));
			if (value && !triage_answer(tr, value, err, sizeof(err))) {
				json_decref(triage_step_json(tr, langs[l]));
				triage_back(tr, err, sizeof(err));
			}
		}
		json_decref(step);
		triage_free(tr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512];
	struct rulebook *rb;
	FILE *f;
	int problems = 0;

	if (!dir[0])
		setup();
	snprintf(path, sizeof(path), "%s/no.json", dir);
	if (!(f = fopen(path, "wb")) || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	rb = rules_load(dir, count_problem, &problems);
	if (rb) {
		walk(rb);
		rules_unref(rb);
	} else if (!problems) {
		fprintf(stderr, "fuzz_rules: refused without naming a problem\n");
		abort();
	}
	return 0;
}
