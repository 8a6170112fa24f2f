// SPDX-License-Identifier: GPL-2.0-or-later
/* conf: see conf.h. */
#include "conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_TIMEOUT_DEFAULT 10
#define CONF_TIMEOUT_MAX 600

void conf_init(struct conf *c)
{
	*c = (struct conf){ .systemd = CONF_SYSTEMD_AUTO,
			    .timeout = CONF_TIMEOUT_DEFAULT };
}

void conf_free(struct conf *c)
{
	free(c->runtime);
	free(c->uidmapfs);
	free(c->state_dir);
	free(c->options);
	conf_init(c);
}

static bool conf_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trim [*b, *e) of white space on both ends. */
static void conf_trim(const char **b, const char **e)
{
	while (*b < *e && conf_space(**b))
		(*b)++;
	while (*e > *b && conf_space((*e)[-1]))
		(*e)--;
}

static int conf_set_string(char **slot, const char *b, const char *e)
{
	char *s = malloc((size_t)(e - b) + 1);

	if (!s)
		return -ENOMEM;
	memcpy(s, b, (size_t)(e - b));
	s[e - b] = '\0';
	free(*slot);
	*slot = s;
	return 0;
}

static bool conf_is(const char *b, const char *e, const char *word)
{
	return (size_t)(e - b) == strlen(word) &&
	       memcmp(b, word, (size_t)(e - b)) == 0;
}

static int conf_set_timeout(struct conf *c, const char *b, const char *e)
{
	unsigned int v = 0;

	if (b == e || e - b > 3)
		return -EINVAL;
	for (; b < e; b++) {
		if (*b < '0' || *b > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(*b - '0');
	}
	if (v < 1 || v > CONF_TIMEOUT_MAX)
		return -EINVAL;
	c->timeout = v;
	return 0;
}

static int conf_set_systemd(struct conf *c, const char *b, const char *e)
{
	if (conf_is(b, e, "auto"))
		c->systemd = CONF_SYSTEMD_AUTO;
	else if (conf_is(b, e, "yes"))
		c->systemd = CONF_SYSTEMD_YES;
	else if (conf_is(b, e, "no"))
		c->systemd = CONF_SYSTEMD_NO;
	else
		return -EINVAL;
	return 0;
}

/* One "key = value" line, [kb, ke) and [vb, ve) trimmed. */
static int conf_apply(struct conf *c, const char *kb, const char *ke,
		      const char *vb, const char *ve)
{
	if (vb == ve)
		return -EINVAL;
	if (conf_is(kb, ke, "runtime"))
		return conf_set_string(&c->runtime, vb, ve);
	if (conf_is(kb, ke, "uidmapfs"))
		return conf_set_string(&c->uidmapfs, vb, ve);
	if (conf_is(kb, ke, "state-dir"))
		return conf_set_string(&c->state_dir, vb, ve);
	if (conf_is(kb, ke, "options"))
		return conf_set_string(&c->options, vb, ve);
	if (conf_is(kb, ke, "systemd"))
		return conf_set_systemd(c, vb, ve);
	if (conf_is(kb, ke, "timeout"))
		return conf_set_timeout(c, vb, ve);
	return -ENOENT;
}

int conf_parse(struct conf *c, const char *name, const char *text, size_t len,
	       char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	unsigned int line = 0;

	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file (NUL byte)", name);
		return -EINVAL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *kb = p, *ke, *vb, *ve = le;
		const char *eq;
		int ret;

		line++;
		p = nl ? nl + 1 : end;
		conf_trim(&kb, &ve);
		if (kb == ve || *kb == '#')
			continue;
		eq = memchr(kb, '=', (size_t)(ve - kb));
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected key = value",
				 name, line);
			return -EINVAL;
		}
		ke = eq;
		vb = eq + 1;
		conf_trim(&kb, &ke);
		conf_trim(&vb, &ve);
		ret = conf_apply(c, kb, ke, vb, ve);
		if (ret == -ENOMEM)
			return ret;
		if (ret == -ENOENT) {
			snprintf(err, errlen, "%s:%u: unknown key '%.*s'", name,
				 line, (int)(ke - kb), kb);
			return -EINVAL;
		}
		if (ret < 0) {
			snprintf(err, errlen,
				 "%s:%u: bad value for %.*s: '%.*s'", name,
				 line, (int)(ke - kb), kb, (int)(ve - vb), vb);
			return -EINVAL;
		}
	}
	return 0;
}
