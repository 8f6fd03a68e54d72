/*
 * main() of a posting tool that is poster_main with its network (the
 * poster_tool of mastodon-post.c, bsky-post.c).
 */
#include "poster.h"

int
main(int argc, char *argv[])
{
	return poster_main(&poster_tool, argc, argv);
}
