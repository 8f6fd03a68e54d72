/*
 * wire — the protocol between a posting tool (lib/sender.c) and its helper
 * tw-send (cmd/tw-send.c), and its limits: both ends include this file.
 *
 * One JSON object per line each way, on a socket that the tool gives as
 * fd 0 and fd 1 (never argv or the environment):
 *
 *   request  {"method":"POST","url":"https://...","headers":["Name: value",
 *            ...],"body":"...","connect_timeout_ms":N,"timeout_ms":N}
 *            ("method":"GET" sends no body)
 *   answer   {"status":201,"headers":{"name":"value",...},"body":"...",
 *            "time_ms":N}
 *      or    {"status":0,"error":"curl's message","kind":"timeout"|
 *            "connect"|"other","time_ms":N}
 *
 * The helper knows nothing of any network: it makes the request it is
 * given, with the headers given (already signed), and follows no redirect.
 * Header names in answers are lower case (the last of a repeated header
 * wins); a body over HT_WIRE_MAX_BODY is cut, and bytes that are not UTF-8
 * are replaced, so that the answer is always one valid JSON line.
 */
#ifndef HT_WIRE_H
#define HT_WIRE_H

/* An answer's body, at most (the rest is cut). */
#define HT_WIRE_MAX_BODY	(1024 * 1024)
/* A request line, at most: a post's body, escaped, and its headers. */
#define HT_WIRE_MAX_REQUEST	(2 * HT_WIRE_MAX_BODY)
/*
 * An answer line, at most: HT_WIRE_MAX_BODY escaped (a control character
 * takes six bytes as \u00XX) and the headers.
 */
#define HT_WIRE_MAX_ANSWER	(8 * HT_WIRE_MAX_BODY)

/*
 * The helper's environment names its parent, which it dies with
 * (PR_SET_PDEATHSIG); a helper whose parent is already another refuses to
 * run.
 */
#define HT_PARENT_ENV		"HUBTWEET_PARENT_PID"

#endif
