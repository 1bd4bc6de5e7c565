/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recipes: the ordered operations that made a label volume, parsed from command-line tokens or a
 * recipe file, run in order, and written in one canonical form (sorted-key JSON, fixed decimals,
 * no locale, time, host or path) that the store records and replays. Numbers are parsed and
 * printed as integer millionths by hand, so neither strtod nor printf's locale can change a byte,
 * and a value is rounded once, when parsed: the run uses exactly what the record says.
 */
#include "seg_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define MICRO 1000000LL
#define MAX_MAGNITUDE 1000000000LL /* |value| <= 1e9 */

typedef enum op_kind {
    OP_GAUSSIAN,
    OP_MEDIAN,
    OP_THRESHOLD,
    OP_PRESET,
    OP_OTSU,
    OP_GROW,
    OP_CONFIDENCE,
    OP_KEEP_LARGEST,
    OP_KEEP_N,
    OP_KEEP_SEEDED,
    OP_REMOVE_ISLANDS,
    OP_LABEL_COMPONENTS,
    OP_DILATE,
    OP_ERODE,
    OP_OPEN,
    OP_CLOSE,
    OP_SMOOTH,
    OP_FILL,
    OP_FILL2D,
    OP_HOLLOW,
    OP_CROP,
    OP_PAINT_SPHERE,
    OP_ERASE_SPHERE,
    OP_PAINT_BOX,
    OP_ERASE_BOX,
    OP_PUSH,
    OP_UNION,
    OP_INTERSECT,
    OP_SUBTRACT,
    OP_INVERT,
    OP_LABEL,
    /* settings: change the recipe state, not recorded as operations */
    SET_SEED,
    SET_SEED_VOX,
    SET_CLEAR_SEEDS,
    SET_CONNECTIVITY
} op_kind;

/* Argument kinds: n number, i integer, p point "x,y,z", w word. */
typedef struct op_def {
    const char *name;
    op_kind kind;
    const char *args;  /* one character per argument */
    const char *usage; /* argument names for messages */
    int conn_default;  /* 0: no connectivity; else the default */
    int seeds;         /* uses the seeds */
} op_def;

static const op_def defs[] = {
    {"gaussian", OP_GAUSSIAN, "n", "SIGMA_MM", 0, 0},
    {"median", OP_MEDIAN, "i", "RADIUS_VOX", 0, 0},
    {"threshold", OP_THRESHOLD, "nn", "LO HI", 0, 0},
    {"preset", OP_PRESET, "w", "NAME", 0, 0},
    {"otsu", OP_OTSU, "", "", 0, 0},
    {"grow", OP_GROW, "nn", "LO HI", 6, 1},
    {"confidence", OP_CONFIDENCE, "ni", "K ITERATIONS", 6, 1},
    {"keep-largest", OP_KEEP_LARGEST, "", "", 26, 0},
    {"keep", OP_KEEP_N, "i", "N", 26, 0},
    {"keep-seeded", OP_KEEP_SEEDED, "", "", 26, 1},
    {"remove-islands", OP_REMOVE_ISLANDS, "n", "MM3", 26, 0},
    {"label-components", OP_LABEL_COMPONENTS, "", "", 26, 0},
    {"dilate", OP_DILATE, "n", "RADIUS_MM", 0, 0},
    {"erode", OP_ERODE, "n", "RADIUS_MM", 0, 0},
    {"open", OP_OPEN, "n", "RADIUS_MM", 0, 0},
    {"close", OP_CLOSE, "n", "RADIUS_MM", 0, 0},
    {"smooth", OP_SMOOTH, "n", "SIGMA_MM", 0, 0},
    {"fill-holes", OP_FILL, "", "", 0, 0},
    {"fill-holes-2d", OP_FILL2D, "", "", 0, 0},
    {"hollow", OP_HOLLOW, "nw", "THICKNESS_MM inside|outside|medial", 0, 0},
    {"crop", OP_CROP, "pp", "X0,Y0,Z0 X1,Y1,Z1", 0, 0},
    {"paint-sphere", OP_PAINT_SPHERE, "pn", "X,Y,Z RADIUS_MM", 0, 0},
    {"erase-sphere", OP_ERASE_SPHERE, "pn", "X,Y,Z RADIUS_MM", 0, 0},
    {"paint-box", OP_PAINT_BOX, "pp", "X0,Y0,Z0 X1,Y1,Z1", 0, 0},
    {"erase-box", OP_ERASE_BOX, "pp", "X0,Y0,Z0 X1,Y1,Z1", 0, 0},
    {"push", OP_PUSH, "", "", 0, 0},
    {"union", OP_UNION, "", "", 0, 0},
    {"intersect", OP_INTERSECT, "", "", 0, 0},
    {"subtract", OP_SUBTRACT, "", "", 0, 0},
    {"invert", OP_INVERT, "", "", 0, 0},
    {"label", OP_LABEL, "iw", "VALUE NAME[:RRGGBB]", 0, 0},
    {"seed", SET_SEED, "p", "X,Y,Z", 0, 0},
    {"seed-vox", SET_SEED_VOX, "p", "I,J,K", 0, 0},
    {"clear-seeds", SET_CLEAR_SEEDS, "", "", 0, 0},
    {"connectivity", SET_CONNECTIVITY, "i", "6|18|26", 0, 0},
};

#define N_DEFS (sizeof defs / sizeof defs[0])

typedef struct rseed {
    int64_t pos[3]; /* micro */
    tmesh_seg_frame frame;
} rseed;

typedef struct seg_op {
    const op_def *def;
    int64_t v[6]; /* numeric arguments in micro units (points expanded) */
    char word[TMESH_SEG_LABEL_NAME_MAX];
    int connectivity;  /* resolved, for ops that use it */
    size_t seed_first; /* the op's seeds: recipe seeds [seed_first, seed_first + n_seeds) */
    size_t n_seeds;
    double lo, hi; /* preset range */
    uint8_t rgb[3];
    int has_rgb;
} seg_op;

struct tmesh_seg_recipe {
    seg_op *ops;
    size_t n_ops, cap_ops;
    rseed *seeds;
    size_t n_seeds, cap_seeds;
    size_t active; /* seeds [active, n_seeds) are the ones the next operation uses */
    int conn;      /* 0: not set */
};

/* ---- numbers ---- */

/* Parse a plain decimal ([+-]digits[.digits]) into millionths, rounding half away from zero. */
static int parse_micro(const char *s, int64_t *out)
{
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    int64_t ip = 0, fp = 0;
    int digits = 0, fd = 0, round_up = 0;
    while (*s >= '0' && *s <= '9') {
        ip = ip * 10 + (*s - '0');
        if (ip > MAX_MAGNITUDE)
            return -2;
        s++;
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            if (fd < 6)
                fp = fp * 10 + (*s - '0');
            else if (fd == 6)
                round_up = *s >= '5';
            fd++;
            digits++;
            s++;
        }
    }
    if (digits == 0 || *s != '\0')
        return -1;
    for (int t = fd; t < 6; t++)
        fp *= 10;
    int64_t m = ip * MICRO + fp + round_up;
    if (m > MAX_MAGNITUDE * MICRO)
        return -2;
    *out = neg ? -m : m;
    return 0;
}

/* Plain decimal of a micro value: "-200", "1.5", "0.000001". */
static void fmt_micro(char *buf, size_t len, int64_t m)
{
    uint64_t a = m < 0 ? (uint64_t)(-m) : (uint64_t)m;
    uint64_t ip = a / (uint64_t)MICRO, fp = a % (uint64_t)MICRO;
    if (fp == 0) {
        snprintf(buf, len, "%s%llu", m < 0 ? "-" : "", (unsigned long long)ip);
        return;
    }
    char frac[8];
    snprintf(frac, sizeof frac, "%06llu", (unsigned long long)fp);
    size_t e = 6;
    while (e > 0 && frac[e - 1] == '0')
        frac[--e] = '\0';
    snprintf(buf, len, "%s%llu.%s", m < 0 ? "-" : "", (unsigned long long)ip, frac);
}

static double micro_to_double(int64_t m)
{
    return (double)m / (double)MICRO;
}

/* ---- growable text ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (np == NULL) {
            b->failed = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_micro(sbuf *b, int64_t m)
{
    char t[48];
    fmt_micro(t, sizeof t, m);
    sb_str(b, t);
}

/* ---- recipe lifecycle ---- */

tmesh_status tmesh_seg_recipe_new(tmesh_seg_recipe **out, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL);
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a recipe");
    return TMESH_OK;
}

void tmesh_seg_recipe_free(tmesh_seg_recipe *recipe)
{
    if (recipe == NULL)
        return;
    free(recipe->ops);
    free(recipe->seeds);
    free(recipe);
}

size_t tmesh_seg_recipe_count(const tmesh_seg_recipe *recipe)
{
    return recipe->n_ops;
}

/* ---- parsing ---- */

static const op_def *find_def(const char *name)
{
    for (size_t i = 0; i < N_DEFS; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse one operation; `where` prefixes messages ("command line: token 3"). */
static tmesh_status parse_op(tmesh_seg_recipe *r, const op_def *d, const char *const *args,
                             const char *where, tmesh_error *err)
{
    seg_op op;
    memset(&op, 0, sizeof op);
    op.def = d;
    int nv = 0;
    for (int a = 0; d->args[a]; a++) {
        const char *s = args[a];
        char kind = d->args[a];
        if (kind == 'w') {
            if (strlen(s) >= sizeof op.word + 8)
                return tmesh_error_set(err, TMESH_E_ARG, "%s (%s): argument '%.40s...' is too long",
                                       where, d->name, s);
            continue; /* handled per operation below */
        }
        if (kind == 'p') {
            char part[3][64];
            const char *c = s;
            for (int x = 0; x < 3; x++) {
                const char *e = strchr(c, ',');
                size_t len = x < 2 ? (e ? (size_t)(e - c) : (size_t)-1) : strlen(c);
                if (len == (size_t)-1 || len >= sizeof part[x] || (x == 2 && strchr(c, ',')))
                    return tmesh_error_set(err, TMESH_E_ARG,
                                           "%s (%s): point '%s' must be three numbers X,Y,Z", where,
                                           d->name, s);
                memcpy(part[x], c, len);
                part[x][len] = '\0';
                if (parse_micro(part[x], &op.v[nv++]) != 0)
                    return tmesh_error_set(err, TMESH_E_ARG,
                                           "%s (%s): point '%s' must be three numbers X,Y,Z", where,
                                           d->name, s);
                c = e ? e + 1 : c + len;
            }
            continue;
        }
        int rc = parse_micro(s, &op.v[nv]);
        if (rc == -2)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "%s (%s): value '%s' is out of range (|v| <= 1e9)", where,
                                   d->name, s);
        if (rc != 0)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "%s (%s): '%s' is not a plain decimal number (like -200 or 1.5)",
                                   where, d->name, s);
        if (kind == 'i' && op.v[nv] % MICRO != 0)
            return tmesh_error_set(err, TMESH_E_ARG, "%s (%s): '%s' must be a whole number", where,
                                   d->name, s);
        nv++;
    }
    double x0 = micro_to_double(op.v[0]), x1 = micro_to_double(op.v[1]);
#define RANGE(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return tmesh_error_set(err, TMESH_E_ARG, __VA_ARGS__);                                 \
    } while (0)
    switch (d->kind) {
    case OP_GAUSSIAN:
        RANGE(x0 > 0 && x0 <= 100, "%s (gaussian): sigma %s mm must be in (0, 100]", where,
              args[0]);
        break;
    case OP_MEDIAN:
        RANGE(x0 >= 1 && x0 <= 5, "%s (median): radius %s must be 1 to 5 voxels", where, args[0]);
        break;
    case OP_THRESHOLD:
    case OP_GROW:
        RANGE(op.v[0] <= op.v[1], "%s (%s): lower %s is above upper %s", where, d->name, args[0],
              args[1]);
        break;
    case OP_PRESET: {
        const tmesh_seg_preset *p = NULL;
        tmesh_error e = TMESH_ERROR_INIT;
        if (tmesh_seg_preset_find(&p, args[0], &e) != TMESH_OK)
            return tmesh_error_set(err, TMESH_E_ARG, "%s (preset): %s", where, e.msg);
        snprintf(op.word, sizeof op.word, "%s", p->name);
        op.lo = p->lower;
        op.hi = p->upper;
        memcpy(op.rgb, p->rgb, 3);
        op.has_rgb = 1;
        break;
    }
    case OP_CONFIDENCE:
        RANGE(x0 > 0 && x0 <= 100, "%s (confidence): multiplier %s must be in (0, 100]", where,
              args[0]);
        RANGE(x1 >= 0 && x1 <= 100, "%s (confidence): iterations %s must be 0 to 100", where,
              args[1]);
        break;
    case OP_KEEP_N:
        RANGE(x0 >= 1, "%s (keep): N %s must be at least 1", where, args[0]);
        break;
    case OP_REMOVE_ISLANDS:
        RANGE(x0 >= 0, "%s (remove-islands): volume %s mm^3 must be >= 0", where, args[0]);
        break;
    case OP_DILATE:
    case OP_ERODE:
    case OP_OPEN:
    case OP_CLOSE:
        RANGE(x0 >= 0 && x0 <= 1000, "%s (%s): radius %s mm must be in [0, 1000]", where, d->name,
              args[0]);
        break;
    case OP_SMOOTH:
        RANGE(x0 > 0 && x0 <= 100, "%s (smooth): sigma %s mm must be in (0, 100]", where, args[0]);
        break;
    case OP_HOLLOW:
        RANGE(x0 > 0 && x0 <= 1000, "%s (hollow): thickness %s mm must be in (0, 1000]", where,
              args[0]);
        RANGE(strcmp(args[1], "inside") == 0 || strcmp(args[1], "outside") == 0 ||
                  strcmp(args[1], "medial") == 0,
              "%s (hollow): side '%s' must be inside, outside or medial", where, args[1]);
        snprintf(op.word, sizeof op.word, "%s", args[1]);
        break;
    case OP_CROP:
    case OP_PAINT_BOX:
    case OP_ERASE_BOX:
        for (int a = 0; a < 3; a++) /* store as min corner, max corner */
            if (op.v[a] > op.v[3 + a]) {
                int64_t t = op.v[a];
                op.v[a] = op.v[3 + a];
                op.v[3 + a] = t;
            }
        break;
    case OP_PAINT_SPHERE:
    case OP_ERASE_SPHERE:
        RANGE(op.v[3] >= 0, "%s (%s): radius %s mm must be >= 0", where, d->name, args[1]);
        break;
    case OP_LABEL: {
        RANGE(x0 >= 1 && x0 <= 65535, "%s (label): value %s must be 1 to 65535", where, args[0]);
        const char *colon = strchr(args[1], ':');
        size_t nl = colon ? (size_t)(colon - args[1]) : strlen(args[1]);
        RANGE(nl > 0 && nl < sizeof op.word, "%s (label): name '%s' must be 1 to %d characters",
              where, args[1], TMESH_SEG_LABEL_NAME_MAX - 1);
        memcpy(op.word, args[1], nl);
        op.word[nl] = '\0';
        for (size_t c = 0; c < nl; c++) {
            unsigned char ch = (unsigned char)op.word[c];
            RANGE(ch > 0x20 && ch <= 0x7e && ch != '"' && ch != '\\' && ch != '#',
                  "%s (label): name '%s' must be printable ASCII without spaces, '\"', '\\' "
                  "or '#'",
                  where, op.word);
        }
        if (colon) {
            const char *h = colon + 1;
            RANGE(strlen(h) == 6, "%s (label): colour '%s' must be 6 hex digits RRGGBB", where, h);
            for (int c = 0; c < 3; c++) {
                int hi = hexval(h[2 * c]), lo = hexval(h[2 * c + 1]);
                RANGE(hi >= 0 && lo >= 0, "%s (label): colour '%s' must be 6 hex digits RRGGBB",
                      where, h);
                op.rgb[c] = (uint8_t)(hi * 16 + lo);
            }
            op.has_rgb = 1;
        }
        break;
    }
    case SET_CONNECTIVITY:
        RANGE(x0 == 6 || x0 == 18 || x0 == 26, "%s (connectivity): %s must be 6, 18 or 26", where,
              args[0]);
        r->conn = (int)x0;
        return TMESH_OK;
    case SET_SEED:
    case SET_SEED_VOX: {
        if (r->n_seeds == r->cap_seeds) {
            size_t nc = r->cap_seeds ? 2 * r->cap_seeds : 8;
            rseed *ns = realloc(r->seeds, nc * sizeof *ns);
            if (ns == NULL)
                return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for seeds");
            r->seeds = ns;
            r->cap_seeds = nc;
        }
        rseed *sd = &r->seeds[r->n_seeds++];
        memcpy(sd->pos, op.v, sizeof sd->pos);
        sd->frame = d->kind == SET_SEED ? TMESH_SEG_FRAME_LPS : TMESH_SEG_FRAME_VOXEL;
        return TMESH_OK;
    }
    case SET_CLEAR_SEEDS:
        r->active = r->n_seeds;
        return TMESH_OK;
    default:
        break;
    }
#undef RANGE
    if (d->seeds) {
        if (r->n_seeds == r->active)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "%s (%s): needs a seed before it (seed X,Y,Z or seed-vox I,J,K)",
                                   where, d->name);
        op.seed_first = r->active;
        op.n_seeds = r->n_seeds - r->active;
    }
    if (d->conn_default)
        op.connectivity = r->conn ? r->conn : d->conn_default;
    if (r->n_ops == r->cap_ops) {
        size_t nc = r->cap_ops ? 2 * r->cap_ops : 16;
        seg_op *no = realloc(r->ops, nc * sizeof *no);
        if (no == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for recipe operations");
        r->ops = no;
        r->cap_ops = nc;
    }
    r->ops[r->n_ops++] = op;
    return TMESH_OK;
}

static int count_args(const char *spec)
{
    return (int)strlen(spec);
}

tmesh_status tmesh_seg_recipe_parse_args(tmesh_seg_recipe *recipe, size_t n_tokens,
                                         const char *const *tokens, const char *source,
                                         tmesh_error *err)
{
    TMESH_ASSERT(recipe != NULL && (tokens != NULL || n_tokens == 0));
    if (source == NULL)
        source = "arguments";
    size_t keep_ops = recipe->n_ops, keep_seeds = recipe->n_seeds, keep_active = recipe->active;
    int keep_conn = recipe->conn;
    tmesh_status st = TMESH_OK;
    for (size_t t = 0; t < n_tokens && st == TMESH_OK;) {
        const char *tok = tokens[t];
        char where[200];
        snprintf(where, sizeof where, "%s: argument %zu", source, t + 1);
        if (strncmp(tok, "--", 2) != 0) {
            st = tmesh_error_set(err, TMESH_E_ARG,
                                 "%s: expected an operation such as --preset, found '%.60s'", where,
                                 tok);
            break;
        }
        const op_def *d = find_def(tok + 2);
        if (d == NULL) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s: unknown operation '%.60s'", where, tok);
            break;
        }
        int na = count_args(d->args);
        int have = 0;
        while (have < na && t + 1 + (size_t)have < n_tokens &&
               strncmp(tokens[t + 1 + (size_t)have], "--", 2) != 0)
            have++;
        if (have < na) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s (%s): needs %d argument%s (%s), found %d",
                                 where, d->name, na, na == 1 ? "" : "s", d->usage, have);
            break;
        }
        st = parse_op(recipe, d, tokens + t + 1, where, err);
        t += 1 + (size_t)na;
    }
    if (st != TMESH_OK) {
        recipe->n_ops = keep_ops;
        recipe->n_seeds = keep_seeds;
        recipe->active = keep_active;
        recipe->conn = keep_conn;
    }
    return st;
}

tmesh_status tmesh_seg_recipe_parse_text(tmesh_seg_recipe *recipe, const char *text,
                                         const char *source, tmesh_error *err)
{
    TMESH_ASSERT(recipe != NULL && text != NULL);
    if (source == NULL)
        source = "recipe";
    size_t keep_ops = recipe->n_ops, keep_seeds = recipe->n_seeds, keep_active = recipe->active;
    int keep_conn = recipe->conn;
    tmesh_status st = TMESH_OK;
    size_t line_no = 0;
    const char *p = text;
    while (*p && st == TMESH_OK) {
        line_no++;
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char line[1024];
        char where[300];
        snprintf(where, sizeof where, "%s:%zu", source, line_no);
        if (len >= sizeof line) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s: line is longer than %zu characters", where,
                                 sizeof line - 1);
            break;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p = e ? e + 1 : p + len;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *tok[16];
        int nt = 0;
        for (char *c = line; *c;) {
            while (*c && isspace((unsigned char)*c))
                *c++ = '\0';
            if (!*c)
                break;
            if (nt == 16) {
                nt = 17;
                break;
            }
            tok[nt++] = c;
            while (*c && !isspace((unsigned char)*c))
                c++;
        }
        if (nt == 0)
            continue;
        if (nt > 16) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s: too many words on one line", where);
            break;
        }
        const char *name = tok[0];
        if (strncmp(name, "--", 2) == 0)
            name += 2;
        const op_def *d = find_def(name);
        if (d == NULL) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s: unknown operation '%.60s'", where, tok[0]);
            break;
        }
        int na = count_args(d->args);
        if (nt - 1 != na) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s (%s): needs %d argument%s (%s), found %d",
                                 where, d->name, na, na == 1 ? "" : "s", d->usage, nt - 1);
            break;
        }
        st = parse_op(recipe, d, (const char *const *)tok + 1, where, err);
    }
    if (st != TMESH_OK) {
        recipe->n_ops = keep_ops;
        recipe->n_seeds = keep_seeds;
        recipe->active = keep_active;
        recipe->conn = keep_conn;
    }
    return st;
}

tmesh_status tmesh_seg_recipe_load(tmesh_seg_recipe *recipe, const char *path, tmesh_error *err)
{
    TMESH_ASSERT(recipe != NULL && path != NULL);
    uint8_t *data = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_fs_read_all(path, &data, &len, err);
    if (st != TMESH_OK)
        return st;
    if (strlen((const char *)data) != len) {
        free(data);
        return tmesh_error_set(err, TMESH_E_ARG, "%s: recipe holds a NUL byte", path);
    }
    st = tmesh_seg_recipe_parse_text(recipe, (const char *)data, path, err);
    free(data);
    return st;
}

/* ---- canonical record ---- */

typedef struct kv {
    const char *key;
    sbuf val;
} kv;

static int kv_cmp(const void *pa, const void *pb)
{
    return strcmp(((const kv *)pa)->key, ((const kv *)pb)->key);
}

static sbuf *kv_add(kv *list, int *n, const char *key)
{
    memset(&list[*n], 0, sizeof list[*n]);
    list[*n].key = key;
    return &list[(*n)++].val;
}

static void sb_point(sbuf *b, const int64_t *v)
{
    sb_str(b, "[");
    for (int a = 0; a < 3; a++) {
        if (a)
            sb_str(b, ",");
        sb_micro(b, v[a]);
    }
    sb_str(b, "]");
}

static void emit_op_json(sbuf *out, const tmesh_seg_recipe *r, const seg_op *op)
{
    kv list[8];
    int n = 0;
    sbuf *b = kv_add(list, &n, "op");
    sb_str(b, "\"");
    sb_str(b, op->def->name);
    sb_str(b, "\"");
    switch (op->def->kind) {
    case OP_GAUSSIAN:
        sb_micro(kv_add(list, &n, "sigma_mm"), op->v[0]);
        break;
    case OP_MEDIAN:
        sb_micro(kv_add(list, &n, "radius_vox"), op->v[0]);
        break;
    case OP_THRESHOLD:
    case OP_GROW:
        sb_micro(kv_add(list, &n, "lower"), op->v[0]);
        sb_micro(kv_add(list, &n, "upper"), op->v[1]);
        break;
    case OP_PRESET: {
        /* the range is recorded too, so the record stands even if a preset is retuned */
        sb_micro(kv_add(list, &n, "lower"), (int64_t)llround(op->lo * MICRO));
        sb_micro(kv_add(list, &n, "upper"), (int64_t)llround(op->hi * MICRO));
        b = kv_add(list, &n, "name");
        sb_str(b, "\"");
        sb_str(b, op->word);
        sb_str(b, "\"");
        break;
    }
    case OP_OTSU:
        sb_str(kv_add(list, &n, "bins"), "256");
        break;
    case OP_CONFIDENCE:
        sb_micro(kv_add(list, &n, "multiplier"), op->v[0]);
        sb_micro(kv_add(list, &n, "iterations"), op->v[1]);
        sb_str(kv_add(list, &n, "radius_vox"), "1");
        break;
    case OP_KEEP_N:
        sb_micro(kv_add(list, &n, "n"), op->v[0]);
        break;
    case OP_REMOVE_ISLANDS:
        sb_micro(kv_add(list, &n, "min_volume_mm3"), op->v[0]);
        break;
    case OP_DILATE:
    case OP_ERODE:
    case OP_OPEN:
    case OP_CLOSE:
        sb_micro(kv_add(list, &n, "radius_mm"), op->v[0]);
        break;
    case OP_SMOOTH:
        sb_micro(kv_add(list, &n, "sigma_mm"), op->v[0]);
        break;
    case OP_HOLLOW:
        sb_micro(kv_add(list, &n, "thickness_mm"), op->v[0]);
        b = kv_add(list, &n, "side");
        sb_str(b, "\"");
        sb_str(b, op->word);
        sb_str(b, "\"");
        break;
    case OP_CROP:
    case OP_PAINT_BOX:
    case OP_ERASE_BOX:
        sb_point(kv_add(list, &n, "min_lps"), op->v);
        sb_point(kv_add(list, &n, "max_lps"), op->v + 3);
        break;
    case OP_PAINT_SPHERE:
    case OP_ERASE_SPHERE:
        sb_point(kv_add(list, &n, "center_lps"), op->v);
        sb_micro(kv_add(list, &n, "radius_mm"), op->v[3]);
        break;
    case OP_LABEL: {
        sb_micro(kv_add(list, &n, "value"), op->v[0]);
        b = kv_add(list, &n, "name");
        sb_str(b, "\"");
        sb_str(b, op->word);
        sb_str(b, "\"");
        uint8_t rgb[3];
        if (op->has_rgb)
            memcpy(rgb, op->rgb, 3);
        else
            tmesh_seg__default_rgb((uint16_t)(op->v[0] / MICRO), rgb);
        char hex[16];
        snprintf(hex, sizeof hex, "\"%02x%02x%02x\"", rgb[0], rgb[1], rgb[2]);
        sb_str(kv_add(list, &n, "color"), hex);
        break;
    }
    default:
        break;
    }
    if (op->def->conn_default) {
        char c[8];
        snprintf(c, sizeof c, "%d", op->connectivity);
        sb_str(kv_add(list, &n, "connectivity"), c);
    }
    if (op->def->seeds) {
        b = kv_add(list, &n, "seeds");
        sb_str(b, "[");
        for (size_t s = 0; s < op->n_seeds; s++) {
            const rseed *sd = &r->seeds[op->seed_first + s];
            if (s)
                sb_str(b, ",");
            sb_str(b, sd->frame == TMESH_SEG_FRAME_LPS ? "{\"frame\":\"lps\",\"pos\":"
                                                       : "{\"frame\":\"voxel\",\"pos\":");
            sb_point(b, sd->pos);
            sb_str(b, "}");
        }
        sb_str(b, "]");
    }
    qsort(list, (size_t)n, sizeof list[0], kv_cmp);
    sb_str(out, "{");
    for (int i = 0; i < n; i++) {
        if (i)
            sb_str(out, ",");
        sb_str(out, "\"");
        sb_str(out, list[i].key);
        sb_str(out, "\":");
        if (list[i].val.failed)
            out->failed = 1;
        else if (list[i].val.p)
            sb_str(out, list[i].val.p);
        free(list[i].val.p);
    }
    sb_str(out, "}");
}

tmesh_status tmesh_seg_recipe_canonical(char **out, const tmesh_seg_recipe *recipe,
                                        tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && recipe != NULL);
    *out = NULL;
    sbuf b = {0};
    sb_str(&b, "{\"format\":\"tracemesh.segment.recipe\",\"ops\":[");
    for (size_t i = 0; i < recipe->n_ops; i++) {
        if (i)
            sb_str(&b, ",");
        emit_op_json(&b, recipe, &recipe->ops[i]);
    }
    sb_str(&b, "],\"version\":1}");
    if (b.failed) {
        free(b.p);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for a recipe record");
    }
    *out = b.p;
    return TMESH_OK;
}

static int seed_equal(const rseed *a, const rseed *b)
{
    return a->frame == b->frame && a->pos[0] == b->pos[0] && a->pos[1] == b->pos[1] &&
           a->pos[2] == b->pos[2];
}

tmesh_status tmesh_seg_recipe_text(char **out, const tmesh_seg_recipe *recipe, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && recipe != NULL);
    *out = NULL;
    sbuf b = {0};
    /* the seeds a re-parse would hold: recipe seeds [emit_first, emit_first + emit_n) */
    size_t emit_first = 0, emit_n = 0;
    int conn = 0;
    for (size_t i = 0; i < recipe->n_ops; i++) {
        const seg_op *op = &recipe->ops[i];
        const op_def *d = op->def;
        if (d->seeds) {
            /* keep the seeds emitted so far when they start this op's list, else start over */
            size_t same = 0;
            while (same < emit_n && same < op->n_seeds &&
                   seed_equal(&recipe->seeds[emit_first + same],
                              &recipe->seeds[op->seed_first + same]))
                same++;
            if (same < emit_n) {
                if (emit_n > 0)
                    sb_str(&b, "clear-seeds\n");
                same = 0;
            }
            for (size_t t = same; t < op->n_seeds; t++) {
                const rseed *sd = &recipe->seeds[op->seed_first + t];
                sb_str(&b, sd->frame == TMESH_SEG_FRAME_LPS ? "seed " : "seed-vox ");
                for (int a = 0; a < 3; a++) {
                    if (a)
                        sb_str(&b, ",");
                    sb_micro(&b, sd->pos[a]);
                }
                sb_str(&b, "\n");
            }
            emit_first = op->seed_first;
            emit_n = op->n_seeds;
        }
        if (d->conn_default && (conn ? conn : d->conn_default) != op->connectivity) {
            char c[32];
            snprintf(c, sizeof c, "connectivity %d\n", op->connectivity);
            sb_str(&b, c);
            conn = op->connectivity;
        }
        sb_str(&b, d->name);
        switch (d->kind) {
        case OP_PRESET:
            sb_str(&b, " ");
            sb_str(&b, op->word);
            break;
        case OP_HOLLOW:
            sb_str(&b, " ");
            sb_micro(&b, op->v[0]);
            sb_str(&b, " ");
            sb_str(&b, op->word);
            break;
        case OP_LABEL: {
            sb_str(&b, " ");
            sb_micro(&b, op->v[0]);
            sb_str(&b, " ");
            sb_str(&b, op->word);
            if (op->has_rgb) {
                char hex[16];
                snprintf(hex, sizeof hex, ":%02x%02x%02x", op->rgb[0], op->rgb[1], op->rgb[2]);
                sb_str(&b, hex);
            }
            break;
        }
        default: {
            int nv = 0;
            for (int a = 0; d->args[a]; a++) {
                sb_str(&b, " ");
                int cnt = d->args[a] == 'p' ? 3 : 1;
                for (int x = 0; x < cnt; x++) {
                    if (x)
                        sb_str(&b, ",");
                    sb_micro(&b, op->v[nv++]);
                }
            }
            break;
        }
        }
        sb_str(&b, "\n");
    }
    if (b.p == NULL && !b.failed)
        sb_str(&b, "");
    if (b.failed) {
        free(b.p);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for recipe text");
    }
    *out = b.p;
    return TMESH_OK;
}

/* ---- running ---- */

typedef struct run_state {
    const tmesh_volume *image; /* current intensity volume (borrowed or `owned_image`) */
    tmesh_volume *owned_image;
    tmesh_volume *mask;
    tmesh_volume **stack;
    size_t n_stack, cap_stack;
    tmesh_volume *labels; /* output of "label" operations */
    tmesh_seg_labels table;
    char name[TMESH_SEG_LABEL_NAME_MAX];
    uint8_t rgb[3];
    int has_rgb;
    int components; /* the mask is the U16 result of label-components */
} run_state;

static void set_mask(run_state *s, tmesh_volume *m)
{
    tmesh_volume_free(s->mask);
    s->mask = m;
    s->components = 0;
}

static void set_image(run_state *s, tmesh_volume *img)
{
    tmesh_volume_free(s->owned_image);
    s->owned_image = img;
    s->image = img;
}

static tmesh_status run_op(run_state *s, const tmesh_seg_recipe *r, const seg_op *op,
                           unsigned threads, tmesh_error *err)
{
    const op_def *d = op->def;
    tmesh_volume *res = NULL;
    tmesh_status st = TMESH_OK;
    double x0 = micro_to_double(op->v[0]), x1 = micro_to_double(op->v[1]);
    tmesh_seg_seed *seeds = NULL;
    if (d->seeds) {
        seeds = calloc(op->n_seeds, sizeof *seeds);
        if (seeds == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for seeds");
        for (size_t i = 0; i < op->n_seeds; i++) {
            const rseed *sd = &r->seeds[op->seed_first + i];
            for (int a = 0; a < 3; a++)
                seeds[i].pos[a] = micro_to_double(sd->pos[a]);
            seeds[i].frame = sd->frame;
        }
    }
    int needs_mask = !(d->kind == OP_GAUSSIAN || d->kind == OP_MEDIAN || d->kind == OP_THRESHOLD ||
                       d->kind == OP_PRESET || d->kind == OP_OTSU || d->kind == OP_GROW ||
                       d->kind == OP_CONFIDENCE);
    if (needs_mask && s->mask == NULL) {
        free(seeds);
        return tmesh_error_set(err, TMESH_E_ARG,
                               "%s needs a mask: start with threshold, preset, otsu, grow or "
                               "confidence",
                               d->name);
    }
    switch (d->kind) {
    case OP_GAUSSIAN: {
        tmesh_seg_gaussian_opts o = {x0, threads};
        if ((st = tmesh_seg_gaussian(&res, s->image, &o, err)) == TMESH_OK)
            set_image(s, res);
        break;
    }
    case OP_MEDIAN: {
        tmesh_seg_median_opts o = {(unsigned)x0, threads};
        if ((st = tmesh_seg_median(&res, s->image, &o, err)) == TMESH_OK)
            set_image(s, res);
        break;
    }
    case OP_THRESHOLD:
    case OP_PRESET: {
        tmesh_seg_threshold_opts o = {d->kind == OP_PRESET ? op->lo : x0,
                                      d->kind == OP_PRESET ? op->hi : x1, threads};
        if ((st = tmesh_seg_threshold(&res, s->image, &o, err)) == TMESH_OK) {
            set_mask(s, res);
            if (d->kind == OP_PRESET) {
                snprintf(s->name, sizeof s->name, "%s", op->word);
                memcpy(s->rgb, op->rgb, 3);
                s->has_rgb = 1;
            }
        }
        break;
    }
    case OP_OTSU: {
        tmesh_seg_otsu_opts o = {256, threads};
        double t;
        if ((st = tmesh_seg_otsu(&t, s->image, &o, err)) != TMESH_OK)
            break;
        double lo, hi;
        tmesh_volume_range(s->image, &lo, &hi);
        tmesh_log(TMESH_LOG_NOTE, "otsu threshold %.6f", t);
        tmesh_seg_threshold_opts to = {t, hi > t ? hi : t, threads};
        if ((st = tmesh_seg_threshold(&res, s->image, &to, err)) == TMESH_OK)
            set_mask(s, res);
        break;
    }
    case OP_GROW: {
        tmesh_seg_grow_opts o = {x0, x1, op->connectivity, threads};
        if ((st = tmesh_seg_grow(&res, s->image, seeds, op->n_seeds, &o, err)) == TMESH_OK)
            set_mask(s, res);
        break;
    }
    case OP_CONFIDENCE: {
        tmesh_seg_confidence_opts o = {x0, (unsigned)x1, 1, op->connectivity, threads};
        if ((st = tmesh_seg_grow_confidence(&res, NULL, NULL, s->image, seeds, op->n_seeds, &o,
                                            err)) == TMESH_OK)
            set_mask(s, res);
        break;
    }
    case OP_KEEP_LARGEST:
    case OP_KEEP_N:
    case OP_KEEP_SEEDED:
    case OP_REMOVE_ISLANDS:
    case OP_LABEL_COMPONENTS: {
        tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
        o.connectivity = op->connectivity;
        o.threads = threads;
        o.mode = d->kind == OP_KEEP_LARGEST     ? TMESH_SEG_CC_KEEP_LARGEST
                 : d->kind == OP_KEEP_N         ? TMESH_SEG_CC_KEEP_N
                 : d->kind == OP_KEEP_SEEDED    ? TMESH_SEG_CC_KEEP_SEEDED
                 : d->kind == OP_REMOVE_ISLANDS ? TMESH_SEG_CC_REMOVE_SMALL
                                                : TMESH_SEG_CC_LABEL_ALL;
        if (d->kind == OP_KEEP_N)
            o.n = (size_t)(op->v[0] / MICRO);
        o.min_volume_mm3 = x0;
        o.seeds = seeds;
        o.n_seeds = op->n_seeds;
        if (d->kind != OP_LABEL_COMPONENTS) {
            /* the run state owns its mask: change it in place, with no new volume */
            if ((st = tmesh_seg__components_inplace(s->mask, &o, err)) == TMESH_OK)
                s->components = 0;
        } else if ((st = tmesh_seg_components(&res, NULL, s->mask, &o, err)) == TMESH_OK) {
            set_mask(s, res);
            s->components = 1;
        }
        break;
    }
    case OP_DILATE:
    case OP_ERODE:
    case OP_OPEN:
    case OP_CLOSE: {
        tmesh_seg_morph_opts o = {d->kind == OP_DILATE  ? TMESH_SEG_DILATE
                                  : d->kind == OP_ERODE ? TMESH_SEG_ERODE
                                  : d->kind == OP_OPEN  ? TMESH_SEG_OPEN
                                                        : TMESH_SEG_CLOSE,
                                  x0, threads};
        if ((st = tmesh_seg__morph_inplace(s->mask, &o, err)) == TMESH_OK)
            s->components = 0;
        break;
    }
    case OP_SMOOTH: {
        tmesh_seg_smooth_opts o = {x0, threads};
        if ((st = tmesh_seg_smooth(&res, s->mask, &o, err)) == TMESH_OK)
            set_mask(s, res);
        break;
    }
    case OP_FILL:
    case OP_FILL2D: {
        tmesh_seg_fill_opts o = {d->kind == OP_FILL2D, threads};
        if ((st = tmesh_seg__fill_inplace(s->mask, &o, err)) == TMESH_OK)
            s->components = 0;
        break;
    }
    case OP_HOLLOW: {
        tmesh_seg_hollow_opts o = {x0,
                                   strcmp(op->word, "inside") == 0    ? TMESH_SEG_SHELL_INSIDE
                                   : strcmp(op->word, "outside") == 0 ? TMESH_SEG_SHELL_OUTSIDE
                                                                      : TMESH_SEG_SHELL_MEDIAL,
                                   threads};
        if ((st = tmesh_seg_hollow(&res, s->mask, &o, err)) == TMESH_OK)
            set_mask(s, res);
        break;
    }
    case OP_CROP:
    case OP_PAINT_BOX:
    case OP_ERASE_BOX: {
        double lo[3], hi[3];
        for (int a = 0; a < 3; a++) {
            lo[a] = micro_to_double(op->v[a]);
            hi[a] = micro_to_double(op->v[3 + a]);
        }
        if (d->kind == OP_CROP)
            st = tmesh_seg_crop(s->mask, lo, hi, err);
        else
            st = tmesh_seg_paint_box(s->mask, lo, hi, d->kind == OP_PAINT_BOX ? 1u : 0u, err);
        break;
    }
    case OP_PAINT_SPHERE:
    case OP_ERASE_SPHERE: {
        double c[3];
        for (int a = 0; a < 3; a++)
            c[a] = micro_to_double(op->v[a]);
        st = tmesh_seg_paint_sphere(s->mask, c, micro_to_double(op->v[3]),
                                    d->kind == OP_PAINT_SPHERE ? 1u : 0u, err);
        break;
    }
    case OP_PUSH: {
        if (s->n_stack == s->cap_stack) {
            size_t nc = s->cap_stack ? 2 * s->cap_stack : 4;
            tmesh_volume **ns = realloc(s->stack, nc * sizeof *ns);
            if (ns == NULL) {
                st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the mask stack");
                break;
            }
            s->stack = ns;
            s->cap_stack = nc;
        }
        /* push a copy: the current mask stays current */
        if ((st = tmesh_seg__new_like(&res, s->mask, s->mask->type, err)) != TMESH_OK)
            break;
        memcpy(res->data, s->mask->data, tmesh_volume_count(res) * tmesh_voxel_size(res->type));
        s->stack[s->n_stack++] = res;
        break;
    }
    case OP_UNION:
    case OP_INTERSECT:
    case OP_SUBTRACT: {
        if (s->n_stack == 0) {
            st = tmesh_error_set(err, TMESH_E_ARG, "%s needs a pushed mask (use push first)",
                                 d->name);
            break;
        }
        tmesh_volume *a = s->stack[s->n_stack - 1];
        tmesh_seg_set_op so = d->kind == OP_UNION       ? TMESH_SEG_UNION
                              : d->kind == OP_INTERSECT ? TMESH_SEG_INTERSECT
                                                        : TMESH_SEG_SUBTRACT;
        if ((st = tmesh_seg_combine(&res, a, s->mask, so, err)) == TMESH_OK) {
            tmesh_volume_free(a);
            s->n_stack--;
            set_mask(s, res);
        }
        break;
    }
    case OP_INVERT:
        if ((st = tmesh_seg_combine(&res, s->mask, NULL, TMESH_SEG_INVERT, err)) == TMESH_OK)
            set_mask(s, res);
        break;
    case OP_LABEL: {
        uint16_t value = (uint16_t)(op->v[0] / MICRO);
        if (s->labels == NULL &&
            (st = tmesh_seg__new_like(&s->labels, s->mask, TMESH_VOXEL_U16, err)) != TMESH_OK)
            break;
        if ((st = tmesh_seg_label_assign(s->labels, s->mask, value, err)) != TMESH_OK)
            break;
        st = tmesh_seg_labels_set(&s->table, value, op->word, op->has_rgb ? op->rgb : NULL, err);
        break;
    }
    default:
        st = tmesh_error_set(err, TMESH_E_INTERNAL, "unhandled operation %s", d->name);
    }
    free(seeds);
    return st;
}

tmesh_status tmesh_seg_recipe_run(tmesh_volume **labels_out, tmesh_seg_labels *table_out,
                                  const tmesh_volume *image, const tmesh_seg_recipe *recipe,
                                  const tmesh_seg_run_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(labels_out != NULL && image != NULL && recipe != NULL);
    *labels_out = NULL;
    if (table_out != NULL)
        tmesh_seg_labels_clear(table_out);
    tmesh_seg_run_opts o = TMESH_SEG_RUN_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (recipe->n_ops == 0)
        return tmesh_error_set(err, TMESH_E_ARG, "recipe has no operation");
    run_state s;
    memset(&s, 0, sizeof s);
    s.image = image;
    snprintf(s.name, sizeof s.name, "segment");
    tmesh_status st = TMESH_OK;
    for (size_t i = 0; i < recipe->n_ops && st == TMESH_OK; i++) {
        if (o.progress)
            o.progress("segment", (double)i / (double)recipe->n_ops, o.progress_user);
        st = run_op(&s, recipe, &recipe->ops[i], o.threads, err);
        if (st != TMESH_OK)
            tmesh_error_context(err, "operation %zu (%s)", i + 1, recipe->ops[i].def->name);
    }
    if (st == TMESH_OK && s.labels == NULL && s.mask == NULL)
        st = tmesh_error_set(err, TMESH_E_ARG,
                             "recipe makes no mask: add threshold, preset, otsu, grow or "
                             "confidence");
    tmesh_volume *result = NULL;
    tmesh_seg_labels table = TMESH_SEG_LABELS_INIT;
    if (st == TMESH_OK) {
        if (s.labels != NULL) {
            result = s.labels;
            s.labels = NULL;
            table = s.table;
            memset(&s.table, 0, sizeof s.table);
        } else {
            result = s.mask;
            s.mask = NULL;
            if (s.components) {
                tmesh_seg_label_stat *stats = NULL;
                size_t ns = 0;
                st = tmesh_seg_label_stats(&stats, &ns, result, err);
                for (size_t i = 0; i < ns && st == TMESH_OK; i++) {
                    char nm[TMESH_SEG_LABEL_NAME_MAX];
                    snprintf(nm, sizeof nm, "%.40s-%u", s.name, (unsigned)stats[i].value);
                    st = tmesh_seg_labels_set(&table, stats[i].value, nm, NULL, err);
                }
                free(stats);
            } else {
                st = tmesh_seg_labels_set(&table, 1, s.name, s.has_rgb ? s.rgb : NULL, err);
            }
        }
    }
    if (o.progress && st == TMESH_OK)
        o.progress("segment", 1.0, o.progress_user);
    tmesh_volume_free(s.owned_image);
    tmesh_volume_free(s.mask);
    tmesh_volume_free(s.labels);
    for (size_t i = 0; i < s.n_stack; i++)
        tmesh_volume_free(s.stack[i]);
    free(s.stack);
    tmesh_seg_labels_clear(&s.table);
    if (st != TMESH_OK) {
        tmesh_volume_free(result);
        tmesh_seg_labels_clear(&table);
        return st;
    }
    *labels_out = result;
    if (table_out != NULL)
        *table_out = table;
    else
        tmesh_seg_labels_clear(&table);
    return TMESH_OK;
}

/* ---- reading a canonical record back (replay) ---- */

typedef struct jp {
    const char *p;
    size_t op_no; /* 1-based operation being read, 0 outside the list */
    tmesh_error *err;
} jp;

static tmesh_status jfail(jp *j, const char *what)
{
    if (j->op_no)
        return tmesh_error_set(j->err, TMESH_E_DATA, "recipe record: operation %zu: %s", j->op_no,
                               what);
    return tmesh_error_set(j->err, TMESH_E_DATA, "recipe record: %s", what);
}

static int jeat(jp *j, char c)
{
    if (*j->p != c)
        return 0;
    j->p++;
    return 1;
}

/* A string without escapes (the canonical form never needs any). */
static tmesh_status jstring(jp *j, char *buf, size_t cap)
{
    if (!jeat(j, '"'))
        return jfail(j, "expected a string");
    size_t n = 0;
    while (*j->p && *j->p != '"') {
        if (*j->p == '\\' || (unsigned char)*j->p < 0x20 || n + 1 >= cap)
            return jfail(j, "string with an escape, a control character or too long");
        buf[n++] = *j->p++;
    }
    buf[n] = '\0';
    if (!jeat(j, '"'))
        return jfail(j, "unterminated string");
    return TMESH_OK;
}

/* A plain decimal, copied as text (parse_micro checks it later). */
static tmesh_status jnumber(jp *j, char *buf, size_t cap)
{
    size_t n = 0;
    while ((*j->p >= '0' && *j->p <= '9') || *j->p == '-' || *j->p == '.') {
        if (n + 1 >= cap)
            return jfail(j, "number too long");
        buf[n++] = *j->p++;
    }
    buf[n] = '\0';
    if (n == 0)
        return jfail(j, "expected a number");
    return TMESH_OK;
}

/* [x,y,z] as the text "x,y,z". */
static tmesh_status jpoint(jp *j, char *buf, size_t cap)
{
    if (!jeat(j, '['))
        return jfail(j, "expected a point [x,y,z]");
    size_t n = 0;
    for (int a = 0; a < 3; a++) {
        char num[40];
        tmesh_status st = jnumber(j, num, sizeof num);
        if (st != TMESH_OK)
            return st;
        size_t len = strlen(num);
        if (n + len + 2 >= cap)
            return jfail(j, "point too long");
        if (a)
            buf[n++] = ',';
        memcpy(buf + n, num, len);
        n += len;
        if (a < 2 && !jeat(j, ','))
            return jfail(j, "expected a point [x,y,z]");
    }
    buf[n] = '\0';
    if (!jeat(j, ']'))
        return jfail(j, "expected a point [x,y,z]");
    return TMESH_OK;
}

#define JMAX_KEYS 12

typedef struct jop {
    char key[JMAX_KEYS][24];
    char val[JMAX_KEYS][96];
    int n;
    rseed *seeds;
    size_t n_seeds;
    int has_seeds;
} jop;

static const char *jget(const jop *o, const char *key)
{
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->key[i], key) == 0)
            return o->val[i];
    return NULL;
}

static tmesh_status jseeds(jp *j, jop *o)
{
    if (!jeat(j, '['))
        return jfail(j, "seeds must be a list");
    if (jeat(j, ']'))
        return TMESH_OK;
    do {
        char frame[16], key[16], pt[128];
        tmesh_status st;
        if (!jeat(j, '{') || (st = jstring(j, key, sizeof key)) || strcmp(key, "frame") ||
            !jeat(j, ':') || (st = jstring(j, frame, sizeof frame)) || !jeat(j, ',') ||
            (st = jstring(j, key, sizeof key)) || strcmp(key, "pos") || !jeat(j, ':') ||
            (st = jpoint(j, pt, sizeof pt)) || !jeat(j, '}'))
            return jfail(j, "a seed must be {\"frame\":\"lps\"|\"voxel\",\"pos\":[x,y,z]}");
        rseed sd;
        if (strcmp(frame, "lps") == 0)
            sd.frame = TMESH_SEG_FRAME_LPS;
        else if (strcmp(frame, "voxel") == 0)
            sd.frame = TMESH_SEG_FRAME_VOXEL;
        else
            return jfail(j, "seed frame must be lps or voxel");
        char *c = pt;
        for (int a = 0; a < 3; a++) {
            char *e = strchr(c, ',');
            if (e)
                *e = '\0';
            if (parse_micro(c, &sd.pos[a]) != 0)
                return jfail(j, "seed position is not a plain decimal");
            c = e ? e + 1 : c;
        }
        rseed *ns = realloc(o->seeds, (o->n_seeds + 1) * sizeof *ns);
        if (ns == NULL)
            return tmesh_error_set(j->err, TMESH_E_NOMEM, "out of memory for seeds");
        o->seeds = ns;
        o->seeds[o->n_seeds++] = sd;
    } while (jeat(j, ','));
    if (!jeat(j, ']'))
        return jfail(j, "expected ']' after the seeds");
    return TMESH_OK;
}

static tmesh_status jop_read(jp *j, jop *o)
{
    if (!jeat(j, '{'))
        return jfail(j, "an operation must be an object");
    do {
        char key[24];
        tmesh_status st = jstring(j, key, sizeof key);
        if (st != TMESH_OK)
            return st;
        if (!jeat(j, ':'))
            return jfail(j, "expected ':'");
        if (strcmp(key, "seeds") == 0) {
            if ((st = jseeds(j, o)) != TMESH_OK)
                return st;
            o->has_seeds = 1;
            continue;
        }
        if (o->n == JMAX_KEYS)
            return jfail(j, "too many keys");
        memcpy(o->key[o->n], key, sizeof key);
        char *v = o->val[o->n];
        if (*j->p == '"')
            st = jstring(j, v, sizeof o->val[0]);
        else if (*j->p == '[')
            st = jpoint(j, v, sizeof o->val[0]);
        else
            st = jnumber(j, v, sizeof o->val[0]);
        if (st != TMESH_OK)
            return st;
        o->n++;
    } while (jeat(j, ','));
    if (!jeat(j, '}'))
        return jfail(j, "expected '}' after an operation");
    return TMESH_OK;
}

/* Recorded key of each argument of an operation (in the order of op_def.args). */
static const char *arg_key(op_kind kind, int a)
{
    switch (kind) {
    case OP_GAUSSIAN:
        return "sigma_mm";
    case OP_MEDIAN:
        return "radius_vox";
    case OP_THRESHOLD:
    case OP_GROW:
        return a == 0 ? "lower" : "upper";
    case OP_PRESET:
        return "name";
    case OP_CONFIDENCE:
        return a == 0 ? "multiplier" : "iterations";
    case OP_KEEP_N:
        return "n";
    case OP_REMOVE_ISLANDS:
        return "min_volume_mm3";
    case OP_DILATE:
    case OP_ERODE:
    case OP_OPEN:
    case OP_CLOSE:
        return "radius_mm";
    case OP_SMOOTH:
        return "sigma_mm";
    case OP_HOLLOW:
        return a == 0 ? "thickness_mm" : "side";
    case OP_CROP:
    case OP_PAINT_BOX:
    case OP_ERASE_BOX:
        return a == 0 ? "min_lps" : "max_lps";
    case OP_PAINT_SPHERE:
    case OP_ERASE_SPHERE:
        return a == 0 ? "center_lps" : "radius_mm";
    case OP_LABEL:
        return a == 0 ? "value" : "name";
    default:
        return NULL;
    }
}

/* Turn one recorded operation into settings and an operation of `r`. */
static tmesh_status jop_apply(jp *j, tmesh_seg_recipe *r, const jop *o)
{
    const char *name = jget(o, "op");
    if (name == NULL)
        return jfail(j, "missing \"op\"");
    const op_def *d = find_def(name);
    if (d == NULL || d->kind >= SET_SEED)
        return jfail(j, "unknown operation");
    char where[64];
    snprintf(where, sizeof where, "recipe record: operation %zu", j->op_no);
    tmesh_error e = TMESH_ERROR_INIT;
    if (d->conn_default) {
        const char *c = jget(o, "connectivity");
        if (c == NULL)
            return jfail(j, "missing \"connectivity\"");
        const char *args[1] = {c};
        if (parse_op(r, find_def("connectivity"), args, where, &e) != TMESH_OK)
            return tmesh_error_set(j->err, TMESH_E_DATA, "%s", e.msg);
    }
    if (d->seeds) {
        if (!o->has_seeds || o->n_seeds == 0)
            return jfail(j, "missing \"seeds\"");
        r->active = r->n_seeds; /* the op's own list */
        for (size_t s = 0; s < o->n_seeds; s++) {
            char pt[160], x[3][48];
            for (int a = 0; a < 3; a++)
                fmt_micro(x[a], sizeof x[a], o->seeds[s].pos[a]);
            snprintf(pt, sizeof pt, "%s,%s,%s", x[0], x[1], x[2]);
            const char *args[1] = {pt};
            const op_def *sd =
                find_def(o->seeds[s].frame == TMESH_SEG_FRAME_LPS ? "seed" : "seed-vox");
            if (parse_op(r, sd, args, where, &e) != TMESH_OK)
                return tmesh_error_set(j->err, TMESH_E_DATA, "%s", e.msg);
        }
    }
    const char *args[2] = {NULL, NULL};
    char label_arg[160];
    for (int a = 0; d->args[a]; a++) {
        const char *key = arg_key(d->kind, a);
        args[a] = key ? jget(o, key) : NULL;
        if (args[a] == NULL) {
            char msg[80];
            snprintf(msg, sizeof msg, "missing \"%s\"", key ? key : "?");
            return jfail(j, msg);
        }
    }
    if (d->kind == OP_LABEL) {
        const char *color = jget(o, "color");
        if (color == NULL)
            return jfail(j, "missing \"color\"");
        snprintf(label_arg, sizeof label_arg, "%s:%s", args[1], color);
        args[1] = label_arg;
    }
    size_t before = r->n_ops;
    if (parse_op(r, d, args, where, &e) != TMESH_OK)
        return tmesh_error_set(j->err, TMESH_E_DATA, "%s", e.msg);
    TMESH_ASSERT(r->n_ops == before + 1);
    if (d->kind == OP_PRESET) {
        /* replay the recorded range, even if the preset table has changed since */
        const char *lo = jget(o, "lower"), *hi = jget(o, "upper");
        int64_t l, h;
        if (lo == NULL || hi == NULL || parse_micro(lo, &l) || parse_micro(hi, &h) || l > h)
            return jfail(j, "preset needs its recorded \"lower\" and \"upper\"");
        r->ops[before].lo = micro_to_double(l);
        r->ops[before].hi = micro_to_double(h);
    }
    return TMESH_OK;
}

tmesh_status tmesh_seg_recipe_parse_canonical(tmesh_seg_recipe *recipe, const char *record,
                                              tmesh_error *err)
{
    TMESH_ASSERT(recipe != NULL && record != NULL);
    if (recipe->n_ops != 0 || recipe->n_seeds != 0)
        return tmesh_error_set(err, TMESH_E_ARG,
                               "recipe must be empty to read a record into it (it has %zu "
                               "operations)",
                               recipe->n_ops);
    jp j = {record, 0, err};
    static const char head[] = "{\"format\":\"tracemesh.segment.recipe\",\"ops\":[";
    if (strncmp(record, head, sizeof head - 1) != 0)
        return jfail(&j, "not a tracemesh segment recipe record");
    j.p += sizeof head - 1;
    tmesh_status st = TMESH_OK;
    if (!jeat(&j, ']')) {
        do {
            j.op_no++;
            jop o;
            memset(&o, 0, sizeof o);
            st = jop_read(&j, &o);
            if (st == TMESH_OK)
                st = jop_apply(&j, recipe, &o);
            free(o.seeds);
        } while (st == TMESH_OK && jeat(&j, ','));
        if (st == TMESH_OK && !jeat(&j, ']'))
            st = jfail(&j, "expected ']' after the operations");
    }
    j.op_no = 0;
    if (st == TMESH_OK && strcmp(j.p, ",\"version\":1}") != 0 && strcmp(j.p, ",\"version\":1}\n"))
        st = jfail(&j, "unsupported version or trailing text (expected ,\"version\":1})");
    /* Strict: the record must be exactly what this recipe records, byte for byte, so a replay
     * can never run something other than what was recorded. */
    char *again = NULL;
    if (st == TMESH_OK && (st = tmesh_seg_recipe_canonical(&again, recipe, err)) == TMESH_OK) {
        size_t len = strlen(again);
        if (strncmp(again, record, len) != 0 || (record[len] && strcmp(record + len, "\n")))
            st = jfail(&j, "not in canonical form (keys, order or number format differ)");
    }
    free(again);
    if (st != TMESH_OK) {
        recipe->n_ops = 0;
        recipe->n_seeds = 0;
        recipe->active = 0;
        recipe->conn = 0;
    }
    return st;
}
