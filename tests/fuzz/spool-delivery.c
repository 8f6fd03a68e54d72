/*
 * Fuzz target "spool-delivery": a closed group of the spool as the drain
 * reads it back (lib/spool.c): its name (ht_spool_group_close), each
 * delivery's file (ht_spool_delivery), and the group's event made of
 * them (ht_group_event), as ht_spool_take does.
 *
 * Input: the first line is the group's name; the whole input is cut into
 * delivery files at each 0x1e byte (the record separator), at most
 * HT_GROUP_MAX.
 * Checks: a file refused is a data error (65) that says why; a group
 * event is refused (65, or 71) or it holds "tag", the first of "tags"
 * (strings, none twice, every tag of the deliveries), "other_tags" the
 * rest, and "image" and "id" made of repo_name, tag and pushed_at.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "spool.h"
#include "group.h"
#include "fuzz.h"

static void
check_name(const uint8_t *data, size_t size)
{
	char name[HT_SPOOL_NAME_MAX];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl != NULL ? (size_t)(nl - data) : size;

	if (len >= sizeof name)
		return;
	memcpy(name, data, len);
	name[len] = '\0';
	if (ht_spool_group_close(name) < -1)
		abort();
}

/* Every tag a delivery announces ("tags", else "tag") is listed once. */
static void
check_tags(json_t *const *evs, size_t n, const json_t *ev)
{
	const json_t *tags = json_object_get(ev, "tags"), *list, *t;
	size_t i, j;

	for (i = 0; i < n; i++) {
		list = json_object_get(evs[i], "tags");
		if (!json_is_array(list) || json_array_size(list) == 0) {
			t = json_object_get(evs[i], "tag");
			if (json_is_string(t) && fuzz_count_in(tags, t) != 1)
				abort();
			continue;
		}
		for (j = 0; j < json_array_size(list); j++) {
			t = json_array_get(list, j);
			if (json_is_string(t) && fuzz_count_in(tags, t) != 1)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *evs[HT_GROUP_MAX], *ev;
	const char *p = (const char *)data, *end = p + size, *q;
	struct ht_err e;
	size_t n = 0, i;

	check_name(data, size);
	for (; p <= end && n < HT_GROUP_MAX; p = q + 1) {
		if ((q = memchr(p, 0x1e, (size_t)(end - p))) == NULL)
			q = end;
		ht_err_clear(&e);
		if ((evs[n] = ht_spool_delivery(p, (size_t)(q - p), &e)) !=
		    NULL) {
			if (!json_is_object(evs[n]))
				abort();
			n++;
		} else if (e.msg[0] == '\0' || e.status != EX_DATAERR)
			abort();
	}
	if (n > 0) {
		ht_err_clear(&e);
		if ((ev = ht_group_event(evs, n, &e)) != NULL) {
			fuzz_check_event(ev);
			check_tags(evs, n, ev);
			json_decref(ev);
		} else if (e.msg[0] == '\0' || (e.status != EX_DATAERR &&
		    e.status != EX_OSERR))
			abort();
	}
	for (i = 0; i < n; i++)
		json_decref(evs[i]);
	return 0;
}
