/*
 * access-milter.c - a libmilter milter that decides relay from a Sendmail access source, for
 * bench/compare-product.sh: the C counterpart of `milter run` on the benchmark's traffic.
 *
 * Loads the access source (makemap's input: KEY<ws>VALUE), relay-domains (class R) and local-host-names
 * (class w) into one open-addressing hash table (CIDR blocks keyed by prefix length and network), then
 * decides as Sendmail's check_relay / check_mail / check_rcpt do for what the benchmark sends:
 *   connect  Connect: walk on the client name (domain by domain, or [a.b.c.d] by octet), then on the address
 *            (a.b.c.d, a.b.c, a.b, a with CIDR blocks interleaved longest first); each step tries the tagged key,
 *            then the bare key.  OK/RELAY accept, REJECT/ERROR/DISCARD are kept and delivered at HELO/MAIL/RCPT
 *            (the connect reply is always continue, as Sendmail ignores connect-stage reply text), SKIP stops.
 *   MAIL     From: user@domain, user@, then the domain walk; REJECT/ERROR refuse, DISCARD discards;
 *            an unqualified sender is refused (553 5.5.4).
 *   RCPT     recipient domain in class w, in class R (or a parent domain), To: domain walk RELAY: accepted;
 *            else the client: loopback, Connect: RELAY on its address, [addr] in class w, its name in class w
 *            or R or Connect: RELAY on its name: accepted; else 550 5.7.1 Relaying denied. Proper
 *            authentication required.
 * Not implemented (the benchmark's traffic avoids them): IPv6 clients, QUARANTINE, user+detail, '%' and '!'
 * recipients, FEATURE options, SMTP AUTH, leases, {client_resolve}.  Replies: REJECT = 550 5.7.1 Access denied;
 * ERROR:"550 5.7.1 text" and ERROR:5.7.1:"550 text" as given.  Negotiates connect, HELO, MAIL and RCPT only.
 *
 * Usage: access-milter [-q] SOCKSPEC ACCESS RELAY-DOMAINS LOCAL-HOST-NAMES
 * Build: gcc -O2 -pthread -o access-milter access-milter.c -lmilter
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <libmilter/mfapi.h>

enum act { A_NONE, A_OK, A_RELAY, A_REJECT, A_ERROR, A_DISCARD, A_SKIP, A_QUARANTINE };

struct entry {
	enum act act;
	char code[4];
	char dsn[16];
	char *text;
};

struct slot { char *key; uint32_t hash; struct entry *entry; };

static struct slot *table;
static size_t table_size;       /* power of two */
static size_t table_used;
static int cidr_lengths[33];    /* lengths present, longest first */
static int cidr_count;
static struct entry member = { A_OK, "", "", NULL };   /* value of class w / R members */

static uint32_t fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct entry *find(const char *key, size_t n)
{
	uint32_t h = fnv(key, n);
	for (size_t i = h & (table_size - 1);; i = (i + 1) & (table_size - 1)) {
		struct slot *s = &table[i];
		if (s->key == NULL)
			return NULL;
		if (s->hash == h && strncmp(s->key, key, n) == 0 && s->key[n] == '\0')
			return s->entry;
	}
}

static void grow(void);

static void put(const char *key, struct entry *e)
{
	if ((table_used + 1) * 2 > table_size)
		grow();
	size_t n = strlen(key);
	uint32_t h = fnv(key, n);
	for (size_t i = h & (table_size - 1);; i = (i + 1) & (table_size - 1)) {
		struct slot *s = &table[i];
		if (s->key == NULL) {
			s->key = strdup(key);
			s->hash = h;
			s->entry = e;
			table_used++;
			return;
		}
		if (s->hash == h && strcmp(s->key, key) == 0)
			return;     /* first entry wins, as makemap -d is not used */
	}
}

static void grow(void)
{
	struct slot *old = table;
	size_t old_size = table_size;
	table_size = table_size ? table_size * 2 : 1024;
	table = calloc(table_size, sizeof(*table));
	table_used = 0;
	for (size_t i = 0; i < old_size; i++)
		if (old[i].key != NULL) {
			put(old[i].key, old[i].entry);
			free(old[i].key);
		}
	free(old);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* ERROR:"550 5.7.1 text" | ERROR:5.7.1:"550 text" | ERROR:"550 text" */
static bool parse_error(const char *v, struct entry *e)
{
	const char *q = strchr(v, '"');
	if (q == NULL)
		return false;
	if (q > v && q[-1] == ':' && q - 1 > v) {
		size_t n = (size_t)(q - 1 - v);
		if (n >= sizeof(e->dsn))
			return false;
		memcpy(e->dsn, v, n);
		e->dsn[n] = '\0';
	}
	q++;
	const char *end = strrchr(q, '"');
	if (end == NULL || end - q < 4 || !isdigit((unsigned char)q[0]))
		return false;
	memcpy(e->code, q, 3);
	e->code[3] = '\0';
	const char *t = q + 4;
	if (e->dsn[0] == '\0' && isdigit((unsigned char)t[0]) && t[1] == '.') {
		const char *sp = strchr(t, ' ');
		if (sp == NULL || sp > end || (size_t)(sp - t) >= sizeof(e->dsn))
			return false;
		memcpy(e->dsn, t, (size_t)(sp - t));
		e->dsn[sp - t] = '\0';
		t = sp + 1;
	}
	e->text = strndup(t, (size_t)(end - t));
	return true;
}

static struct entry *parse_value(const char *v)
{
	struct entry *e = calloc(1, sizeof(*e));
	if (strcasecmp(v, "OK") == 0) e->act = A_OK;
	else if (strcasecmp(v, "RELAY") == 0) e->act = A_RELAY;
	else if (strcasecmp(v, "REJECT") == 0) e->act = A_REJECT;
	else if (strcasecmp(v, "DISCARD") == 0) e->act = A_DISCARD;
	else if (strcasecmp(v, "SKIP") == 0) e->act = A_SKIP;
	else if (strncasecmp(v, "QUARANTINE:", 11) == 0) e->act = A_QUARANTINE;
	else if (strncasecmp(v, "ERROR:", 6) == 0 && parse_error(v + 6, e)) e->act = A_ERROR;
	else e->act = A_NONE;
	return e;
}

static void cidr_key(char *out, size_t n, int len, uint32_t net)
{
	snprintf(out, n, "\001c:%d:%08x", len, net);
}

static void add_cidr_length(int len)
{
	for (int i = 0; i < cidr_count; i++)
		if (cidr_lengths[i] == len)
			return;
	int i = cidr_count++;
	while (i > 0 && cidr_lengths[i - 1] < len) {
		cidr_lengths[i] = cidr_lengths[i - 1];
		i--;
	}
	cidr_lengths[i] = len;
}

static int load_access(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[4096];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' || isspace((unsigned char)line[0]))
			continue;
		char *v = line + strcspn(line, " \t");
		if (*v == '\0')
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		lower(line);
		struct entry *e = parse_value(v);
		char *slash = strchr(line, '/');
		struct in_addr a;
		if (strncmp(line, "connect:", 8) == 0 && slash != NULL) {
			*slash = '\0';
			int len = atoi(slash + 1);
			if (len < 0 || len > 32 || inet_pton(AF_INET, line + 8, &a) != 1)
				continue;   /* IPv6 blocks: not used by the benchmark */
			uint32_t net = ntohl(a.s_addr) & (len ? ~0u << (32 - len) : 0);
			char key[48];
			cidr_key(key, sizeof(key), len, net);
			put(key, e);
			add_cidr_length(len);
			continue;
		}
		put(line, e);
	}
	fclose(f);
	return 0;
}

static int load_class(const char *path, char cls)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[1024], key[1100];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n#")] = '\0';
		char *w = line + strspn(line, " \t");
		w[strcspn(w, " \t")] = '\0';
		if (*w == '\0')
			continue;
		lower(w);
		snprintf(key, sizeof(key), "\001%c:%s", cls, w);
		put(key, &member);
	}
	fclose(f);
	return 0;
}

/* ---- walks ---- */

/* "tag:key", then "key" */
static struct entry *pair(char *buf, size_t taglen, size_t n)
{
	struct entry *e = find(buf, n);
	return e != NULL ? e : find(buf + taglen, n - taglen);
}

/* D walk on a domain or an [a.b.c.d] literal */
static struct entry *domain_walk(const char *tag, const char *domain)
{
	char buf[600];
	size_t tl = strlen(tag), dl = strlen(domain);
	if (dl == 0 || tl + dl >= sizeof(buf))
		return NULL;
	if (domain[0] == '[') {
		memcpy(buf, tag, tl);
		memcpy(buf + tl, domain, dl + 1);
		lower(buf + tl);
		size_t end = tl + dl;
		for (;;) {
			struct entry *e = pair(buf, tl, end);
			if (e != NULL)
				return e;
			char *cut = memrchr(buf + tl + 1, '.', end - tl - 2);
			if (cut == NULL)
				return NULL;
			*cut = ']';
			end = (size_t)(cut - buf) + 1;
		}
	}
	char low[600];
	memcpy(low, domain, dl + 1);
	lower(low);
	for (const char *d = low;;) {
		size_t n = strlen(d);
		memcpy(buf, tag, tl);
		memcpy(buf + tl, d, n);
		struct entry *e = pair(buf, tl, tl + n);
		if (e != NULL)
			return e;
		d = strchr(d, '.');
		if (d == NULL)
			return NULL;
		d++;
	}
}

static struct entry *cidr(int len, uint32_t ip)
{
	char key[48];
	cidr_key(key, sizeof(key), len, ip & (len ? ~0u << (32 - len) : 0));
	return find(key, strlen(key));
}

/* A walk on an IPv4 address: octets from the right, CIDR blocks interleaved longest first */
static struct entry *address_walk(const char *addr, uint32_t ip)
{
	char buf[64];
	size_t tl = 8, n = strlen(addr);
	if (n + tl >= sizeof(buf))
		return NULL;
	memcpy(buf, "connect:", tl);
	memcpy(buf + tl, addr, n + 1);
	int level = 32, next = 0;
	size_t end = tl + n;
	struct entry *e;
	for (;;) {
		while (next < cidr_count && cidr_lengths[next] > level)
			if ((e = cidr(cidr_lengths[next++], ip)) != NULL)
				return e;
		if ((e = pair(buf, tl, end)) != NULL)
			return e;
		while (next < cidr_count && cidr_lengths[next] == level)
			if ((e = cidr(cidr_lengths[next++], ip)) != NULL)
				return e;
		char *cut = memrchr(buf + tl, '.', end - tl);
		if (cut == NULL)
			break;
		end = (size_t)(cut - buf);
		level -= 8;
	}
	while (next < cidr_count)
		if ((e = cidr(cidr_lengths[next++], ip)) != NULL)
			return e;
	return NULL;
}

static bool in_class(char cls, const char *name)
{
	char key[600];
	int n = snprintf(key, sizeof(key), "\001%c:%s", cls, name);
	if (n < 0 || (size_t)n >= sizeof(key))
		return false;
	lower(key + 3);
	return find(key, (size_t)n) != NULL;
}

static bool in_class_r(const char *domain)
{
	for (const char *d = domain; d != NULL; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL)
		if (*d != '\0' && in_class('r', d))
			return true;
	return false;
}

/* ---- sessions ---- */

struct conn {
	char addr[64];
	uint32_t ip;
	bool has_ip;
	char name[512];
	struct entry *verdict;          /* connect verdict to deliver (REJECT, ERROR, DISCARD), or NULL */
	struct entry *name_hit, *addr_hit;
	bool name_walked, addr_walked;
};

static struct entry *name_hit(struct conn *c)
{
	if (!c->name_walked) {
		c->name_hit = c->name[0] ? domain_walk("connect:", c->name) : NULL;
		c->name_walked = true;
	}
	return c->name_hit;
}

static struct entry *addr_hit(struct conn *c)
{
	if (!c->addr_walked) {
		c->addr_hit = c->has_ip ? address_walk(c->addr, c->ip) : NULL;
		c->addr_walked = true;
	}
	return c->addr_hit;
}

static sfsistat refuse(SMFICTX *ctx, const struct entry *e)
{
	if (e->act == A_DISCARD)
		return SMFIS_DISCARD;
	if (e->act == A_REJECT) {
		smfi_setreply(ctx, "550", "5.7.1", "Access denied");
		return SMFIS_REJECT;
	}
	smfi_setreply(ctx, (char *)e->code, e->dsn[0] ? (char *)e->dsn : NULL, e->text);
	return e->code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

static bool blocks(const struct entry *e)
{
	return e != NULL && (e->act == A_REJECT || e->act == A_ERROR || e->act == A_DISCARD);
}

static bool is_refusal(const struct entry *e)
{
	return e != NULL && (e->act == A_REJECT || e->act == A_ERROR);
}

static sfsistat am_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			return SMFIS_TEMPFAIL;
		smfi_setpriv(ctx, c);
	}
	memset(c, 0, offsetof(struct conn, name) + 1);
	c->verdict = NULL;
	c->name_walked = c->addr_walked = false;
	if (sa != NULL && sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;
		c->ip = ntohl(in->sin_addr.s_addr);
		c->has_ip = true;
		inet_ntop(AF_INET, &in->sin_addr, c->addr, sizeof(c->addr));
	}
	snprintf(c->name, sizeof(c->name), "%s", hostname != NULL ? hostname : "");
	struct entry *hit = name_hit(c);
	if (hit != NULL && hit->act == A_SKIP)
		hit = NULL;
	if (hit == NULL) {
		hit = addr_hit(c);
		if (hit != NULL && hit->act == A_SKIP)
			hit = NULL;
	}
	c->verdict = blocks(hit) ? hit : NULL;
	return SMFIS_CONTINUE;
}

static sfsistat am_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	struct conn *c = smfi_getpriv(ctx);
	return c != NULL && is_refusal(c->verdict) ? refuse(ctx, c->verdict) : SMFIS_CONTINUE;
}

/* "<user@domain>" -> user, domain (lower-cased copies) */
static bool split_address(const char *arg, char *user, size_t un, char *domain, size_t dn)
{
	const char *s = arg, *e = arg + strlen(arg);
	if (*s == '<')
		s++;
	if (e > s && e[-1] == '>')
		e--;
	const char *at = memrchr(s, '@', (size_t)(e - s));
	if (at == NULL) {
		snprintf(user, un, "%.*s", (int)(e - s), s);
		domain[0] = '\0';
	} else {
		snprintf(user, un, "%.*s", (int)(at - s), s);
		snprintf(domain, dn, "%.*s", (int)(e - at - 1), at + 1);
	}
	lower(user);
	lower(domain);
	return at != NULL;
}

static sfsistat am_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (is_refusal(c->verdict))
		return refuse(ctx, c->verdict);
	const char *from = argv != NULL && argv[0] != NULL ? argv[0] : "";
	if (strcmp(from, "<>") == 0)
		return SMFIS_CONTINUE;
	char user[256], domain[256], key[600];
	bool qualified = split_address(from, user, sizeof(user), domain, sizeof(domain));
	struct entry *hit = NULL;
	if (qualified) {
		int n = snprintf(key, sizeof(key), "from:%s@%s", user, domain);
		hit = pair(key, 5, (size_t)n);
		if (hit == NULL) {
			n = snprintf(key, sizeof(key), "from:%s@", user);
			hit = pair(key, 5, (size_t)n);
		}
		if (hit == NULL)
			hit = domain_walk("from:", domain);
	}
	if (hit != NULL && hit->act != A_SKIP) {
		if (blocks(hit))
			return refuse(ctx, hit);
	} else if (!qualified) {
		char text[300];
		snprintf(text, sizeof(text), "Domain name required for sender address %s", user);
		smfi_setreply(ctx, "553", "5.5.4", text);
		return SMFIS_REJECT;
	}
	return c->verdict != NULL ? refuse(ctx, c->verdict) : SMFIS_CONTINUE;
}

static sfsistat relay_denied(SMFICTX *ctx)
{
	smfi_setreply(ctx, "550", "5.7.1", "Relaying denied. Proper authentication required.");
	return SMFIS_REJECT;
}

static sfsistat am_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (is_refusal(c->verdict))
		return refuse(ctx, c->verdict);
	char user[256], domain[256], literal[80];
	if (!split_address(argv != NULL && argv[0] != NULL ? argv[0] : "", user, sizeof(user), domain, sizeof(domain)))
		return SMFIS_CONTINUE;                      /* unqualified: a local user */
	if (in_class('w', domain) || in_class_r(domain))
		return SMFIS_CONTINUE;
	struct entry *to = domain_walk("to:", domain);
	if (to != NULL && to->act == A_RELAY)
		return SMFIS_CONTINUE;
	if (c->has_ip && (c->ip >> 24) == 127)
		return SMFIS_CONTINUE;                      /* originated locally */
	struct entry *a = addr_hit(c);
	if (a != NULL && a->act == A_RELAY)
		return SMFIS_CONTINUE;
	snprintf(literal, sizeof(literal), "[%s]", c->addr);
	if (c->has_ip && in_class('w', literal))
		return SMFIS_CONTINUE;
	if (c->name[0] != '\0' && c->name[0] != '[') {
		if (in_class('w', c->name) || in_class_r(c->name))
			return SMFIS_CONTINUE;
		struct entry *n = name_hit(c);
		if (n != NULL && n->act == A_RELAY)
			return SMFIS_CONTINUE;
	}
	return relay_denied(ctx);
}

static sfsistat am_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c != NULL) {
		smfi_setpriv(ctx, NULL);
		free(c);
	}
	return SMFIS_CONTINUE;
}

/* Connect, HELO, MAIL and RCPT only, as `milter run` negotiates: no DATA, headers, body or UNKNOWN. */
static sfsistat am_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx; (void)f0; (void)f2; (void)f3;
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "access-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = 0,
	.xxfi_connect = am_connect,
	.xxfi_helo = am_helo,
	.xxfi_envfrom = am_envfrom,
	.xxfi_envrcpt = am_envrcpt,
	.xxfi_close = am_close,
	.xxfi_negotiate = am_negotiate,
};

int main(int argc, char **argv)
{
	int i = 1;
	bool quiet = false;
	if (i < argc && strcmp(argv[i], "-q") == 0) {
		quiet = true;
		i++;
	}
	if (argc - i != 4) {
		fprintf(stderr, "usage: access-milter [-q] SOCKSPEC ACCESS RELAY-DOMAINS LOCAL-HOST-NAMES\n");
		return 2;
	}
	grow();
	if (load_access(argv[i + 1]) != 0 || load_class(argv[i + 2], 'r') != 0 || load_class(argv[i + 3], 'w') != 0) {
		perror("access-milter: cannot read a rule file");
		return 1;
	}
	if (quiet)
		setlogmask(LOG_MASK(LOG_EMERG));
	if (smfi_setconn(argv[i]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "access-milter: bad socket spec %s\n", argv[i]);
		return 1;
	}
	smfi_settimeout(60);
	smfi_setbacklog(1024);
	if (smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "access-milter: cannot listen on %s\n", argv[i]);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "access-milter: %zu keys, %d CIDR lengths; listening on %s\n", table_used, cidr_count, argv[i]);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
