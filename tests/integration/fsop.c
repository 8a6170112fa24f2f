// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsop: run file-system operations and print one canonical line each.
 *
 *   fsop [-C ROOT] OP ARGS...        one op from the command line
 *   fsop [-C ROOT] [-f SCRIPT]       ops from SCRIPT or stdin, one a line
 *   fsop --dump DIR                  the state of a whole tree
 *   fsop --list                      the ops and their arguments
 *
 * A script line is "OP ARG..." separated by blanks; '#' starts a comment
 * line.  A line may end in "=> RESULT": the result must then begin with
 * RESULT (whole words), otherwise fsop says so on stderr and exits 1 —
 * used to pin what the kernel oracle is known to do.
 *
 * Output, one line per op: the op and its arguments as given, then
 * "-> OK [result]" or "-> ENAME".  Paths are printed as written, relative
 * to ROOT, so runs against two mounts diff cleanly.  The umask is 022 until
 * the umask op changes it.
 *
 * Exit status: 0; 1 when an expectation failed; 2 for a malformed script
 * (unknown op, wrong arguments), after which nothing more runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsop.h"

#define FSOP_MAX_TOKENS 16

/* Errno names, so logs never depend on the C library's wording. */
#define ERRNO_NAME(e) [e] = #e
static const char *const errno_names[] = {
	ERRNO_NAME(EPERM),	  ERRNO_NAME(ENOENT),
	ERRNO_NAME(ESRCH),	  ERRNO_NAME(EINTR),
	ERRNO_NAME(EIO),	  ERRNO_NAME(ENXIO),
	ERRNO_NAME(E2BIG),	  ERRNO_NAME(ENOEXEC),
	ERRNO_NAME(EBADF),	  ERRNO_NAME(EAGAIN),
	ERRNO_NAME(ENOMEM),	  ERRNO_NAME(EACCES),
	ERRNO_NAME(EFAULT),	  ERRNO_NAME(EBUSY),
	ERRNO_NAME(EEXIST),	  ERRNO_NAME(EXDEV),
	ERRNO_NAME(ENODEV),	  ERRNO_NAME(ENOTDIR),
	ERRNO_NAME(EISDIR),	  ERRNO_NAME(EINVAL),
	ERRNO_NAME(ENFILE),	  ERRNO_NAME(EMFILE),
	ERRNO_NAME(ENOTTY),	  ERRNO_NAME(ETXTBSY),
	ERRNO_NAME(EFBIG),	  ERRNO_NAME(ENOSPC),
	ERRNO_NAME(ESPIPE),	  ERRNO_NAME(EROFS),
	ERRNO_NAME(EMLINK),	  ERRNO_NAME(EPIPE),
	ERRNO_NAME(ERANGE),	  ERRNO_NAME(ENAMETOOLONG),
	ERRNO_NAME(ENOSYS),	  ERRNO_NAME(ENOTEMPTY),
	ERRNO_NAME(ELOOP),	  ERRNO_NAME(ENODATA),
	ERRNO_NAME(EOVERFLOW),	  ERRNO_NAME(EOPNOTSUPP),
	ERRNO_NAME(ENOTCONN),	  ERRNO_NAME(ECONNREFUSED),
	ERRNO_NAME(ECONNABORTED), ERRNO_NAME(EDQUOT),
	ERRNO_NAME(ESTALE),	  ERRNO_NAME(EBADMSG),
	ERRNO_NAME(EUSERS),
};
#undef ERRNO_NAME

static void put_errno(FILE *out, int err)
{
	if (err > 0 &&
	    (size_t)err < sizeof(errno_names) / sizeof(*errno_names) &&
	    errno_names[err])
		fputs(errno_names[err], out);
	else
		fprintf(out, "E#%d", err);
}

static const struct fsop_op *find_op(const char *name)
{
	static const struct fsop_op *const tables[] = { fsop_file_ops,
							fsop_xattr_ops };

	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++)
		for (const struct fsop_op *op = tables[t]; op->name; op++)
			if (!strcmp(op->name, name))
				return op;
	return NULL;
}

static void list_ops(void)
{
	static const struct fsop_op *const tables[] = { fsop_file_ops,
							fsop_xattr_ops };

	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++)
		for (const struct fsop_op *op = tables[t]; op->name; op++)
			printf("%s %s\n", op->name, op->args_help);
}

/* Does @result begin with the words of @expect? */
static int matches(const char *result, const char *expect)
{
	size_t n = strlen(expect);

	return !strncmp(result, expect, n) &&
	       (result[n] == '\0' || result[n] == ' ');
}

/*
 * The result text of one op: "OK", "OK <what fn printed>" or the errno
 * name.  Returns a malloc'd string, or NULL with *ret = FSOP_BADARG.
 */
static char *op_result(const struct fsop_op *op, char **args, int nargs,
		       int *ret)
{
	char *extra = NULL, *text = NULL;
	size_t len = 0;
	FILE *out;

	out = open_memstream(&extra, &len);
	if (!out)
		abort();
	*ret = op->fn(args, nargs, out);
	fclose(out);
	out = open_memstream(&text, &len);
	if (!out)
		abort();
	if (*ret < 0)
		put_errno(out, -*ret);
	else
		fprintf(out, "OK%s%s", *extra ? " " : "", extra);
	fclose(out);
	free(extra);
	if (*ret == FSOP_BADARG) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Run one tokenized op and print its line.  Returns 0, 1 when an
 * expectation failed, 2 for a malformed op.
 */
static int run_op(char **tok, int ntok, const char *expect, unsigned int line)
{
	const struct fsop_op *op = find_op(tok[0]);
	char *result;
	int ret;

	if (!op) {
		fprintf(stderr,
			"fsop: line %u: unknown op %s (see fsop --list)\n",
			line, tok[0]);
		return 2;
	}
	if (ntok - 1 < op->min_args || ntok - 1 > op->max_args) {
		fprintf(stderr, "fsop: line %u: usage: %s %s\n", line, op->name,
			op->args_help);
		return 2;
	}
	result = op_result(op, tok + 1, ntok - 1, &ret);
	if (!result) {
		fprintf(stderr, "fsop: line %u: bad argument; usage: %s %s\n",
			line, op->name, op->args_help);
		return 2;
	}
	for (int i = 0; i < ntok; i++)
		printf("%s%s", i ? " " : "", tok[i]);
	printf(" -> %s\n", result);
	fflush(stdout);
	ret = 0;
	if (expect && !matches(result, expect)) {
		fprintf(stderr,
			"fsop: line %u: %s: got \"%s\", expected \"%s\"\n",
			line, tok[0], result, expect);
		ret = 1;
	}
	free(result);
	return ret;
}

/*
 * Split @buf into tokens; an "=>" token ends the op and starts the
 * expectation, returned through @expect (its words rejoined by blanks).
 */
static int tokenize(char *buf, char **tok, char **expect)
{
	char *save = NULL, *t, *arrow = NULL;
	int n = 0;

	*expect = NULL;
	for (t = strtok_r(buf, " \t\n", &save); t;
	     t = strtok_r(NULL, " \t\n", &save)) {
		if (!strcmp(t, "=>")) {
			arrow = save;
			break;
		}
		if (n == FSOP_MAX_TOKENS)
			return -1;
		tok[n++] = t;
	}
	if (arrow) {
		/* Trim the expectation in place. */
		while (*arrow == ' ' || *arrow == '\t')
			arrow++;
		arrow[strcspn(arrow, "\n")] = '\0';
		for (size_t l = strlen(arrow); l && arrow[l - 1] == ' '; l--)
			arrow[l - 1] = '\0';
		*expect = arrow;
	}
	return n;
}

static int run_script(FILE *in)
{
	char *buf = NULL, *tok[FSOP_MAX_TOKENS], *expect;
	size_t cap = 0;
	unsigned int line = 0;
	int ret, status = 0;

	while (getline(&buf, &cap, in) > 0) {
		int n;

		line++;
		if (buf[strspn(buf, " \t")] == '#')
			continue;
		n = tokenize(buf, tok, &expect);
		if (n < 0) {
			fprintf(stderr, "fsop: line %u: too many words\n",
				line);
			status = 2;
			break;
		}
		if (n == 0)
			continue;
		ret = run_op(tok, n, expect, line);
		if (ret == 2) {
			status = 2;
			break;
		}
		status |= ret;
	}
	free(buf);
	return status;
}

static void usage(FILE *f)
{
	fputs("usage: fsop [-C ROOT] OP ARGS...\n"
	      "       fsop [-C ROOT] [-f SCRIPT]   (script from stdin without -f)\n"
	      "       fsop --dump DIR\n"
	      "       fsop --list\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *script = NULL;
	FILE *in = stdin;
	int i = 1, ret;

	umask(022);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--list")) {
			list_ops();
			return 0;
		} else if (!strcmp(argv[i], "--dump") && i + 2 == argc) {
			ret = fsop_dump(argv[i + 1], stdout);
			if (ret < 0)
				fprintf(stderr, "fsop: dump %s: %s\n",
					argv[i + 1], strerror(-ret));
			return ret < 0 ? 2 : 0;
		} else if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			if (chdir(argv[++i]) < 0) {
				fprintf(stderr, "fsop: chdir %s: %s\n", argv[i],
					strerror(errno));
				return 2;
			}
		} else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			script = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i < argc) {
		if (script) {
			usage(stderr);
			return 2;
		}
		return run_op(argv + i, argc - i, NULL, 0);
	}
	if (script) {
		in = fopen(script, "r");
		if (!in) {
			fprintf(stderr, "fsop: %s: %s\n", script,
				strerror(errno));
			return 2;
		}
	}
	ret = run_script(in);
	if (in != stdin)
		fclose(in);
	return ret;
}
