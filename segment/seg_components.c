/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connected components of a mask: label them all, or keep the largest, the N largest, those
 * holding a seed, or those above a volume. Numbering is by voxel count, largest first, ties by the
 * first voxel in index order; since the first voxel of a component in raster order is where the
 * scan first meets it, the numbering needs no provisional labels and is the same on every run.
 * Masks with few runs along i (the Visible Human head's bone mask: 76 thousand runs in 61
 * million voxels) are labelled by union-find over the runs, with work and memory following the
 * runs; noisy masks are flooded voxel by voxel.
 */
#include "seg_int.h"

#include <math.h>
#include <string.h>

typedef struct comp {
    size_t start; /* first voxel in index order */
    size_t size;  /* voxels                     */
    size_t id;    /* order of discovery (run method) */
} comp;

static int comp_cmp(const void *pa, const void *pb)
{
    const comp *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    /* starts are distinct, so this is a total order */
    return a->start < b->start ? -1 : (a->start > b->start ? 1 : 0);
}

/* Scan the padded 0/1 buffer in index order, flooding each new component to 2. */
static tmesh_status find_components(comp **list_out, size_t *n_out, seg_padded *pd,
                                    int connectivity, tmesh_error *err)
{
    size_t cap = 0, cnt = 0;
    comp *list = NULL;
    seg_queue q = {0};
    tmesh_status st = TMESH_OK;
    for (size_t k = 0; k < pd->dim[2] && st == TMESH_OK; k++)
        for (size_t j = 0; j < pd->dim[1] && st == TMESH_OK; j++) {
            size_t row = tmesh_seg__pad_index(pd, 0, j, k);
            for (size_t i = 0; i < pd->dim[0]; i++) {
                size_t v = row + i;
                if (pd->w[v] != 1)
                    continue;
                if ((st = tmesh_seg__queue_push(&q, v, err)) != TMESH_OK)
                    break;
                size_t size = 0;
                if ((st = tmesh_seg__flood(pd, connectivity, 1, 2, &q, NULL, 0, &size, err)))
                    break;
                if (cnt == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    comp *nl = realloc(list, ncap * sizeof *nl);
                    if (nl == NULL) {
                        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu components",
                                             ncap);
                        break;
                    }
                    list = nl;
                    cap = ncap;
                }
                /* padded indices keep the (k, j, i) order of the volume's indices */
                list[cnt].start = v;
                list[cnt].size = size;
                cnt++;
            }
        }
    tmesh_seg__queue_free(&q);
    if (st != TMESH_OK) {
        free(list);
        return st;
    }
    *list_out = list;
    *n_out = cnt;
    return TMESH_OK;
}

/* Flood from `start` (value 2) to 3, labelling when `lab` is set. */
static tmesh_status take(seg_padded *pd, seg_queue *q, size_t start, int connectivity,
                         uint16_t *lab, uint16_t label, tmesh_error *err)
{
    if (pd->w[start] != 2)
        return TMESH_OK;
    tmesh_status st = tmesh_seg__queue_push(q, start, err);
    if (st == TMESH_OK)
        st = tmesh_seg__flood(pd, connectivity, 2, 3, q, lab, label, NULL, err);
    return st;
}

/* Is component c (in size order) kept by a size-based mode? */
static int kept_by_size(const tmesh_seg_components_opts *o, size_t c, size_t size, double vv)
{
    return o->mode == TMESH_SEG_CC_KEEP_LARGEST ? c == 0
           : o->mode == TMESH_SEG_CC_KEEP_N     ? c < o->n
                                                : !((double)size * vv < o->min_volume_mm3);
}

/*
 * The run method: runs are joined by union-find, so the work follows the number of runs, not of
 * voxels. A component's root is its run of smallest index, which holds its first voxel, so the
 * numbering is the flood method's. seeds holds volume indices.
 */
static tmesh_status components_runs(tmesh_volume *res, size_t *n_out, const tmesh_volume *mask,
                                    const tmesh_seg_components_opts *o, const seg_runs *r,
                                    const size_t *seeds, tmesh_error *err)
{
    const size_t nx = mask->dim[0], ny = mask->dim[1], nz = mask->dim[2];
    size_t nr = r->n ? r->n : 1;
    uint32_t *parent = malloc(nr * sizeof *parent), *cid = malloc(nr * sizeof *cid);
    comp *list = NULL;
    size_t *rank = NULL;
    tmesh_status st = TMESH_OK;
    if (parent == NULL || cid == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu runs", r->n);
        goto done;
    }
    tmesh_seg__runs_label(parent, r, o->connectivity);
    size_t nc = 0;
    for (size_t x = 0; x < r->n; x++)
        if (parent[x] == x)
            cid[x] = (uint32_t)nc++;
    list = calloc(nc ? nc : 1, sizeof *list);
    rank = malloc((nc ? nc : 1) * sizeof *rank);
    if (list == NULL || rank == NULL) {
        st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu components", nc);
        goto done;
    }
    for (size_t row = 0; row < ny * nz; row++)
        for (size_t x = r->row_off[row]; x < r->row_off[row + 1]; x++) {
            comp *c = &list[cid[parent[x]]];
            if (parent[x] == x) {
                c->start = nx * row + r->a[x];
                c->id = cid[x];
            }
            c->size += (size_t)(r->b[x] - r->a[x]) + 1;
        }
    *n_out = nc;
    if (nc > 1)
        qsort(list, nc, sizeof *list, comp_cmp);
    if (o->mode == TMESH_SEG_CC_LABEL_ALL && nc > 65535) {
        st = tmesh_error_set(err, TMESH_E_DATA,
                             "mask has %zu components; label-components holds at most 65535 "
                             "(remove islands first)",
                             nc);
        goto done;
    }
    /* rank[id]: 1-based position in size order for labels, or 1 when kept and 0 when not */
    double vv = tmesh_seg__voxel_volume(mask);
    for (size_t c = 0; c < nc; c++)
        rank[list[c].id] = o->mode == TMESH_SEG_CC_LABEL_ALL ? c + 1
                           : o->mode == TMESH_SEG_CC_KEEP_SEEDED
                               ? 0
                               : (size_t)kept_by_size(o, c, list[c].size, vv);
    if (o->mode == TMESH_SEG_CC_KEEP_SEEDED)
        for (size_t s = 0; s < o->n_seeds; s++) {
            size_t row = seeds[s] / nx, i = seeds[s] % nx;
            size_t lo = r->row_off[row], hi = r->row_off[row + 1];
            while (hi - lo > 1) { /* the run with a <= i: seeds lie on the mask */
                size_t mid = lo + (hi - lo) / 2;
                if (r->a[mid] <= i)
                    lo = mid;
                else
                    hi = mid;
            }
            rank[cid[parent[lo]]] = 1;
        }
    for (size_t row = 0; row < ny * nz; row++)
        for (size_t x = r->row_off[row]; x < r->row_off[row + 1]; x++) {
            size_t v = rank[cid[parent[x]]], len = (size_t)(r->b[x] - r->a[x]) + 1;
            if (v == 0) {
                if (res == mask) /* in place: the runs are all of the mask's voxels */
                    memset((uint8_t *)res->data + nx * row + r->a[x], 0, len);
                continue;
            }
            if (res->type == TMESH_VOXEL_U16) {
                uint16_t *d = (uint16_t *)res->data + nx * row + r->a[x];
                for (size_t t = 0; t < len; t++)
                    d[t] = (uint16_t)v;
            } else {
                memset((uint8_t *)res->data + nx * row + r->a[x], 1, len);
            }
        }
done:
    free(parent);
    free(cid);
    free(list);
    free(rank);
    return st;
}

/* With `inplace` (U8 mask, not label-all), the result replaces the mask's voxels and *out is
 * set only when the voxel method had to make a new volume. */
static tmesh_status components(tmesh_volume **out, size_t *n_components_out, tmesh_volume *inplace,
                               const tmesh_volume *mask, const tmesh_seg_components_opts *opts,
                               tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && mask != NULL);
    *out = NULL;
    tmesh_seg_components_opts o = TMESH_SEG_COMPONENTS_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    tmesh_status st;
    if ((st = tmesh_seg__check_mask(mask, "mask", err)) ||
        (st = tmesh_seg__check_connectivity(o.connectivity, err)))
        return st;
    if ((int)o.mode < (int)TMESH_SEG_CC_LABEL_ALL || (int)o.mode > (int)TMESH_SEG_CC_REMOVE_SMALL)
        return tmesh_error_set(err, TMESH_E_ARG, "mode %d is not a component mode", (int)o.mode);
    if (o.mode == TMESH_SEG_CC_KEEP_N && o.n < 1)
        return tmesh_error_set(err, TMESH_E_ARG, "n %zu must be at least 1", o.n);
    if (o.mode == TMESH_SEG_CC_REMOVE_SMALL &&
        !(o.min_volume_mm3 >= 0.0 && isfinite(o.min_volume_mm3)))
        return tmesh_error_set(err, TMESH_E_ARG, "min_volume_mm3 %g must be a finite value >= 0",
                               o.min_volume_mm3);
    if (o.mode == TMESH_SEG_CC_KEEP_SEEDED && (o.n_seeds == 0 || o.seeds == NULL))
        return tmesh_error_set(err, TMESH_E_ARG, "seeds: keep-seeded needs at least one seed");

    size_t *seed_idx = NULL; /* volume indices, then padded ones for the flood method */
    comp *list = NULL;
    uint16_t *lab = NULL;
    tmesh_volume *res = NULL;
    size_t nc = 0;
    seg_padded pd = {0};
    seg_runs runs = {0};

    /* Seeds are checked before the (long) scan so a bad seed fails fast. */
    if (o.mode == TMESH_SEG_CC_KEEP_SEEDED) {
        seed_idx = malloc(o.n_seeds * sizeof *seed_idx);
        if (seed_idx == NULL) {
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for seeds");
            goto done;
        }
        for (size_t s = 0; s < o.n_seeds; s++) {
            size_t v[3];
            if ((st = tmesh_seg_seed_voxel(v, mask, &o.seeds[s], s + 1, err)) != TMESH_OK)
                goto done;
            seed_idx[s] = v[0] + mask->dim[0] * (v[1] + mask->dim[1] * v[2]);
            if (tmesh_seg__sample(mask, seed_idx[s]) == 0.0) {
                st = tmesh_error_set(err, TMESH_E_ARG,
                                     "seed %zu (voxel %zu, %zu, %zu) lies on background, not in "
                                     "a component",
                                     s + 1, v[0], v[1], v[2]);
                goto done;
            }
        }
    }

    /* the run method needs about 16 bytes a run: use it while that stays under a byte a voxel */
    size_t n_vox = tmesh_volume_count(mask);
    if ((st = tmesh_seg__runs_find(&runs, mask, 1, n_vox / 16, o.threads, err)) != TMESH_OK)
        goto done;
    if (runs.a != NULL && inplace != NULL) {
        st = components_runs(inplace, &nc, mask, &o, &runs, seed_idx, err);
        if (st == TMESH_OK && n_components_out)
            *n_components_out = nc;
        goto done;
    }
    if (runs.a != NULL) {
        st = tmesh_seg__new_like(
            &res, mask, o.mode == TMESH_SEG_CC_LABEL_ALL ? TMESH_VOXEL_U16 : TMESH_VOXEL_U8, err);
        if (st == TMESH_OK)
            st = components_runs(res, &nc, mask, &o, &runs, seed_idx, err);
        if (st == TMESH_OK && n_components_out)
            *n_components_out = nc;
        goto done;
    }

    if ((st = tmesh_seg__pad_mask(&pd, mask, o.threads, err)) != TMESH_OK)
        goto done;
    for (size_t s = 0; seed_idx != NULL && s < o.n_seeds; s++) {
        size_t v = seed_idx[s], nx = mask->dim[0], ny = mask->dim[1];
        seed_idx[s] = tmesh_seg__pad_index(&pd, v % nx, (v / nx) % ny, v / (nx * ny));
    }
    if ((st = find_components(&list, &nc, &pd, o.connectivity, err)) != TMESH_OK)
        goto done;
    if (n_components_out)
        *n_components_out = nc;
    if (nc > 1)
        qsort(list, nc, sizeof *list, comp_cmp);
    if (o.mode == TMESH_SEG_CC_LABEL_ALL && nc > 65535) {
        st = tmesh_error_set(err, TMESH_E_DATA,
                             "mask has %zu components; label-components holds at most 65535 "
                             "(remove islands first)",
                             nc);
        goto done;
    }
    st = tmesh_seg__new_like(
        &res, mask, o.mode == TMESH_SEG_CC_LABEL_ALL ? TMESH_VOXEL_U16 : TMESH_VOXEL_U8, err);
    if (st != TMESH_OK)
        goto done;

    /* Second pass: flood each kept component again from its start (2 -> 3). */
    seg_queue q = {0};
    double vv = tmesh_seg__voxel_volume(mask);
    if (o.mode == TMESH_SEG_CC_LABEL_ALL) {
        size_t pn = pd.pdim[0] * pd.pdim[1] * pd.pdim[2];
        lab = calloc(pn, sizeof *lab);
        if (lab == NULL)
            st = tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for %zu labels", pn);
        for (size_t c = 0; c < nc && st == TMESH_OK; c++)
            st = take(&pd, &q, list[c].start, o.connectivity, lab, (uint16_t)(c + 1), err);
        if (st == TMESH_OK) {
            const size_t nx = mask->dim[0];
            uint16_t *r = res->data;
            for (size_t k = 0; k < mask->dim[2]; k++)
                for (size_t j = 0; j < mask->dim[1]; j++)
                    memcpy(r + nx * (j + mask->dim[1] * k),
                           lab + tmesh_seg__pad_index(&pd, 0, j, k), nx * sizeof *r);
        }
    } else {
        if (o.mode == TMESH_SEG_CC_KEEP_SEEDED) {
            /* seeds select by voxel: flood from each seed voxel not taken yet */
            for (size_t s = 0; s < o.n_seeds && st == TMESH_OK; s++)
                st = take(&pd, &q, seed_idx[s], o.connectivity, NULL, 0, err);
        } else {
            for (size_t c = 0; c < nc && st == TMESH_OK; c++) {
                int kept = o.mode == TMESH_SEG_CC_KEEP_LARGEST ? c == 0
                           : o.mode == TMESH_SEG_CC_KEEP_N
                               ? c < o.n
                               : !((double)list[c].size * vv < o.min_volume_mm3);
                if (kept)
                    st = take(&pd, &q, list[c].start, o.connectivity, NULL, 0, err);
            }
        }
        if (st == TMESH_OK)
            st = tmesh_seg__pad_store_eq(&pd, res->data, 3, o.threads, err);
    }
    tmesh_seg__queue_free(&q);
done:
    free(lab);
    free(list);
    free(seed_idx);
    tmesh_seg__pad_free(&pd);
    tmesh_seg__runs_free(&runs);
    if (st != TMESH_OK) {
        tmesh_volume_free(res);
        return st;
    }
    *out = res;
    return TMESH_OK;
}

tmesh_status tmesh_seg_components(tmesh_volume **out, size_t *n_components_out,
                                  const tmesh_volume *mask, const tmesh_seg_components_opts *opts,
                                  tmesh_error *err)
{
    return components(out, n_components_out, NULL, mask, opts, err);
}

tmesh_status tmesh_seg__components_inplace(tmesh_volume *mask,
                                           const tmesh_seg_components_opts *opts, tmesh_error *err)
{
    TMESH_ASSERT(mask != NULL && opts != NULL && opts->mode != TMESH_SEG_CC_LABEL_ALL);
    if (mask->type != TMESH_VOXEL_U8) {
        tmesh_volume *res = NULL;
        tmesh_status st = tmesh_seg_components(&res, NULL, mask, opts, err);
        if (st == TMESH_OK)
            tmesh_seg__take_data(mask, res);
        return st;
    }
    tmesh_volume *res = NULL;
    tmesh_status st = components(&res, NULL, mask, mask, opts, err);
    if (st == TMESH_OK && res != NULL)
        tmesh_seg__take_data(mask, res);
    return st;
}
