/*
 * tw-send — the HTTP exchange of tw-post, alone in its own process.
 *
 * libcurl drags in some thirty shared libraries and costs milliseconds per
 * process start, so tw-post does not link it: tw-post validates, signs and
 * decides, and runs this helper (from LIBEXECDIR, as git runs
 * git-remote-https) only when it has something to send.  The helper never
 * sees a secret: it gets a request whose Authorization header is already
 * signed, and it knows nothing of X.
 *
 * The protocol and its limits are in lib/wire.h, shared with the client
 * (lib/sender.c).  It exits 0 at the end of its input, 65 on a malformed
 * request, 71 when libcurl cannot start.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "jstream.h"
#include "log.h"
#include "util.h"
#include "wire.h"

struct answer {
	char *body;
	size_t len;
	json_t *headers;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n, keep;
	char *nb;

	keep = a->len >= HT_WIRE_MAX_BODY ? 0 : len < HT_WIRE_MAX_BODY - a->len ? len :
	    HT_WIRE_MAX_BODY - a->len;
	if (keep > 0) {
		if ((nb = realloc(a->body, a->len + keep + 1)) == NULL)
			return 0;
		memcpy(nb + a->len, p, keep);
		a->body = nb;
		a->len += keep;
		a->body[a->len] = '\0';
	}
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n, i, nlen;
	char name[128], *v, *value;

	/* A new status line (after a 100 or a redirect) starts afresh. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		json_object_clear(a->headers);
		return len;
	}
	if ((v = memchr(p, ':', len)) == NULL)
		return len;
	nlen = (size_t)(v - p);
	if (nlen == 0 || nlen >= sizeof name)
		return len;
	for (i = 0; i < nlen; i++)
		name[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 :
		    p[i]);
	name[nlen] = '\0';
	v++;
	while (v < p + len && (*v == ' ' || *v == '\t'))
		v++;
	len -= (size_t)(v - p);
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' '))
		len--;
	if ((value = strndup(v, len)) == NULL)
		return 0;
	/* A value that is not UTF-8 is of no use to tw-post: dropped. */
	(void)json_object_set_new(a->headers, name, json_string(value));
	free(value);
	return size * n;
}

/* A JSON string of buf, with bytes that are not UTF-8 replaced by '?'. */
static json_t *
text(char *buf, size_t len)
{
	json_t *s;
	size_t i;

	if ((s = json_stringn(buf, len)) != NULL)
		return s;
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] >= 0x80 || buf[i] == '\0')
			buf[i] = '?';
	return json_stringn(buf, len);
}

static void
wipe_headers(struct curl_slist *h)
{
	for (; h != NULL; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
}

/* Perform one request; the answer object, or NULL when out of memory. */
static json_t *
exchange(CURL *curl, json_t *req)
{
	struct answer a = { NULL, 0, NULL };
	struct curl_slist *hl = NULL, *nl;
	char errbuf[CURL_ERROR_SIZE];
	const char *method, *url, *kind;
	json_t *h, *v, *ans = NULL;
	size_t i;
	CURLcode rc;
	long status = 0;
	curl_off_t t = 0;

	method = json_string_value(json_object_get(req, "method"));
	url = json_string_value(json_object_get(req, "url"));
	h = json_object_get(req, "headers");
	if (method == NULL || url == NULL || (h != NULL && !json_is_array(h)))
		return json_pack("{s:i,s:s,s:s}", "status", 0, "error",
		    "malformed request", "kind", "other");
	json_array_foreach(h, i, v) {
		if (!json_is_string(v))
			continue;
		if ((nl = curl_slist_append(hl, json_string_value(v))) ==
		    NULL)
			goto out;
		hl = nl;
	}
	/* No "Expect: 100-continue" round trip. */
	if ((nl = curl_slist_append(hl, "Expect:")) == NULL)
		goto out;
	hl = nl;
	if ((a.headers = json_object()) == NULL)
		goto out;
	errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST,
	    strcmp(method, "POST") == 0 || strcmp(method, "GET") == 0 ? NULL :
	    method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
	rc = curl_easy_perform(curl);
	(void)curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &t);
	if (rc == CURLE_OK) {
		(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		ans = json_pack("{s:i,s:O,s:o,s:I}", "status", (int)status,
		    "headers", a.headers, "body", text(a.body != NULL ? a.body :
		    "", a.len), "time_ms", (json_int_t)(t / 1000));
	} else {
		kind = rc == CURLE_OPERATION_TIMEDOUT ? "timeout" :
		    rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_COULDNT_RESOLVE_PROXY ? "connect" : "other";
		ans = json_pack("{s:i,s:s++,s:s,s:I}", "status", 0, "error",
		    curl_easy_strerror(rc), errbuf[0] != '\0' ? ": " : "",
		    errbuf, "kind", kind, "time_ms", (json_int_t)(t / 1000));
	}
out:
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	wipe_headers(hl);
	curl_slist_free_all(hl);
	json_decref(a.headers);
	free(a.body);
	return ans;
}

/*
 * No core dump, and death with tw-post: a sender killed (kill -9, a
 * timeout) must not leave its request going on alone, posting what the
 * queue still holds as unsent.  tw-post may have died before this: then
 * the parent is no longer the one it named.  -1 to go on, else the exit
 * status.
 */
static int
start(int argc)
{
	long long ppid;
	const char *v;

	ht_log_open("tw-send", 0);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    ((v = getenv(HT_PARENT_ENV)) != NULL && (ht_parse_num(v, 1,
	    INT_MAX, &ppid) == -1 || getppid() != (pid_t)ppid)))
		return EX_SOFTWARE;
	if (ht_fds_ensure() == -1)
		return EX_OSERR;
	if (argc > 1) {
		fputs("usage: tw-send (run by tw-post, not by hand)\n",
		    stderr);
		return EX_USAGE;
	}
	return -1;
}

/* The request's method, body and time limits, set on curl. */
static void
set_request(CURL *curl, const json_t *req)
{
	const json_t *body = json_object_get(req, "body");
	const char *method = json_string_value(json_object_get(req,
	    "method"));
	json_int_t ms;

	/* A GET has no body (GET /2/users/me, tw-post --check). */
	if (method != NULL && strcmp(method, "GET") == 0)
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)json_string_length(body));
		curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS,
		    json_is_string(body) ? json_string_value(body) : "");
	}
	ms = json_integer_value(json_object_get(req, "connect_timeout_ms"));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(ms > 0 ? ms : 10000));
	ms = json_integer_value(json_object_get(req, "timeout_ms"));
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(ms > 0 ? ms : 30000));
}

/* One request (consumed) made, its answer a line on stdout: 0 or a status. */
static int
answer(CURL *curl, json_t *req)
{
	json_t *ans;
	char *line;
	int r;

	set_request(curl, req);
	ans = exchange(curl, req);
	json_decref(req);
	if (ans == NULL || (line = json_dumps(ans, JSON_COMPACT)) == NULL) {
		json_decref(ans);
		ht_warnx("out of memory");
		return EX_OSERR;
	}
	json_decref(ans);
	r = ht_write_all(STDOUT_FILENO, line, strlen(line)) == -1 ||
	    ht_write_all(STDOUT_FILENO, "\n", 1) == -1;
	free(line);
	/* tw-post went away: nobody to answer. */
	return r ? EX_IOERR : 0;
}

int
main(int argc, char *argv[])
{
	struct ht_jstream *js = NULL;
	struct ht_err e;
	json_t *req;
	CURL *curl = NULL;
	int r, status;

	if ((status = start(argc)) != -1)
		return status;
	status = 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (curl = curl_easy_init()) == NULL) {
		ht_warnx("libcurl: cannot initialise");
		return EX_OSERR;
	}
	if ((js = ht_jstream_fd(STDIN_FILENO, "<request>", HT_WIRE_MAX_REQUEST,
	    4)) == NULL) {
		ht_warnx("out of memory");
		status = EX_OSERR;
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "hubtweet/" HT_VERSION);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	while (status == 0) {
		ht_err_clear(&e);
		if ((r = ht_jstream_next(js, &req, &e)) == 0)
			break;
		if (r != 1 || !json_is_object(req)) {
			if (r == 1)
				json_decref(req);
			else
				ht_log_err(&e);
			status = EX_DATAERR;
		} else
			status = answer(curl, req);
	}
out:
	ht_jstream_free(js);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	return status;
}
