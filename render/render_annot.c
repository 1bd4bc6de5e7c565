/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything drawn on top of the rendered scene, the same for PNG, SVG and PDF: flat fills from
 * geometry (vector figures), feature lines, labels with leader lines anchored at LPS points, a
 * scale bar in mm, orientation letters, the title and the DRAFT mark; and the XMP packet that
 * carries the figure's provenance. Cairo draws in pixel units; sizes are given in points.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "DejaVu Sans"
#define DRAFT_TEXT "DRAFT - not clinically reviewed"

/* screen direction -> anatomical letters: dominant LPS axis, plus the second when it is at
 * least half as strong (an oblique view) */
static void letters(const double v[3], char out[4])
{
    static const char POS[3] = {'L', 'P', 'S'}, NEG[3] = {'R', 'A', 'I'};
    int order[3] = {0, 1, 2};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (fabs(v[order[j]]) > fabs(v[order[i]])) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    int n = 0;
    out[n++] = v[order[0]] >= 0 ? POS[order[0]] : NEG[order[0]];
    if (fabs(v[order[1]]) >= 0.5 * fabs(v[order[0]]))
        out[n++] = v[order[1]] >= 0 ? POS[order[1]] : NEG[order[1]];
    out[n] = '\0';
}

/* Douglas-Peucker of a closed loop xy[0..n) whose last point equals the first. */
static size_t simplify_loop(double *xy, size_t n, double tol, unsigned char *keep, size_t *stack)
{
    if (n <= 3)
        return n;
    memset(keep, 0, n);
    keep[0] = keep[n - 1] = 1;
    size_t sp = 0;
    stack[sp++] = 0;
    stack[sp++] = n - 1;
    while (sp > 0) {
        size_t j = stack[--sp], i = stack[--sp];
        double ax = xy[2 * i], ay = xy[2 * i + 1], bx = xy[2 * j], by = xy[2 * j + 1];
        double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, best = -1;
        size_t bi = i;
        for (size_t k = i + 1; k < j; k++) {
            double px = xy[2 * k] - ax, py = xy[2 * k + 1] - ay, d;
            if (l2 > 0) {
                double t = (px * dx + py * dy) / l2;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                d = hypot(px - t * dx, py - t * dy);
            } else {
                d = hypot(px, py);
            }
            if (d > best) {
                best = d;
                bi = k;
            }
        }
        /* a loop's first split always happens, so it never collapses to a segment */
        if (best > tol || (i == 0 && j == n - 1)) {
            keep[bi] = 1;
            stack[sp++] = i;
            stack[sp++] = bi;
            stack[sp++] = bi;
            stack[sp++] = j;
        }
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (keep[k]) {
            xy[2 * m] = xy[2 * k];
            xy[2 * m + 1] = xy[2 * k + 1];
            m++;
        }
    return m;
}

/*
 * Flat fill of each item: the region where the item is the nearest surface, traced from the
 * item-id buffer of the same render along pixel borders (so occlusion between items is exact to
 * the pixel), simplified to 0.75 px and filled even-odd (holes stay open). The feature lines
 * drawn on top cover the border, so the fill never shows its pixel origin.
 */
static void draw_fills(cairo_t *cr, const render__figure *fig)
{
    const render__frame *f = &fig->frame;
    size_t w = f->w, h = f->h, nv = (w + 1) * (h + 1);
    uint8_t *out = malloc(nv); /* per grid vertex: bits of unused outgoing edges */
    size_t loop_cap = 4096;
    double *loop = malloc(2 * loop_cap * sizeof *loop);
    unsigned char *keep = malloc(loop_cap);
    size_t *stack = malloc(4 * loop_cap * sizeof *stack);
    if (out == NULL || loop == NULL || keep == NULL || stack == NULL || fig->ids == NULL)
        goto done;
    static const int DX[4] = {1, 0, -1, 0}, DY[4] = {0, 1, 0, -1};
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (size_t item = 0; item < fig->n_items; item++) {
        uint16_t id = (uint16_t)(item + 1);
        memset(out, 0, nv);
        size_t n_px = 0;
        /* each pixel of the item contributes its border sides that face another id, walked
         * clockwise on screen: top left->right, right down, bottom right->left, left up */
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                if (fig->ids[y * w + x] != id)
                    continue;
                n_px++;
                if (y == 0 || fig->ids[(y - 1) * w + x] != id)
                    out[y * (w + 1) + x] |= 1u << 0;
                if (x + 1 == w || fig->ids[y * w + x + 1] != id)
                    out[y * (w + 1) + x + 1] |= 1u << 1;
                if (y + 1 == h || fig->ids[(y + 1) * w + x] != id)
                    out[(y + 1) * (w + 1) + x + 1] |= 1u << 2;
                if (x == 0 || fig->ids[y * w + x - 1] != id)
                    out[(y + 1) * (w + 1) + x] |= 1u << 3;
            }
        if (n_px == 0)
            continue;
        cairo_new_path(cr);
        for (size_t v0 = 0; v0 < nv; v0++) {
            while (out[v0] != 0) {
                size_t v = v0, m = 0;
                int dir = -1;
                loop[0] = (double)(v % (w + 1)), loop[1] = (double)(v / (w + 1)), m = 1;
                do {
                    int d = -1;
                    if (dir < 0) {
                        for (int k = 0; k < 4 && d < 0; k++)
                            if (out[v] & (1u << k))
                                d = k;
                    } else {
                        /* at a diagonal touch, turn right first: regions meeting at a corner
                         * stay separate loops */
                        const int pref[3] = {(dir + 1) % 4, dir, (dir + 3) % 4};
                        for (int k = 0; k < 3 && d < 0; k++)
                            if (out[v] & (1u << pref[k]))
                                d = pref[k];
                    }
                    if (d < 0)
                        break; /* cannot happen for a closed border; stop safely */
                    out[v] &= (uint8_t) ~(1u << d);
                    long x = (long)(v % (w + 1)) + DX[d], y = (long)(v / (w + 1)) + DY[d];
                    v = (size_t)y * (w + 1) + (size_t)x;
                    /* keep corners only */
                    if (d == dir && m >= 2)
                        m--;
                    if (m == loop_cap) {
                        size_t cap = 2 * loop_cap;
                        double *nl = realloc(loop, 2 * cap * sizeof *nl);
                        if (nl != NULL)
                            loop = nl;
                        unsigned char *nk = nl ? realloc(keep, cap) : NULL;
                        if (nk != NULL)
                            keep = nk;
                        size_t *ns = nk ? realloc(stack, 4 * cap * sizeof *ns) : NULL;
                        if (ns == NULL)
                            goto done; /* out of memory: the figure keeps the fills so far */
                        stack = ns;
                        loop_cap = cap;
                    }
                    loop[2 * m] = (double)x, loop[2 * m + 1] = (double)y;
                    m++;
                    dir = d;
                } while (v != v0);
                m = simplify_loop(loop, m, 0.75, keep, stack);
                if (m < 3)
                    continue;
                cairo_move_to(cr, loop[0], loop[1]);
                for (size_t k = 1; k < m; k++)
                    cairo_line_to(cr, loop[2 * k], loop[2 * k + 1]);
                cairo_close_path(cr);
            }
        }
        const double *col = fig->colors[item];
        cairo_set_source_rgba(cr, col[0], col[1], col[2], fig->opacities[item]);
        cairo_fill(cr);
    }
done:
    free(out);
    free(loop);
    free(keep);
    free(stack);
}

static void draw_lines(cairo_t *cr, const render__figure *fig, double k)
{
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    for (int heavy = 0; heavy < 3; heavy++) { /* creases, silhouettes, cut outline on top */
        cairo_set_line_width(cr, k * (heavy ? fig->o->silhouette_pt : fig->o->crease_pt));
        for (size_t i = 0; i < fig->lines.n; i++) {
            const render__polyline *pl = &fig->lines.lines[i];
            if (pl->heavy != heavy || pl->n < 2)
                continue;
            cairo_new_path(cr);
            cairo_move_to(cr, pl->xy[0], pl->xy[1]);
            for (size_t j = 1; j < pl->n; j++)
                cairo_line_to(cr, pl->xy[2 * j], pl->xy[2 * j + 1]);
            cairo_stroke(cr);
        }
    }
}

typedef struct label_pos {
    size_t index;
    double ax, ay, y;
    int right;
} label_pos;

static int cmp_label(const void *a, const void *b)
{
    const label_pos *x = a, *y = b;
    if (x->right != y->right)
        return x->right - y->right;
    if (x->ay != y->ay)
        return x->ay < y->ay ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static void draw_labels(cairo_t *cr, const render__figure *fig, double k)
{
    const tmesh_render_opts *o = fig->o;
    const render__frame *f = &fig->frame;
    if (o->n_labels == 0)
        return;
    label_pos *lp = malloc(o->n_labels * sizeof *lp);
    if (lp == NULL)
        return;
    for (size_t i = 0; i < o->n_labels; i++) {
        double q[3];
        render__project(f, o->labels[i].at, q);
        lp[i].index = i;
        lp[i].ax = q[0];
        lp[i].ay = q[1];
        lp[i].right = q[0] >= 0.5 * f->w;
    }
    qsort(lp, o->n_labels, sizeof *lp, cmp_label);
    double margin = fig->letter_h + 0.01 * f->w;
    double fs = 9.0 * k;
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, fs);
    /* the longest label fits its side band (less a gap for the leader): smaller type if not */
    double widest = 0;
    for (size_t i = 0; i < o->n_labels; i++) {
        cairo_text_extents_t te;
        cairo_text_extents(cr, o->labels[i].text, &te);
        widest = fmax(widest, te.x_advance);
    }
    double room = fmin(fig->band_left, fig->band_right) - margin - 0.8 * fs;
    if (widest > room && room > 0) {
        fs *= fmax(room / widest, 0.4);
        cairo_set_font_size(cr, fs);
    }
    double line_h = 1.5 * fs;
    /* stack each side top to bottom, at least one line apart */
    double last[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < o->n_labels; i++) {
        double y = fmax(lp[i].ay, last[lp[i].right] + line_h);
        y = fmin(fmax(y, line_h), f->h - line_h);
        lp[i].y = y;
        last[lp[i].right] = y;
    }
    for (size_t i = 0; i < o->n_labels; i++) {
        const char *text = o->labels[lp[i].index].text;
        cairo_text_extents_t te;
        cairo_text_extents(cr, text, &te);
        double tx = lp[i].right ? f->w - margin - te.x_advance : margin;
        double lx = lp[i].right ? tx - 0.4 * fs : tx + te.x_advance + 0.4 * fs;
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        cairo_move_to(cr, tx, lp[i].y + 0.35 * fs);
        cairo_show_text(cr, text);
        cairo_new_path(cr);
        cairo_set_line_width(cr, 0.5 * k);
        cairo_move_to(cr, lx, lp[i].y);
        cairo_line_to(cr, lp[i].ax, lp[i].ay);
        cairo_stroke(cr);
        cairo_arc(cr, lp[i].ax, lp[i].ay, 1.2 * k, 0, 2 * 3.14159265358979323846);
        cairo_fill(cr);
    }
    free(lp);
}

static void draw_scale_bar(cairo_t *cr, const render__figure *fig, double k)
{
    const render__frame *f = &fig->frame;
    if (!fig->o->scale_bar || !f->parallel)
        return; /* a perspective figure has no single scale */
    double want_mm = 0.2 * f->w * f->mm_per_px;
    double p10 = pow(10.0, floor(log10(want_mm))), mm = p10;
    if (5 * p10 <= want_mm)
        mm = 5 * p10;
    else if (2 * p10 <= want_mm)
        mm = 2 * p10;
    double len = mm / f->mm_per_px, x0 = fmax(fig->band_left, 0.03 * f->w);
    double y = f->h - 0.3 * fig->band_bottom;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_line_width(cr, 1.5 * k);
    cairo_new_path(cr);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x0 + len, y);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 0.75 * k);
    for (int e = 0; e < 2; e++) {
        cairo_move_to(cr, x0 + e * len, y - 3 * k);
        cairo_line_to(cr, x0 + e * len, y + 3 * k);
        cairo_stroke(cr);
    }
    char text[32];
    if (mm >= 1)
        snprintf(text, sizeof text, "%.0f mm", mm);
    else
        snprintf(text, sizeof text, "%.2g mm", mm);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 8 * k);
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    /* the bottom orientation letter sits at the centre: stay clear of it */
    double room = 0.5 * f->w - 0.5 * fig->letter_h - x0 - 2 * k;
    if (te.x_advance > room && room > 0)
        cairo_set_font_size(cr, 8 * k * fmax(room / te.x_advance, 0.3));
    cairo_move_to(cr, x0, y - 4 * k);
    cairo_show_text(cr, text);
}

void render__layout(render__figure *fig)
{
    const tmesh_render_opts *o = fig->o;
    double k = o->dpi / 72.0, w = fig->frame.w, h = fig->frame.h;
    fig->banner_h = o->draft ? 9.0 * k * 1.8 : 0.0;
    fig->title_h = (o->title && o->title[0]) ? 12.0 * k * 1.8 : 0.0;
    fig->letter_h = o->orientation ? 10.0 * k * 1.8 : 0.0;
    fig->band_top = fig->banner_h + fig->title_h + fig->letter_h;
    fig->band_bottom = fmax(fig->letter_h, o->scale_bar && fig->frame.parallel ? 8.0 * k * 3.2 : 0);
    fig->band_left = fig->band_right = fig->letter_h;
    if (o->n_labels > 0) {
        fig->band_left = fmax(fig->band_left, 0.2 * w);
        fig->band_right = fmax(fig->band_right, 0.2 * w);
    }
    /* a small figure keeps at least 40 % of each side for the scene */
    double sx = (fig->band_left + fig->band_right) / (0.6 * w);
    double sy = (fig->band_top + fig->band_bottom) / (0.6 * h);
    if (sx > 1) {
        fig->band_left /= sx;
        fig->band_right /= sx;
    }
    if (sy > 1) {
        fig->band_top /= sy;
        fig->band_bottom /= sy;
        fig->banner_h /= sy;
        fig->title_h /= sy;
        fig->letter_h /= sy;
    }
}

static void draw_orientation(cairo_t *cr, const render__figure *fig, double k)
{
    const render__frame *f = &fig->frame;
    if (!fig->o->orientation)
        return;
    double fs = fmin(10 * k, 0.55 * fig->letter_h), m = 0.5 * fig->letter_h;
    double dirs[4][3];
    for (int i = 0; i < 3; i++) {
        dirs[0][i] = f->right[i];
        dirs[1][i] = -f->right[i];
        dirs[2][i] = f->up[i];
        dirs[3][i] = -f->up[i];
    }
    double cy = fig->band_top + 0.5 * (f->h - fig->band_top - fig->band_bottom);
    double cx = fig->band_left + 0.5 * (f->w - fig->band_left - fig->band_right);
    double pos[4][2] = {
        {f->w - m, cy}, {m, cy}, {cx, fig->banner_h + fig->title_h + m}, {cx, f->h - m}};
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, fs);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    for (int d = 0; d < 4; d++) {
        char t[4];
        letters(dirs[d], t);
        cairo_text_extents_t te;
        cairo_text_extents(cr, t, &te);
        cairo_move_to(cr, pos[d][0] - te.x_bearing - 0.5 * te.width,
                      pos[d][1] - te.y_bearing - 0.5 * te.height);
        cairo_show_text(cr, t);
    }
}

static void draw_title(cairo_t *cr, const render__figure *fig, double k)
{
    if (fig->o->title == NULL || fig->o->title[0] == '\0')
        return;
    const render__frame *f = &fig->frame;
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    double fs = fig->title_h / 1.8;
    cairo_set_font_size(cr, fs);
    cairo_text_extents_t te;
    cairo_text_extents(cr, fig->o->title, &te);
    if (te.x_advance > 0.94 * f->w) {
        /* A long title is set smaller so that it fits the width of the figure. */
        fs *= 0.94 * f->w / te.x_advance;
        cairo_set_font_size(cr, fs);
        cairo_text_extents(cr, fig->o->title, &te);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, 0.5 * f->w - 0.5 * te.x_advance,
                  fig->banner_h + 0.5 * fig->title_h + 0.35 * fs);
    cairo_show_text(cr, fig->o->title);
}

/* The DRAFT mark: large, translucent crimson, along the diagonal, so that no crop of the figure
 * loses it entirely. */
static void draw_draft(cairo_t *cr, const render__figure *fig)
{
    if (!fig->o->draft)
        return;
    const render__frame *f = &fig->frame;
    double diag = hypot(f->w, f->h);
    cairo_save(cr);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 100);
    cairo_text_extents_t te;
    cairo_text_extents(cr, DRAFT_TEXT, &te);
    double fs = 100 * 0.75 * diag / te.x_advance;
    cairo_set_font_size(cr, fs);
    cairo_text_extents(cr, DRAFT_TEXT, &te);
    cairo_translate(cr, 0.5 * f->w, 0.5 * f->h);
    cairo_rotate(cr, -atan2((double)f->h, (double)f->w));
    cairo_set_source_rgba(cr, 0.86, 0.08, 0.24, 0.35);
    cairo_move_to(cr, -te.x_bearing - 0.5 * te.width, -te.y_bearing - 0.5 * te.height);
    cairo_show_text(cr, DRAFT_TEXT);
    cairo_restore(cr);
    /* and a solid banner along the top, legible on any background */
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.86, 0.08, 0.24);
    cairo_rectangle(cr, 0, 0, f->w, fig->banner_h);
    cairo_fill(cr);
    double bs = fig->banner_h / 1.8;
    cairo_set_font_size(cr, bs);
    cairo_text_extents(cr, DRAFT_TEXT, &te);
    if (te.x_advance > 0.95 * f->w) { /* a narrow figure: the whole text still fits */
        bs *= 0.95 * f->w / te.x_advance;
        cairo_set_font_size(cr, bs);
        cairo_text_extents(cr, DRAFT_TEXT, &te);
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, 0.5 * f->w - 0.5 * te.x_advance, 0.5 * fig->banner_h + 0.35 * bs);
    cairo_show_text(cr, DRAFT_TEXT);
    cairo_restore(cr);
}

void render__draw(cairo_t *cr, const render__figure *fig, int vector)
{
    double k = fig->o->dpi / 72.0; /* pixels per point */
    if (vector) {
        const double *bg = fig->o->background;
        cairo_set_source_rgb(cr, bg[0], bg[1], bg[2]);
        cairo_paint(cr);
        draw_fills(cr, fig);
    }
    if (fig->o->style == TMESH_STYLE_LINE)
        draw_lines(cr, fig, k);
    draw_labels(cr, fig, k);
    draw_scale_bar(cr, fig, k);
    draw_orientation(cr, fig, k);
    draw_title(cr, fig, k);
    draw_draft(cr, fig);
}

/* ---- XMP ---- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_xml(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sb_str(b, "&amp;");
            break;
        case '<':
            sb_str(b, "&lt;");
            break;
        case '>':
            sb_str(b, "&gt;");
            break;
        case '"':
            sb_str(b, "&quot;");
            break;
        default:
            /* control characters are not allowed in XML 1.0 */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
                sb_str(b, " ");
            else
                sb_add(b, s, 1);
        }
    }
}

static void sb_elem(sbuf *b, const char *name, const char *value)
{
    sb_str(b, "   <");
    sb_str(b, name);
    sb_str(b, ">");
    sb_xml(b, value);
    sb_str(b, "</");
    sb_str(b, name);
    sb_str(b, ">\n");
}

char *render__xmp(const render__figure *fig, int packet)
{
    sbuf b = {NULL, 0, 0, 0};
    if (packet)
        sb_str(&b, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
    sb_str(&b, "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
               " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
               "  <rdf:Description rdf:about=\"\"\n"
               "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
               "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
               "    xmlns:tmesh=\"https://tracemesh.org/ns/figure/1.0/\">\n");
    sb_elem(&b, "xmp:CreatorTool", "tracemesh " TMESH_VERSION_STRING);
    if (fig->o->title != NULL && fig->o->title[0] != '\0') {
        sb_str(&b, "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
        sb_xml(&b, fig->o->title);
        sb_str(&b, "</rdf:li></rdf:Alt></dc:title>\n");
    }
    sb_elem(&b, "tmesh:draft", fig->o->draft ? "True" : "False");
    sb_elem(&b, "tmesh:view", fig->view_name);
    sb_elem(&b, "tmesh:style", fig->style_name);
    for (size_t i = 0; i < fig->o->n_meta; i++) {
        char name[96];
        snprintf(name, sizeof name, "tmesh:%s", fig->o->meta[i].key);
        sb_elem(&b, name, fig->o->meta[i].value);
    }
    sb_str(&b, "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n");
    if (packet)
        sb_str(&b, "<?xpacket end=\"r\"?>");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
