/* Messages on stderr. */
#ifndef DS_CLI_SAY_H
#define DS_CLI_SAY_H

/*
 * "dumpscan: " and the printf-formatted message on stderr, one line. The
 * message passes through ds_display_text (the text report's escapes): a
 * file name, or an error quoting one, may hold terminal escape sequences or
 * newlines, and none of them reaches the terminal as it is. Thread-safe.
 */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
