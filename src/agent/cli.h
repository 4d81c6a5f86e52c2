/* cli.h - riptel-agent's command line: options, --help, parsing. */
#ifndef RIPTEL_CLI_H
#define RIPTEL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_PROG		"riptel-agent"
#define CLI_DEFAULT_CONFIG	"/etc/riptel/agent.conf"
#define CLI_MAX_SETS		64	/* --set arguments */

/* What the command line asked for, besides configuration keys. */
struct cli_options {
	const char *config_path;	/* NULL: CLI_DEFAULT_CONFIG if it exists */
	bool config_explicit;
	bool check_config;
	/* --set and the shorthand flags, in order: section.key, value */
	const char *sets[CLI_MAX_SETS][2];
	size_t nsets;
	double duration;		/* seconds, 0: until a signal */
	uint64_t max_records;		/* 0: no limit */
	const char *record_path;
	const char *replay_path;
	bool replay_pace;
};

enum cli_result {
	CLI_RUN = 0,		/* options parsed: run the agent */
	CLI_DONE = 1,		/* --help, --version, --help-config printed: exit 0 */
	CLI_USAGE = 2,		/* bad usage, said in @err: exit 2 */
};

/*
 * Parse @argv into @o (cleared first).  --help, --version and
 * --help-config print to @out.  On CLI_USAGE @err holds what was wrong
 * (getopt's own complaints go to stderr as well).  --set arguments are
 * split in place.
 */
enum cli_result cli_parse(int argc, char **argv, struct cli_options *o,
			  FILE *out, char *err, size_t errlen);

/* The --help text. */
void cli_usage(FILE *f);

#endif /* RIPTEL_CLI_H */
