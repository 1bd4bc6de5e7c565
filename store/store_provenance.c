/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Provenance: derivation records (operation, canonical parameters, input hashes, tool
 * version), stored as objects of their own so that they are as tamper-evident as the data;
 * the walk from an object down to its source manifests; the source list of a manifest; and
 * the W3C PROV-JSON document written beside every export.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_FLAGS (JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17))

static int word_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              strchr(extra, s[i]) != NULL))
            return 0;
    return 1;
}

/* Canonical numbers: a real with an integral value (3e3, 3000.0) is the integer 3000, so one
 * parameter value has one spelling whatever wrote it. */
static json_t *canonical_numbers(json_t *j)
{
    if (json_is_real(j)) {
        double v = json_real_value(j);
        if (v == (double)(json_int_t)v && v > -9.0e15 && v < 9.0e15)
            return json_integer((json_int_t)v);
        return json_real(v == 0.0 ? 0.0 : v);
    }
    if (json_is_array(j)) {
        json_t *a = json_array();
        for (size_t i = 0; i < json_array_size(j); i++)
            json_array_append_new(a, canonical_numbers(json_array_get(j, i)));
        return a;
    }
    if (json_is_object(j)) {
        json_t *o = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) json_object_set_new(o, k, canonical_numbers(v));
        return o;
    }
    return json_incref(j);
}

tmesh_status tmesh_store_derive(tmesh_store *s, char hash_out[65], const char *operation,
                                const char *params_json, const tmesh_store_input *inputs,
                                size_t n_inputs, const char *output, tmesh_error *err)
{
    TMESH_ASSERT(s && hash_out && operation && output && (inputs || n_inputs == 0));
    if (!word_ok(operation, 47, "-"))
        return tmesh_error_set(err, TMESH_E_ARG,
                               "operation '%s': expected 1 to 47 characters from [a-z0-9-]",
                               operation);
    if (!tmesh_store_hash_valid(output))
        return tmesh_error_set(err, TMESH_E_ARG, "output '%s' is not a SHA-256", output);
    if (tmesh_store__known_kind(s, output) == 0)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "output object %s: not in the store", output);
    for (size_t i = 0; i < n_inputs; i++) {
        if (!word_ok(inputs[i].role, 31, "-_"))
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "input %zu role '%s': expected 1 to 31 characters from "
                                   "[a-z0-9_-]",
                                   i + 1, inputs[i].role);
        if (!tmesh_store_hash_valid(inputs[i].hash))
            return tmesh_error_set(err, TMESH_E_ARG, "input %zu '%s' is not a SHA-256", i + 1,
                                   inputs[i].hash);
        if (tmesh_store__known_kind(s, inputs[i].hash) == 0)
            return tmesh_error_set(err, TMESH_E_NOTFOUND, "input object %s: not in the store",
                                   inputs[i].hash);
    }
    json_error_t je;
    json_t *params = json_loads(params_json ? params_json : "{}", JSON_REJECT_DUPLICATES, &je);
    if (params == NULL || !json_is_object(params)) {
        json_decref(params);
        return tmesh_error_set(err, TMESH_E_ARG, "params_json of '%s' is not a JSON object%s%s",
                               operation, params ? "" : ": ", params ? "" : je.text);
    }
    json_t *canon = canonical_numbers(params);
    json_decref(params);
    params = canon;
    json_t *root = json_object(), *ins = json_array();
    json_object_set_new(root, "format", json_string("tracemesh.derivation/1"));
    json_object_set_new(root, "operation", json_string(operation));
    json_object_set_new(root, "output", json_string(output));
    json_object_set_new(root, "tool_version", json_string(TMESH_VERSION_STRING));
    json_object_set(root, "parameters", params);
    for (size_t i = 0; i < n_inputs; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "role", json_string(inputs[i].role));
        json_object_set_new(o, "sha256", json_string(inputs[i].hash));
        json_array_append_new(ins, o);
    }
    json_object_set_new(root, "inputs", ins);
    char *text = json_dumps(root, DUMP_FLAGS);
    char *ptext = json_dumps(params, DUMP_FLAGS);
    json_decref(root);
    json_decref(params);
    store_pending_input *pin = calloc(n_inputs ? n_inputs : 1, sizeof *pin);
    tmesh_status st = TMESH_OK;
    if (text == NULL || ptext == NULL || pin == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        goto done;
    }
    tmesh_store_kind was = 0;
    {
        uint8_t d[32];
        char h[65];
        tmesh_sha256_buf(text, strlen(text), d);
        tmesh_sha256_hex(d, h);
        was = tmesh_store__known_kind(s, h);
    }
    if ((st = tmesh_store_put(s, TMESH_STORE_DERIVATION, text, strlen(text), hash_out, err)) !=
        TMESH_OK)
        goto done;
    if (was != 0)
        goto done; /* recorded before: same record, same rows */
    if (s->n_derivs == s->cap_derivs) {
        size_t nc = s->cap_derivs ? 2 * s->cap_derivs : 8;
        store_pending_derivation *n = realloc(s->derivs, nc * sizeof *n);
        if (n == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            goto done;
        }
        s->derivs = n;
        s->cap_derivs = nc;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        snprintf(pin[i].role, sizeof pin[i].role, "%s", inputs[i].role);
        snprintf(pin[i].hash, sizeof pin[i].hash, "%s", inputs[i].hash);
    }
    store_pending_derivation *d = &s->derivs[s->n_derivs++];
    snprintf(d->hash, sizeof d->hash, "%s", hash_out);
    snprintf(d->output, sizeof d->output, "%s", output);
    snprintf(d->operation, sizeof d->operation, "%s", operation);
    d->params = ptext;
    d->inputs = pin;
    d->n_inputs = n_inputs;
    ptext = NULL;
    pin = NULL;
done:
    free(text);
    free(ptext);
    free(pin);
    return st;
}

void tmesh_store_derivation_free(tmesh_store_derivation *d)
{
    if (d == NULL)
        return;
    free(d->params);
    free(d->inputs);
    free(d);
}

tmesh_status tmesh_store_derivation_get(tmesh_store_derivation **out, tmesh_store *s,
                                        const char *hash, tmesh_error *err)
{
    *out = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_status st = tmesh_store__read_object(&b, &len, s, hash, err);
    if (st != TMESH_OK)
        return st;
    json_error_t je;
    json_t *root = json_loadb((const char *)b, len, 0, &je);
    free(b);
    json_t *ins = root ? json_object_get(root, "inputs") : NULL;
    json_t *params = root ? json_object_get(root, "parameters") : NULL;
    const char *fmt = root ? json_string_value(json_object_get(root, "format")) : NULL;
    const char *op = root ? json_string_value(json_object_get(root, "operation")) : NULL;
    const char *outp = root ? json_string_value(json_object_get(root, "output")) : NULL;
    const char *tv = root ? json_string_value(json_object_get(root, "tool_version")) : NULL;
    if (!fmt || strcmp(fmt, "tracemesh.derivation/1") != 0 || !op || !outp || !tv ||
        !json_is_array(ins) || !json_is_object(params)) {
        json_decref(root);
        return tmesh_error_set(err, TMESH_E_DATA, "object %s: not a derivation record", hash);
    }
    tmesh_store_derivation *d = calloc(1, sizeof *d);
    size_t n = json_array_size(ins);
    if (d == NULL || (d->inputs = calloc(n ? n : 1, sizeof *d->inputs)) == NULL ||
        (d->params = json_dumps(params, DUMP_FLAGS)) == NULL) {
        json_decref(root);
        tmesh_store_derivation_free(d);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    }
    snprintf(d->hash, sizeof d->hash, "%s", hash);
    snprintf(d->output, sizeof d->output, "%s", outp);
    snprintf(d->operation, sizeof d->operation, "%s", op);
    snprintf(d->tool_version, sizeof d->tool_version, "%s", tv);
    d->n_inputs = n;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(ins, i);
        const char *r = json_string_value(json_object_get(o, "role"));
        const char *h = json_string_value(json_object_get(o, "sha256"));
        if (!r || !h || !tmesh_store_hash_valid(h)) {
            json_decref(root);
            tmesh_store_derivation_free(d);
            return tmesh_error_set(err, TMESH_E_DATA, "object %s: input %zu is malformed", hash,
                                   i + 1);
        }
        snprintf(d->inputs[i].role, sizeof d->inputs[i].role, "%s", r);
        snprintf(d->inputs[i].hash, sizeof d->inputs[i].hash, "%s", h);
        d->inputs[i].kind = tmesh_store__known_kind(s, h);
    }
    json_decref(root);
    *out = d;
    return TMESH_OK;
}

tmesh_status tmesh_store_derivation_of(tmesh_store_derivation **out, tmesh_store *s,
                                       const char *object, tmesh_error *err)
{
    *out = NULL;
    char found[65] = "";
    for (size_t i = 0; i < s->n_derivs && !found[0]; i++)
        if (strcmp(s->derivs[i].output, object) == 0)
            snprintf(found, sizeof found, "%s", s->derivs[i].hash);
    if (!found[0]) {
        sqlite3_stmt *q;
        tmesh_status st = tmesh_store__prepare(
            s, &q, "SELECT hash FROM derivations WHERE output = ?1 ORDER BY rowid LIMIT 1", err);
        if (st != TMESH_OK)
            return st;
        sqlite3_bind_text(q, 1, object, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            tmesh_store__col_text(q, 0, found, sizeof found);
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return tmesh_store__sql_error(s, rc, "cannot read derivations", err);
    }
    if (!found[0])
        return TMESH_OK;
    return tmesh_store_derivation_get(out, s, found, err);
}

/* ---- manifests ---- */

void tmesh_store_sources_free(tmesh_store_source *src, size_t n)
{
    if (src == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(src[i].path);
    free(src);
}

tmesh_status tmesh_store_manifest_sources(tmesh_store_source **out, size_t *n_out,
                                          const uint8_t *json, size_t len, tmesh_error *err)
{
    *out = NULL;
    *n_out = 0;
    json_error_t je;
    json_t *root = json_loadb((const char *)json, len, 0, &je);
    const char *fmt = root ? json_string_value(json_object_get(root, "format")) : NULL;
    json_t *files = root ? json_object_get(root, "files") : NULL;
    if (!fmt || strcmp(fmt, "tracemesh.source-manifest/1") != 0 || !json_is_array(files)) {
        json_decref(root);
        return tmesh_error_set(err, TMESH_E_DATA, "not a tracemesh source manifest");
    }
    size_t n = json_array_size(files);
    tmesh_store_source *src = calloc(n ? n : 1, sizeof *src);
    if (src == NULL) {
        json_decref(root);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(files, i);
        const char *p = json_string_value(json_object_get(o, "path"));
        const char *h = json_string_value(json_object_get(o, "sha256"));
        const char *u = json_string_value(json_object_get(o, "sop_instance_uid"));
        if (!p || !h || !u) {
            tmesh_store_sources_free(src, n);
            json_decref(root);
            return tmesh_error_set(err, TMESH_E_DATA, "source manifest: file %zu is malformed",
                                   i + 1);
        }
        if ((src[i].path = strdup(p)) == NULL) {
            tmesh_store_sources_free(src, n);
            json_decref(root);
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        }
        snprintf(src[i].sha256, sizeof src[i].sha256, "%s", h);
        snprintf(src[i].sop_instance_uid, sizeof src[i].sop_instance_uid, "%s", u);
        const char *c = json_string_value(json_object_get(o, "sop_class_uid"));
        snprintf(src[i].sop_class_uid, sizeof src[i].sop_class_uid, "%s", c ? c : "");
        src[i].frame = (uint32_t)json_integer_value(json_object_get(o, "frame"));
    }
    json_decref(root);
    *out = src;
    *n_out = n;
    return TMESH_OK;
}

/* ---- walk ---- */

typedef struct walk {
    tmesh_store_node *nodes;
    size_t n, cap;
} walk;

static int walk_seen(const walk *w, const char *hash)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->nodes[i].hash, hash) == 0)
            return 1;
    return 0;
}

static tmesh_status walk_visit(walk *w, tmesh_store *s, const char *hash, const char *role,
                               size_t depth, tmesh_error *err)
{
    if (walk_seen(w, hash))
        return TMESH_OK;
    if (depth > 10000)
        return tmesh_error_set(err, TMESH_E_DATA, "provenance deeper than 10000 links");
    if (w->n == w->cap) {
        size_t nc = w->cap ? 2 * w->cap : 16;
        tmesh_store_node *nn = realloc(w->nodes, nc * sizeof *nn);
        if (nn == NULL)
            return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
        w->nodes = nn;
        w->cap = nc;
    }
    size_t me = w->n++;
    tmesh_store_node *nd = &w->nodes[me];
    memset(nd, 0, sizeof *nd);
    snprintf(nd->hash, sizeof nd->hash, "%s", hash);
    snprintf(nd->role, sizeof nd->role, "%s", role ? role : "");
    nd->depth = depth;
    nd->kind = tmesh_store__known_kind(s, hash);
    uint8_t *b = NULL;
    size_t len = 0;
    tmesh_error e = TMESH_ERROR_INIT;
    nd->check = tmesh_store__read_object(&b, &len, s, hash, &e);
    if (nd->check == TMESH_E_NOMEM)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s", e.msg);
    if (nd->check != TMESH_OK && nd->check != TMESH_E_NOTFOUND)
        nd->check = TMESH_E_VERIFY;
    free(b);
    tmesh_store_derivation *d = NULL;
    tmesh_error_clear(&e);
    tmesh_status st = tmesh_store_derivation_of(&d, s, hash, &e);
    if (st == TMESH_E_NOMEM)
        return tmesh_error_set(err, st, "%s", e.msg);
    if (st != TMESH_OK) {
        /* The record exists in the catalog but cannot be read back intact. */
        nd->derivation_check = (st == TMESH_E_NOTFOUND) ? TMESH_E_NOTFOUND : TMESH_E_VERIFY;
        sqlite3_stmt *q;
        if (tmesh_store__prepare(s, &q,
                                 "SELECT hash, operation FROM derivations WHERE output = ?1"
                                 " ORDER BY rowid LIMIT 1",
                                 NULL) == TMESH_OK) {
            sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW) {
                tmesh_store__col_text(q, 0, w->nodes[me].derivation, 65);
                tmesh_store__col_text(q, 1, w->nodes[me].operation, 48);
            }
            sqlite3_finalize(q);
        }
        /* Keep walking through the catalog's copy of the inputs, so the rest of the chain
         * (down to the scan files) is still checked and shown. */
        char dh[65], ins[64][65], roles[64][32];
        size_t nin = 0;
        snprintf(dh, sizeof dh, "%s", w->nodes[me].derivation);
        if (dh[0] && tmesh_store__prepare(s, &q,
                                          "SELECT role, input FROM derivation_inputs WHERE"
                                          " derivation = ?1 ORDER BY position",
                                          NULL) == TMESH_OK) {
            sqlite3_bind_text(q, 1, dh, -1, SQLITE_STATIC);
            while (nin < 64 && sqlite3_step(q) == SQLITE_ROW) {
                tmesh_store__col_text(q, 0, roles[nin], 32);
                tmesh_store__col_text(q, 1, ins[nin], 65);
                nin++;
            }
            sqlite3_finalize(q);
        }
        for (size_t i = 0; i < nin; i++)
            if ((st = walk_visit(w, s, ins[i], roles[i], depth + 1, err)) != TMESH_OK)
                return st;
        return TMESH_OK;
    }
    if (d == NULL)
        return TMESH_OK;
    snprintf(nd->derivation, sizeof nd->derivation, "%s", d->hash);
    snprintf(nd->operation, sizeof nd->operation, "%s", d->operation);
    nd->derivation_check = TMESH_OK;
    for (size_t i = 0; i < d->n_inputs; i++) {
        if ((st = walk_visit(w, s, d->inputs[i].hash, d->inputs[i].role, depth + 1, err)) !=
            TMESH_OK) {
            tmesh_store_derivation_free(d);
            return st;
        }
    }
    tmesh_store_derivation_free(d);
    return TMESH_OK;
}

tmesh_status tmesh_store_walk(tmesh_store_node **out, size_t *n_out, tmesh_store *s,
                              const char *object, tmesh_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!tmesh_store_hash_valid(object) || tmesh_store__known_kind(s, object) == 0)
        return tmesh_error_set(err, TMESH_E_NOTFOUND, "object %s: not in the store", object);
    walk w = {NULL, 0, 0};
    tmesh_status st = walk_visit(&w, s, object, NULL, 0, err);
    if (st != TMESH_OK) {
        free(w.nodes);
        return st;
    }
    *out = w.nodes;
    *n_out = w.n;
    return TMESH_OK;
}

/* ---- PROV-JSON ---- */

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v));
}

/* PROV-JSON: a prov:type value is a qualified name, written as a typed literal. */
static void set_type(json_t *o, const char *qname)
{
    json_t *t = json_object();
    set_str(t, "$", qname);
    set_str(t, "type", "prov:QUALIFIED_NAME");
    json_object_set_new(o, "prov:type", t);
}

static char *ent_id(const char *hash)
{
    static const char pre[] = "sha256:";
    char *p = malloc(sizeof pre + 64);
    if (p)
        snprintf(p, sizeof pre + 64, "%s%s", pre, hash);
    return p;
}

static void add_rel(json_t *root, const char *rel, size_t *counter, json_t *body)
{
    json_t *r = json_object_get(root, rel);
    if (r == NULL) {
        r = json_object();
        json_object_set_new(root, rel, r);
    }
    char id[32];
    snprintf(id, sizeof id, "_:%c%zu", rel[0], ++*counter);
    json_object_set_new(r, id, body);
}

tmesh_status tmesh_store_prov_json(char **out, tmesh_store *s, const char *asset, int version,
                                   const tmesh_store_export *ex, tmesh_error *err)
{
    *out = NULL;
    tmesh_store_version v;
    tmesh_status st = tmesh_store_version_get(&v, s, asset, version, err);
    if (st != TMESH_OK)
        return st;
    tmesh_store_node *nodes = NULL;
    size_t n = 0;
    if ((st = tmesh_store_walk(&nodes, &n, s, v.mesh, err)) != TMESH_OK)
        return st;
    json_t *root = json_object(), *prefix = json_object(), *ent = json_object(),
           *act = json_object(), *agent = json_object();
    set_str(prefix, "tmesh", "urn:tracemesh:");
    set_str(prefix, "sha256", "urn:sha256:");
    json_object_set_new(root, "prefix", prefix);
    json_object_set_new(root, "entity", ent);
    json_object_set_new(root, "activity", act);
    json_object_set_new(root, "agent", agent);
    size_t cnt = 0;
    char tool[64];
    snprintf(tool, sizeof tool, "tmesh:tracemesh-%s", TMESH_VERSION_STRING);
    json_t *ag = json_object();
    set_type(ag, "prov:SoftwareAgent");
    set_str(ag, "tmesh:version", TMESH_VERSION_STRING);
    json_object_set_new(agent, tool, ag);

    /* The asset version: a named, immutable specialisation of its mesh. */
    char vid[160];
    snprintf(vid, sizeof vid, "tmesh:asset/%s/%d", v.asset, v.version);
    json_t *ve = json_object();
    set_type(ve, "tmesh:AssetVersion");
    set_str(ve, "tmesh:asset", v.asset);
    json_object_set_new(ve, "tmesh:version", json_integer(v.version));
    set_str(ve, "tmesh:mesh_sha256", v.mesh);
    set_str(ve, "tmesh:published_at", v.created_at);
    if (v.note[0])
        set_str(ve, "tmesh:note", v.note);
    tmesh_store_review *rv = NULL;
    size_t nrv = 0;
    if ((st = tmesh_store_reviews(&rv, &nrv, s, v.asset, v.version, err)) != TMESH_OK)
        goto fail;
    set_str(ve, "tmesh:review_state",
            v.review_state > 0   ? "approved"
            : v.review_state < 0 ? "rejected"
                                 : "unreviewed");
    if (nrv > 0) {
        /* PROV attribute values are literals: one line per review, oldest first. */
        json_t *arr = json_array();
        for (size_t i = 0; i < nrv; i++) {
            char line[TMESH_STORE_NOTE_MAX + TMESH_STORE_USER_MAX + 96];
            snprintf(line, sizeof line, "%s by %s at %s%s%s",
                     rv[i].verdict > 0 ? "approved" : "rejected", rv[i].reviewer, rv[i].created_at,
                     rv[i].note[0] ? ": " : "", rv[i].note);
            json_array_append_new(arr, json_string(line));
        }
        json_object_set_new(ve, "tmesh:reviews", arr);
    }
    free(rv);
    json_object_set_new(ent, vid, ve);
    char *mid = ent_id(v.mesh);
    json_t *spec = json_object();
    set_str(spec, "prov:specificEntity", vid);
    set_str(spec, "prov:generalEntity", mid);
    add_rel(root, "specializationOf", &cnt, spec);
    if (v.parent_version > 0) {
        char pid[160];
        snprintf(pid, sizeof pid, "tmesh:asset/%s/%d", v.parent_asset, v.parent_version);
        json_t *pe = json_object();
        set_type(pe, "tmesh:AssetVersion");
        set_str(pe, "tmesh:asset", v.parent_asset);
        json_object_set_new(pe, "tmesh:version", json_integer(v.parent_version));
        json_object_set_new(ent, pid, pe);
        json_t *rev = json_object();
        set_str(rev, "prov:generatedEntity", vid);
        set_str(rev, "prov:usedEntity", pid);
        set_type(rev, "prov:Revision");
        add_rel(root, "wasDerivedFrom", &cnt, rev);
    }
    if (ex) {
        char *fid = ent_id(ex->file_sha256);
        json_t *fe = json_object();
        set_type(fe, "tmesh:ExportedFile");
        set_str(fe, "tmesh:format", ex->format);
        set_str(fe, "tmesh:sha256", ex->file_sha256);
        json_object_set_new(ent, fid, fe);
        json_t *dr = json_object();
        set_str(dr, "prov:generatedEntity", fid);
        set_str(dr, "prov:usedEntity", mid);
        add_rel(root, "wasDerivedFrom", &cnt, dr);
        free(fid);
    }
    free(mid);

    for (size_t i = 0; i < n; i++) {
        const tmesh_store_node *nd = &nodes[i];
        char *id = ent_id(nd->hash);
        json_t *e = json_object();
        char type[48];
        snprintf(type, sizeof type, "tmesh:%s", tmesh_store_kind_name(nd->kind));
        set_type(e, type);
        set_str(e, "tmesh:sha256", nd->hash);
        json_object_set_new(ent, id, e);
        if (nd->kind == TMESH_STORE_MANIFEST && nd->check == TMESH_OK) {
            uint8_t *b = NULL;
            size_t len = 0;
            tmesh_store_source *src = NULL;
            size_t ns = 0;
            if (tmesh_store__read_object(&b, &len, s, nd->hash, NULL) == TMESH_OK &&
                tmesh_store_manifest_sources(&src, &ns, b, len, NULL) == TMESH_OK) {
                for (size_t k = 0; k < ns; k++) {
                    char *sid = ent_id(src[k].sha256);
                    json_t *se = json_object_get(ent, sid);
                    if (se == NULL) {
                        se = json_object();
                        set_type(se, "tmesh:DicomFile");
                        set_str(se, "tmesh:path", src[k].path);
                        set_str(se, "tmesh:sha256", src[k].sha256);
                        json_object_set_new(se, "tmesh:sop_instance_uids", json_array());
                        json_object_set_new(ent, sid, se);
                        json_t *dr = json_object();
                        set_str(dr, "prov:generatedEntity", id);
                        set_str(dr, "prov:usedEntity", sid);
                        add_rel(root, "wasDerivedFrom", &cnt, dr);
                    }
                    json_array_append_new(json_object_get(se, "tmesh:sop_instance_uids"),
                                          json_string(src[k].sop_instance_uid));
                    free(sid);
                }
            }
            tmesh_store_sources_free(src, ns);
            free(b);
        }
        if (nd->derivation[0]) {
            char aid[96];
            snprintf(aid, sizeof aid, "tmesh:derivation/%s", nd->derivation);
            tmesh_store_derivation *d = NULL;
            if (json_object_get(act, aid) == NULL &&
                tmesh_store_derivation_get(&d, s, nd->derivation, NULL) == TMESH_OK) {
                json_t *a = json_object();
                char at[64];
                snprintf(at, sizeof at, "tmesh:%s", d->operation);
                set_type(a, at);
                set_str(a, "tmesh:operation", d->operation);
                set_str(a, "tmesh:parameters", d->params);
                set_str(a, "tmesh:tool_version", d->tool_version);
                set_str(a, "tmesh:record_sha256", d->hash);
                json_object_set_new(act, aid, a);
                json_t *g = json_object();
                set_str(g, "prov:entity", id);
                set_str(g, "prov:activity", aid);
                add_rel(root, "wasGeneratedBy", &cnt, g);
                json_t *wa = json_object();
                set_str(wa, "prov:activity", aid);
                set_str(wa, "prov:agent", tool);
                add_rel(root, "wasAssociatedWith", &cnt, wa);
                for (size_t k = 0; k < d->n_inputs; k++) {
                    char *iid = ent_id(d->inputs[k].hash);
                    json_t *u = json_object();
                    set_str(u, "prov:activity", aid);
                    set_str(u, "prov:entity", iid);
                    set_str(u, "prov:role", d->inputs[k].role);
                    add_rel(root, "used", &cnt, u);
                    json_t *dr = json_object();
                    set_str(dr, "prov:generatedEntity", id);
                    set_str(dr, "prov:usedEntity", iid);
                    set_str(dr, "prov:activity", aid);
                    add_rel(root, "wasDerivedFrom", &cnt, dr);
                    free(iid);
                }
            }
            tmesh_store_derivation_free(d);
        }
        free(id);
    }
    free(nodes);
    nodes = NULL;
    *out = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(root);
    if (*out == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    return TMESH_OK;
fail:
    free(nodes);
    json_decref(root);
    return st;
}

/* ---- parameters ---- */

static json_t *param_get(json_t **root, const char *params, const char *key, tmesh_error *err)
{
    json_error_t je;
    *root = json_loads(params ? params : "", 0, &je);
    json_t *v = *root ? json_object_get(*root, key) : NULL;
    if (v == NULL)
        tmesh_error_set(err, TMESH_E_DATA, "derivation parameters lack '%s'", key);
    return v;
}

tmesh_status tmesh_store_param_number(double *out, const char *params, const char *key,
                                      tmesh_error *err)
{
    json_t *root = NULL, *v = param_get(&root, params, key, err);
    tmesh_status st = TMESH_OK;
    if (v == NULL)
        st = TMESH_E_DATA;
    else if (!json_is_number(v))
        st = tmesh_error_set(err, TMESH_E_DATA, "derivation parameter '%s' is not a number", key);
    else
        *out = json_number_value(v);
    json_decref(root);
    return st;
}

tmesh_status tmesh_store_param_string(char *buf, size_t cap, const char *params, const char *key,
                                      tmesh_error *err)
{
    json_t *root = NULL, *v = param_get(&root, params, key, err);
    tmesh_status st = TMESH_OK;
    if (v == NULL)
        st = TMESH_E_DATA;
    else if (!json_is_string(v))
        st = tmesh_error_set(err, TMESH_E_DATA, "derivation parameter '%s' is not a string", key);
    else
        snprintf(buf, cap, "%s", json_string_value(v));
    json_decref(root);
    return st;
}

/* ---- reading a sidecar ---- */

void tmesh_store_prov_summary_free(tmesh_store_prov_summary *p)
{
    if (p == NULL)
        return;
    tmesh_store_sources_free(p->sources, p->n_sources);
    free(p);
}

static const char *type_of(json_t *e)
{
    json_t *t = json_object_get(e, "prov:type");
    return json_is_object(t) ? json_string_value(json_object_get(t, "$")) : json_string_value(t);
}

static int by_path(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const tmesh_store_source *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->sha256, y->sha256);
}

tmesh_status tmesh_store_prov_read(tmesh_store_prov_summary **out, const char *json, size_t len,
                                   tmesh_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    json_t *ents = root ? json_object_get(root, "entity") : NULL;
    tmesh_store_prov_summary *p = calloc(1, sizeof *p);
    if (p == NULL) {
        json_decref(root);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    }
    if (!json_is_object(ents)) {
        json_decref(root);
        free(p);
        return tmesh_error_set(err, TMESH_E_DATA, "not a PROV-JSON document%s%s", root ? "" : ": ",
                               root ? "" : je.text);
    }
    size_t n_dicom = 0;
    const char *key;
    json_t *e;
    json_object_foreach(ents, key, e)
    {
        const char *t = type_of(e);
        if (t && strcmp(t, "tmesh:DicomFile") == 0)
            n_dicom++;
    }
    p->sources = calloc(n_dicom ? n_dicom : 1, sizeof *p->sources);
    if (p->sources == NULL) {
        json_decref(root);
        free(p);
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
    }
    json_object_foreach(ents, key, e)
    {
        const char *t = type_of(e);
        if (t == NULL)
            continue;
        const char *sha = json_string_value(json_object_get(e, "tmesh:sha256"));
        if (strcmp(t, "tmesh:ExportedFile") == 0 && sha) {
            snprintf(p->file_sha256, sizeof p->file_sha256, "%s", sha);
            const char *f = json_string_value(json_object_get(e, "tmesh:format"));
            snprintf(p->format, sizeof p->format, "%s", f ? f : "");
        } else if (strcmp(t, "tmesh:AssetVersion") == 0 &&
                   json_object_get(e, "tmesh:mesh_sha256") != NULL) {
            const char *a = json_string_value(json_object_get(e, "tmesh:asset"));
            const char *m = json_string_value(json_object_get(e, "tmesh:mesh_sha256"));
            snprintf(p->asset, sizeof p->asset, "%s", a ? a : "");
            snprintf(p->mesh, sizeof p->mesh, "%s", m ? m : "");
            p->version = (int)json_integer_value(json_object_get(e, "tmesh:version"));
        } else if (strcmp(t, "tmesh:DicomFile") == 0 && sha) {
            const char *path = json_string_value(json_object_get(e, "tmesh:path"));
            json_t *uids = json_object_get(e, "tmesh:sop_instance_uids");
            const char *uid = json_string_value(json_array_get(uids, 0));
            tmesh_store_source *src = &p->sources[p->n_sources];
            if ((src->path = strdup(path ? path : "")) == NULL) {
                json_decref(root);
                tmesh_store_prov_summary_free(p);
                return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory");
            }
            snprintf(src->sha256, sizeof src->sha256, "%s", sha);
            snprintf(src->sop_instance_uid, sizeof src->sop_instance_uid, "%s", uid ? uid : "");
            p->n_sources++;
        }
    }
    json_decref(root);
    /* Entities come in identifier order; list the files by path, as the manifest would. */
    if (tmesh_sort(p->sources, p->n_sources, sizeof *p->sources, by_path, NULL, err) != TMESH_OK) {
        tmesh_store_prov_summary_free(p);
        return TMESH_E_NOMEM;
    }
    if (!p->file_sha256[0] || !p->asset[0] || p->version < 1) {
        tmesh_store_prov_summary_free(p);
        return tmesh_error_set(err, TMESH_E_DATA,
                               "not a tracemesh export record (no exported file or version)");
    }
    *out = p;
    return TMESH_OK;
}
