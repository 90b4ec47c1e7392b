/*
 * refmilter.c - libmilter reference milter for interop tests and benchmarks.
 *
 * Input-driven behaviour (the C# twin is tests/Milter.ReferenceFilter), written
 * directly against libmilter so that it is fast and thread-safe:
 *
 *   connect  hostname "reject.example"        -> REJECT
 *   MAIL     address contains "reject@"        -> 550 5.7.1 custom text, REJECT
 *   MAIL     address contains "tempfail@"      -> TEMPFAIL (no custom text)
 *   RCPT     address contains "badrcpt@"       -> 550 5.1.1 custom text, REJECT
 *   header   X-Ref-Action: multiline           -> EOM: multi-line 550 reply
 *   header   X-Ref-Action: quarantine          -> EOM: quarantine "ref-test"
 *   header   X-Ref-Action: discard             -> EOM: DISCARD
 *   header   X-Ref-Action: continue            -> EOM: final reply CONTINUE
 *   body     contains "REPLACE-ME"             -> EOM: replace body
 *   header   Subject present                   -> EOM: chgheader Subject #1
 *   always at EOM                              -> addheader X-Ref-Milter
 *                                                 "ok <macros>", insheader
 *                                                 X-Ref-First at 0, addrcpt
 *                                                 <bcc@example.net>, ACCEPT
 *
 * Macros noted (name=value, space separated, in X-Ref-Milter):
 *   connect: j {daemon_name} {client_addr}   (dropped again by MAIL's reset)
 *   MAIL:    i {mail_addr} {auth_authen}
 *   RCPT:    {rcpt_addr}
 *   EOM:     i
 * Message state is reset at MAIL and ABORT; the per-connection data is
 * freed in close.  One libmilter thread per connection; no shared state.
 *
 * Usage: refmilter [-q] SOCKSPEC      e.g. refmilter inet:9901@127.0.0.1
 *   -q  quiet: no start-up/exit messages, libmilter syslog masked.
 *
 * Build: tests/interop/build-refmilter.sh OUTDIR
 */
#define _GNU_SOURCE 1
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/types.h>
#include <libmilter/mfapi.h>

#define MARKER     "REPLACE-ME"
#define MARKER_LEN (sizeof(MARKER) - 1)

enum action { ACT_NONE, ACT_MULTILINE, ACT_QUARANTINE, ACT_DISCARD,
              ACT_CONTINUE, ACT_OTHER };

struct priv {
	enum action action;
	char       *subject;            /* last Subject value, NULL if none */
	bool        marker;             /* REPLACE-ME seen in the body */
	size_t      tail_len;           /* body bytes kept to find a split marker */
	char        tail[MARKER_LEN];
	char       *macros;             /* "n=v n=v ..." */
	size_t      mlen, mcap;
};

static void reset(struct priv *p)
{
	p->action = ACT_NONE;
	free(p->subject);
	p->subject = NULL;
	p->marker = false;
	p->tail_len = 0;
	p->mlen = 0;
	if (p->macros != NULL)
		p->macros[0] = '\0';
}

/* per-connection data, created on first use (whatever callback that is) */
static struct priv *getp(SMFICTX *ctx)
{
	struct priv *p = smfi_getpriv(ctx);
	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		if (p != NULL)
			smfi_setpriv(ctx, p);
	}
	return p;
}

static bool append(struct priv *p, const char *s, size_t n)
{
	if (p->mlen + n + 1 > p->mcap) {
		size_t cap = p->mcap ? p->mcap : 256;
		while (cap < p->mlen + n + 1)
			cap *= 2;
		char *m = realloc(p->macros, cap);
		if (m == NULL)
			return false;
		p->macros = m;
		p->mcap = cap;
	}
	memcpy(p->macros + p->mlen, s, n);
	p->mlen += n;
	p->macros[p->mlen] = '\0';
	return true;
}

/* append "name=value" for every macro the MTA defined */
static void note(SMFICTX *ctx, struct priv *p, const char *const *names, int n)
{
	for (int k = 0; k < n; k++) {
		char *v = smfi_getsymval(ctx, (char *)names[k]);
		if (v == NULL)
			continue;
		if (p->mlen > 0)
			append(p, " ", 1);
		append(p, names[k], strlen(names[k]));
		append(p, "=", 1);
		append(p, v, strlen(v));
	}
}
#define NOTE(ctx, p, ...) do { \
	static const char *const n_[] = { __VA_ARGS__ }; \
	note((ctx), (p), n_, (int)(sizeof(n_) / sizeof(n_[0]))); \
} while (0)

static sfsistat ref_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	(void)sa;
	struct priv *p = getp(ctx);
	if (p == NULL)
		return SMFIS_TEMPFAIL;
	NOTE(ctx, p, "j", "{daemon_name}", "{client_addr}");
	if (hostname != NULL && strcmp(hostname, "reject.example") == 0)
		return SMFIS_REJECT;
	return SMFIS_CONTINUE;
}

static sfsistat ref_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx; (void)helo;
	return SMFIS_CONTINUE;
}

static sfsistat ref_envfrom(SMFICTX *ctx, char **argv)
{
	struct priv *p = getp(ctx);
	if (p == NULL)
		return SMFIS_TEMPFAIL;
	reset(p);
	NOTE(ctx, p, "i", "{mail_addr}", "{auth_authen}");
	const char *from = argv != NULL && argv[0] != NULL ? argv[0] : "";
	if (strstr(from, "reject@") != NULL) {
		smfi_setreply(ctx, "550", "5.7.1", "Sender rejected by ref milter");
		return SMFIS_REJECT;
	}
	if (strstr(from, "tempfail@") != NULL)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat ref_envrcpt(SMFICTX *ctx, char **argv)
{
	struct priv *p = getp(ctx);
	if (p == NULL)
		return SMFIS_TEMPFAIL;
	NOTE(ctx, p, "{rcpt_addr}");
	const char *rcpt = argv != NULL && argv[0] != NULL ? argv[0] : "";
	if (strstr(rcpt, "badrcpt@") != NULL) {
		smfi_setreply(ctx, "550", "5.1.1", "No such user here");
		return SMFIS_REJECT;
	}
	return SMFIS_CONTINUE;
}

static sfsistat ref_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat ref_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx; (void)cmd;
	return SMFIS_CONTINUE;
}

/* like Python's str.strip(): ASCII whitespace and \x1c-\x1f */
static bool is_ws(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static enum action parse_action(const char *v)
{
	while (*v != '\0' && is_ws((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n > 0 && is_ws((unsigned char)v[n - 1]))
		n--;
#define IS(word) (n == sizeof(word) - 1 && memcmp(v, word, n) == 0)
	if (IS("multiline"))  return ACT_MULTILINE;
	if (IS("quarantine")) return ACT_QUARANTINE;
	if (IS("discard"))    return ACT_DISCARD;
	if (IS("continue"))   return ACT_CONTINUE;
#undef IS
	return ACT_OTHER;
}

static sfsistat ref_header(SMFICTX *ctx, char *name, char *value)
{
	struct priv *p = getp(ctx);
	if (p == NULL)
		return SMFIS_TEMPFAIL;
	if (value == NULL)
		value = "";
	if (strcasecmp(name, "X-Ref-Action") == 0)
		p->action = parse_action(value);
	if (strcasecmp(name, "Subject") == 0) {
		char *s = strdup(value);
		if (s == NULL)
			return SMFIS_TEMPFAIL;
		free(p->subject);
		p->subject = s;
	}
	return SMFIS_CONTINUE;
}

static sfsistat ref_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/* look for REPLACE-ME across chunk boundaries without keeping the body */
static sfsistat ref_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct priv *p = getp(ctx);
	if (p == NULL)
		return SMFIS_TEMPFAIL;
	if (p->marker || len == 0)
		return SMFIS_CONTINUE;
	if (p->tail_len > 0) {
		/* marker straddling the previous chunk and this one */
		char buf[2 * MARKER_LEN];
		size_t take = len < MARKER_LEN - 1 ? len : MARKER_LEN - 1;
		memcpy(buf, p->tail, p->tail_len);
		memcpy(buf + p->tail_len, chunk, take);
		if (memmem(buf, p->tail_len + take, MARKER, MARKER_LEN) != NULL) {
			p->marker = true;
			return SMFIS_CONTINUE;
		}
	}
	if (memmem(chunk, len, MARKER, MARKER_LEN) != NULL) {
		p->marker = true;
		return SMFIS_CONTINUE;
	}
	/* keep the last MARKER_LEN-1 bytes of (tail + chunk) */
	size_t keep = MARKER_LEN - 1;
	if (len >= keep) {
		memcpy(p->tail, chunk + len - keep, keep);
		p->tail_len = keep;
	} else {
		size_t total = p->tail_len + len;
		size_t drop = total > keep ? total - keep : 0;
		memmove(p->tail, p->tail + drop, p->tail_len - drop);
		memcpy(p->tail + p->tail_len - drop, chunk, len);
		p->tail_len = total - drop;
	}
	return SMFIS_CONTINUE;
}

static sfsistat ref_eom(SMFICTX *ctx)
{
	static const char prefix[] = "[ref] ";
	struct priv *p = getp(ctx);
	if (p == NULL)
		return SMFIS_TEMPFAIL;
	NOTE(ctx, p, "i");
	if (p->action == ACT_MULTILINE) {
		smfi_setmlreply(ctx, "550", "5.7.1", "first line", "second line",
		                (char *)NULL);
		return SMFIS_REJECT;
	}
	if (p->action == ACT_DISCARD)
		return SMFIS_DISCARD;
	if (p->action == ACT_QUARANTINE)
		smfi_quarantine(ctx, "ref-test");
	if (p->marker)
		smfi_replacebody(ctx, (unsigned char *)"replaced body\r\n", 15);
	if (p->subject != NULL) {
		size_t n = strlen(p->subject);
		char *s = malloc(sizeof(prefix) + n);
		if (s != NULL) {
			memcpy(s, prefix, sizeof(prefix) - 1);
			memcpy(s + sizeof(prefix) - 1, p->subject, n + 1);
			smfi_chgheader(ctx, "Subject", 1, s);
			free(s);
		}
	}
	{
		size_t n = p->mlen;
		char *v = malloc(3 + n + 1);
		if (v != NULL) {
			memcpy(v, "ok ", 3);
			if (n > 0)
				memcpy(v + 3, p->macros, n);
			v[3 + n] = '\0';
			smfi_addheader(ctx, "X-Ref-Milter", v);
			free(v);
		}
	}
	smfi_insheader(ctx, 0, "X-Ref-First", "inserted");
	smfi_addrcpt(ctx, "<bcc@example.net>");
	return p->action == ACT_CONTINUE ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

static sfsistat ref_abort(SMFICTX *ctx)
{
	struct priv *p = smfi_getpriv(ctx);
	if (p != NULL)
		reset(p);
	return SMFIS_CONTINUE;
}

static sfsistat ref_close(SMFICTX *ctx)
{
	struct priv *p = smfi_getpriv(ctx);
	if (p != NULL) {
		smfi_setpriv(ctx, NULL);
		free(p->subject);
		free(p->macros);
		free(p);
	}
	return SMFIS_CONTINUE;
}

#define REF_FLAGS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY \
                   | SMFIF_ADDRCPT | SMFIF_QUARANTINE)

/*
 * Negotiation as pymilter (python3-milter) does it: every protocol step
 * and every reply (no SMFIP_NO* / SMFIP_NR*, no RCPT_REJ / HDR_LEADSPC),
 * plus SMFIP_SKIP when the MTA offers it.  Actions: only REF_FLAGS (pymilter
 * would echo all offered actions back; that difference is deliberate).
 */
static sfsistat ref_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                              unsigned long f2, unsigned long f3,
                              unsigned long *pf0, unsigned long *pf1,
                              unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx; (void)f2; (void)f3;
	*pf0 = f0 & REF_FLAGS;
	*pf1 = f1 & SMFIP_SKIP;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name    = "refmilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags   = REF_FLAGS,
	.xxfi_connect = ref_connect,
	.xxfi_helo    = ref_helo,
	.xxfi_envfrom = ref_envfrom,
	.xxfi_envrcpt = ref_envrcpt,
	.xxfi_header  = ref_header,
	.xxfi_eoh     = ref_eoh,
	.xxfi_body    = ref_body,
	.xxfi_eom     = ref_eom,
	.xxfi_abort   = ref_abort,
	.xxfi_close   = ref_close,
	.xxfi_unknown = ref_unknown,
	.xxfi_data    = ref_data,
	.xxfi_negotiate = ref_negotiate,
};

static int usage(void)
{
	fprintf(stderr, "usage: refmilter [-q] SOCKSPEC   (e.g. inet:9901@127.0.0.1)\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool quiet = false;
	const char *spec = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0)
			quiet = true;
		else if (argv[i][0] == '-' || spec != NULL)
			return usage();
		else
			spec = argv[i];
	}
	if (spec == NULL)
		return usage();
	if (quiet)
		setlogmask(LOG_MASK(LOG_EMERG));   /* libmilter logs via syslog */

	if (smfi_setconn((char *)spec) == MI_FAILURE) {
		fprintf(stderr, "refmilter: bad socket spec %s\n", spec);
		return 1;
	}
	smfi_settimeout(60);
	smfi_setbacklog(1024);
	if (smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "refmilter: smfi_register failed\n");
		return 1;
	}
	if (smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "refmilter: cannot listen on %s\n", spec);
		return 1;
	}
	if (!quiet) {
		fprintf(stderr, "refmilter: listening on %s\n", spec);
		fflush(stderr);
	}
	int rc = smfi_main();
	if (!quiet)
		fprintf(stderr, "refmilter: exiting (%d)\n", rc);
	return rc == MI_SUCCESS ? 0 : 1;
}
