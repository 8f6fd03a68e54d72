/*
 * Fuzz target "queue-item": a queue item as read back (lib/queue.c):
 * its name, as listed from new/ or failed/ (ht_queue_parse_name), and
 * its file, as ht_queue_take and the listings decode it
 * (ht_queue_item_decode).
 *
 * Input: the first line is the name, the whole input the file.
 * Checks: a name parsed has sane parts; an item decoded has a text,
 * counts not negative, its last error cut in place; one that is refused
 * says why, as a data error (65) or out of memory (71); and an
 * item decoded, written again as the queue writes it, decodes the same.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "queue-int.h"
#include "fuzz.h"

#define NAME_SEC	1795968000LL

static void
check_name(const uint8_t *data, size_t size)
{
	char name[HT_QUEUE_NAME_MAX + 8];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl != NULL ? (size_t)(nl - data) : size;
	const char *rest;
	struct qname q;

	if (len >= sizeof name)
		return;
	memcpy(name, data, len);
	name[len] = '\0';
	memset(&q, 0, sizeof q);
	if (ht_queue_parse_name(name, &q, &rest) == -1)
		return;
	if (q.sec < 0 || q.pid < 0 || strlen(q.key) > KEY_LEN ||
	    rest < name || rest > name + strlen(name))
		abort();
}

static void
item_clear(struct ht_qitem *it)
{
	free(it->text);
	free(it->reply_to);
	free(it->id);
	json_decref(it->card);
	memset(it, 0, sizeof *it);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_qitem it, again;
	struct ht_err e;
	json_t *o;
	char *buf;

	check_name(data, size);

	memset(&it, 0, sizeof it);
	ht_err_clear(&e);
	if (ht_queue_item_decode((const char *)data, size, NAME_SEC, &it,
	    &e) == -1) {
		if (e.msg[0] == '\0' || (e.status != EX_DATAERR &&
		    e.status != EX_OSERR))
			abort();
		item_clear(&it);
		return 0;
	}
	if (it.text == NULL || it.text[0] == '\0' || it.enqueued < 0 ||
	    it.attempts < 0 || (it.id != NULL && it.id[0] == '\0') ||
	    strnlen(it.last_error, sizeof it.last_error) ==
	    sizeof it.last_error)
		abort();

	/* As item_encode writes it (the fields ht_queue_keep keeps). */
	o = json_pack("{s:s,s:s?,s:s?,s:I,s:I,s:s?}", "text", it.text,
	    "reply_to", it.reply_to, "id", it.id, "enqueued",
	    (json_int_t)it.enqueued, "attempts", (json_int_t)it.attempts,
	    "last_error", it.last_error[0] != '\0' ? it.last_error : NULL);
	if (o != NULL && it.card != NULL &&
	    json_object_set(o, "card", it.card) == -1)
		abort();
	/* A last error cut inside a character is not UTF-8 any more. */
	if (o == NULL) {
		item_clear(&it);
		return 0;
	}
	if ((buf = json_dumps(o, JSON_COMPACT)) == NULL)
		abort();
	json_decref(o);
	memset(&again, 0, sizeof again);
	if (ht_queue_item_decode(buf, strlen(buf), 0, &again, &e) == -1 ||
	    strcmp(it.text, again.text) != 0 ||
	    (it.reply_to == NULL) != (again.reply_to == NULL) ||
	    (it.reply_to != NULL && strcmp(it.reply_to, again.reply_to)) ||
	    (it.id == NULL) != (again.id == NULL) ||
	    (it.id != NULL && strcmp(it.id, again.id) != 0) ||
	    it.enqueued != again.enqueued || it.attempts != again.attempts ||
	    strcmp(it.last_error, again.last_error) != 0 ||
	    (it.card == NULL) != (again.card == NULL) ||
	    (it.card != NULL && !json_equal(it.card, again.card)))
		abort();
	free(buf);
	item_clear(&again);
	item_clear(&it);
	return 0;
}
