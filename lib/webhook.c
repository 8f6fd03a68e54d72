#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#include "event.h"
#include "jstream.h"
#include "webhook.h"

/* The source a path names, with its secret: 0, or -1 when none. */
static int
route(struct ht_webhook *w, const char *path)
{
	size_t i;

	w->secret = NULL;
	if (strcmp(path, w->path) == 0) {
		w->source = HT_SRC_DOCKERHUB;
		w->secret = w->key;
	}
	for (i = 0; w->secret == NULL && i < w->n_routes; i++)
		if (strcmp(path, w->routes[i].path) == 0) {
			w->source = w->routes[i].source;
			w->secret = w->routes[i].secret;
		}
	return w->secret != NULL ? 0 : -1;
}

int
ht_webhook_head(const struct ht_httpreq *r, void *arg, struct ht_err *e)
{
	static const char *const names[] = { "key", "dockerkey", NULL };
	struct ht_webhook *w = arg;
	char *given;
	size_t len;
	int nomem, ok;

	/* A source with no secret is not served: nothing by accident. */
	if (route(w, r->path) == -1) {
		ht_err_set(e, "no such path");
		return 404;
	}
	if (!r->is_post) {
		ht_err_set(e, "method %s not allowed", r->method);
		return 405;
	}
	if (w->source != HT_SRC_DOCKERHUB && w->source != HT_SRC_QUAY)
		return 0;
	given = ht_query_get(r->query, names, &len, &nomem);
	if (nomem) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return 500;
	}
	ok = given != NULL && ht_secret_equal(w->secret, given, len);
	if (given != NULL) {
		explicit_bzero(given, len);
		free(given);
	}
	if (!ok) {
		ht_err_set(e, given != NULL ? "wrong key" : "no key");
		e->status = EX_NOPERM;
		return 403;
	}
	return 0;
}

int
ht_webhook_proof(const struct ht_webhook *w, const struct ht_httpreq *r,
    struct ht_err *e)
{
	const char *v = NULL, *what = NULL;
	int ok = 1;

	switch (w->source) {
	case HT_SRC_GITHUB:
		what = "X-Hub-Signature-256";
		v = r->signature;
		ok = v != NULL && strncmp(v, "sha256=", 7) == 0 &&
		    ht_secret_hmac_equal(w->secret, r->body, r->body_len,
		    v + 7, strlen(v + 7));
		break;
	case HT_SRC_HARBOR:
	case HT_SRC_REGISTRY:
		what = "Authorization";
		v = r->authorization;
		ok = v != NULL && ht_secret_equal(w->secret, v, strlen(v));
		break;
	default:
		break;
	}
	if (ok)
		return 0;
	ht_err_set(e, "%s %s", v != NULL ? "wrong" : "no", what);
	e->status = EX_NOPERM;
	return 401;
}

int
ht_webhook_event(const struct ht_webhook *w, const char *body, size_t len,
    json_t **evs, char *why, size_t whylen, struct ht_err *e)
{
	struct ht_jstream *js;
	json_t *v = NULL, *more = NULL, *ev, *kept = NULL;
	char buf[sizeof e->msg];
	size_t i;
	int r, ret = -1;

	*evs = NULL;
	if ((js = ht_jstream_mem(body, len, "body", w->max_body,
	    HT_JSON_MAX_DEPTH)) == NULL) {
		ht_err_set(e, "out of memory");
		return -1;
	}
	r = ht_jstream_next(js, &v, e);
	if (r == 0) {
		ht_err_set(e, "empty body");
		goto out;
	}
	if (r != 1) {
		/* Put the position into the message: it is the reason. */
		(void)ht_err_str(e, buf, sizeof buf);
		ht_err_clear(e);
		ht_err_set(e, "%s", buf);
		goto out;
	}
	if (ht_jstream_next(js, &more, e) != 0) {
		ht_err_clear(e);
		ht_err_set(e, "more than one JSON value in the body");
		goto out;
	}
	if ((*evs = ht_source_events(v, w->source != HT_SRC_ANY ? w->source :
	    HT_SRC_DOCKERHUB, why, whylen, e)) == NULL ||
	    (kept = json_array()) == NULL)
		goto out;
	/* The events a filter keeps; why says of the last one dropped. */
	json_array_foreach(*evs, i, ev)
		if (ht_filter_event_why(w->filter,
		    json_string_value(json_object_get(ev, "repo_name")),
		    json_string_value(json_object_get(ev, "tag")),
		    json_is_true(json_object_get(ev, "is_private")), why,
		    whylen) == NULL && json_array_append(kept, ev) == -1) {
			ht_err_set(e, "out of memory");
			goto out;
		}
	if (json_array_size(kept) > 0) {
		json_decref(*evs);
		*evs = kept;
		kept = NULL;
		ret = 1;
	} else
		ret = 0;
out:
	if (ret == -1) {
		json_decref(*evs);
		*evs = NULL;
	}
	json_decref(kept);
	json_decref(v);
	json_decref(more);
	ht_jstream_free(js);
	return ret;
}

char *
ht_webhook_answer(const char *status, const char *id, const char *reason)
{
	json_t *o;
	char *s;

	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "status", json_string(status)) == -1 ||
	    (id != NULL && json_object_set_new(o, "id",
	    json_string(id)) == -1) ||
	    (reason != NULL && json_object_set_new(o, "reason",
	    json_string(reason)) == -1)) {
		json_decref(o);
		return NULL;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* An address from the environment, if it looks like one. */
static const char *
env_addr(const char *name)
{
	const char *v = getenv(name);
	size_t i;

	if (v == NULL || *v == '\0' || strlen(v) > 64)
		return NULL;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		    (v[i] >= 'a' && v[i] <= 'f') ||
		    (v[i] >= 'A' && v[i] <= 'F') ||
		    v[i] == '.' || v[i] == ':' || v[i] == '%'))
			return NULL;
	return v;
}

static const char *
fmt_peer(char *buf, size_t len, const char *addr, const char *port)
{
	int n;

	if (port != NULL && strspn(port, "0123456789") == strlen(port) &&
	    *port != '\0' && strlen(port) <= 5)
		n = snprintf(buf, len, strchr(addr, ':') != NULL ?
		    "[%s]:%s" : "%s:%s", addr, port);
	else
		n = snprintf(buf, len, "%s", addr);
	if (n < 0 || (size_t)n >= len)
		(void)snprintf(buf, len, "-");
	return buf;
}

/* The peer's address and port (port "" when unknown); -1: none known. */
static int
peer(int fd, char *addr, size_t alen, char *port, size_t plen)
{
	static const char *const vars[][2] = {
		{ "SOCAT_PEERADDR", "SOCAT_PEERPORT" },
		{ "REMOTE_ADDR", "REMOTE_PORT" },
		{ "TCPREMOTEIP", "TCPREMOTEPORT" },
	};
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof ss;
	const char *a, *p;
	size_t i;

	*port = '\0';
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if ((a = env_addr(vars[i][0])) != NULL) {
			(void)snprintf(addr, alen, "%s", a);
			if ((p = getenv(vars[i][1])) != NULL &&
			    strspn(p, "0123456789") == strlen(p) &&
			    strlen(p) <= 5)
				(void)snprintf(port, plen, "%s", p);
			return 0;
		}
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (void *)&ss;

			(void)inet_ntop(AF_INET, &in->sin_addr, addr,
			    (socklen_t)alen);
			(void)snprintf(port, plen, "%u", ntohs(in->sin_port));
			return 0;
		}
		if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (void *)&ss;

			(void)inet_ntop(AF_INET6, &in6->sin6_addr, addr,
			    (socklen_t)alen);
			(void)snprintf(port, plen, "%u",
			    ntohs(in6->sin6_port));
			return 0;
		}
	}
	return -1;
}

const char *
ht_peer_name(int fd, char *buf, size_t len)
{
	char addr[80], port[8];

	if (peer(fd, addr, sizeof addr, port, sizeof port) == -1) {
		(void)snprintf(buf, len, "-");
		return buf;
	}
	return fmt_peer(buf, len, addr, *port != '\0' ? port : NULL);
}

const char *
ht_peer_addr(int fd, char *buf, size_t len)
{
	char port[8];

	if (peer(fd, buf, len, port, sizeof port) == -1)
		return NULL;
	return buf;
}
