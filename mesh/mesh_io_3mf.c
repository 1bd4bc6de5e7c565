/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 3MF writer: an OPC zip package with [Content_Types].xml, _rels/.rels, a small stored
 * Metadata/tracemesh.txt that records units and frame near the start of the file, and the
 * deflated 3D/3dmodel.model (unit millimeter, one object per label named "label_N" with id
 * N + 1, as "LABEL=ID-1" in the note says, since assimp names objects by id; vertices
 * at "%.9g", exact for floats in the C locale). Written here rather than through assimp, whose
 * 3MF exporter prints six significant digits and stamps the export time into the zip.
 * Every entry's time is 1980-01-01 00:00, so the bytes depend only on the mesh and the frame.
 */
#include "mesh_int.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"model\" "
    "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/>"
    "<Default Extension=\"txt\" ContentType=\"text/plain\"/>"
    "</Types>\n";

static const char rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Target=\"/3D/3dmodel.model\" Id=\"rel0\" "
    "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/>"
    "</Relationships>\n";

typedef struct zip_entry {
    const char *name;
    uint32_t crc, csize, usize, offset;
    uint16_t method;
} zip_entry;

static void put16(tmesh_mesh__out *o, uint16_t x)
{
    uint8_t b[2] = {(uint8_t)x, (uint8_t)(x >> 8)};
    tmesh_mesh__out_bytes(o, b, 2);
}

/* DOS time 00:00:00, date 1980-01-01. */
#define ZIP_TIME 0x0000u
#define ZIP_DATE 0x0021u

/* Append one entry (local header and data) to `zip`; deflate when `deflated` (raw deflate,
 * level 6: the same bytes for the same input and zlib). Returns 0, -1 out of memory, -2 over
 * the 4 GiB that a zip without ZIP64 holds. */
static int zip_add(tmesh_mesh__out *zip, zip_entry *e, const char *name, const void *data,
                   size_t len, int deflated)
{
    if (len > 0xffffffffu || zip->len > 0xffffffffu)
        return -2;
    e->name = name;
    e->usize = (uint32_t)len;
    e->crc = (uint32_t)crc32(0L, data, (uInt)0);
    /* crc32 takes uInt lengths: feed large buffers in pieces. */
    const Bytef *p = data;
    for (size_t done = 0; done < len;) {
        uInt piece = len - done > 0x40000000u ? 0x40000000u : (uInt)(len - done);
        e->crc = (uint32_t)crc32(e->crc, p + done, piece);
        done += piece;
    }
    e->offset = (uint32_t)zip->len;
    e->method = deflated ? 8 : 0;
    unsigned char *buf = NULL;
    size_t blen = len;
    if (deflated) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return -1;
        size_t cap = deflateBound(&z, (uLong)len);
        buf = malloc(cap ? cap : 1);
        if (buf == NULL) {
            deflateEnd(&z);
            return -1;
        }
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        z.next_out = buf;
        z.avail_out = (uInt)cap;
        int zr = deflate(&z, Z_FINISH);
        blen = z.total_out;
        deflateEnd(&z);
        if (zr != Z_STREAM_END) {
            free(buf);
            return -1;
        }
    }
    if (blen > 0xffffffffu) {
        free(buf);
        return -2;
    }
    e->csize = (uint32_t)blen;
    size_t nl = strlen(name);
    tmesh_mesh__out_u32(zip, 0x04034b50u);
    put16(zip, 20);
    put16(zip, 0);
    put16(zip, e->method);
    put16(zip, ZIP_TIME);
    put16(zip, ZIP_DATE);
    tmesh_mesh__out_u32(zip, e->crc);
    tmesh_mesh__out_u32(zip, e->csize);
    tmesh_mesh__out_u32(zip, e->usize);
    put16(zip, (uint16_t)nl);
    put16(zip, 0);
    tmesh_mesh__out_bytes(zip, name, nl);
    tmesh_mesh__out_bytes(zip, deflated ? (const void *)buf : data, blen);
    free(buf);
    return zip->failed ? -1 : 0;
}

static void zip_finish(tmesh_mesh__out *zip, const zip_entry *e, int n)
{
    size_t cd = zip->len;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        tmesh_mesh__out_u32(zip, 0x02014b50u);
        put16(zip, 20);
        put16(zip, 20);
        put16(zip, 0);
        put16(zip, e[i].method);
        put16(zip, ZIP_TIME);
        put16(zip, ZIP_DATE);
        tmesh_mesh__out_u32(zip, e[i].crc);
        tmesh_mesh__out_u32(zip, e[i].csize);
        tmesh_mesh__out_u32(zip, e[i].usize);
        put16(zip, (uint16_t)nl);
        put16(zip, 0);
        put16(zip, 0);
        put16(zip, 0);
        put16(zip, 0);
        tmesh_mesh__out_u32(zip, 0);
        tmesh_mesh__out_u32(zip, e[i].offset);
        tmesh_mesh__out_bytes(zip, e[i].name, nl);
    }
    size_t cds = zip->len - cd;
    tmesh_mesh__out_u32(zip, 0x06054b50u);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, (uint16_t)n);
    put16(zip, (uint16_t)n);
    tmesh_mesh__out_u32(zip, (uint32_t)cds);
    tmesh_mesh__out_u32(zip, (uint32_t)cd);
    put16(zip, 0);
}

/* The model XML: one object per label (ascending, by each triangle's first vertex), vertices
 * in first-use order, triangles in mesh order. */
static int model_xml(tmesh_mesh__out *o, const tmesh_mesh *m, tmesh_mesh_space space)
{
    size_t nv = m->n_vertices ? m->n_vertices : 1;
    uint32_t *remap = malloc(nv * sizeof *remap), *stamp = malloc(nv * sizeof *stamp);
    uint8_t *seen = m->labels ? calloc(65536, 1) : NULL;
    if (!remap || !stamp || (m->labels && !seen)) {
        free(remap);
        free(stamp);
        free(seen);
        return -1;
    }
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<model unit=\"millimeter\" xml:lang=\"en-US\" "
        "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\">\n";
    tmesh_mesh__out_bytes(o, head, sizeof head - 1);
    tmesh_mesh__out_printf(o,
                           " <metadata name=\"Application\">tracemesh %s</metadata>\n"
                           " <metadata name=\"Description\">UNITS=mm SPACE=%s%s</metadata>\n"
                           " <resources>\n",
                           TMESH_VERSION_STRING, tmesh_mesh__space_name(space),
                           seen ? " LABEL=ID-1" : "");
    if (seen)
        for (size_t t = 0; t < m->n_triangles; t++)
            seen[m->labels[m->tri[3 * t]]] = 1;
    for (size_t v = 0; v < m->n_vertices; v++)
        stamp[v] = UINT32_MAX;
    uint32_t id = 0;
    for (uint32_t lab = 0; lab < (seen ? 65536u : 1u); lab++) {
        if (seen && !seen[lab])
            continue;
        id = seen ? lab + 1 : 1; /* readers that drop names (assimp) keep the id */
        if (seen)
            tmesh_mesh__out_printf(o, "  <object id=\"%u\" name=\"label_%u\" type=\"model\">\n",
                                   id, lab);
        else
            tmesh_mesh__out_printf(o, "  <object id=\"%u\" name=\"tracemesh\" type=\"model\">\n",
                                   id);
        tmesh_mesh__out_printf(o, "   <mesh>\n    <vertices>\n");
        uint32_t next = 0;
        for (size_t t = 0; t < m->n_triangles; t++) {
            if (seen && m->labels[m->tri[3 * t]] != lab)
                continue;
            for (int c = 0; c < 3; c++) {
                uint32_t v = m->tri[3 * t + c];
                if (stamp[v] == id)
                    continue;
                stamp[v] = id;
                remap[v] = next++;
                float p[3];
                tmesh_mesh__out_xyz(m, v, space, p);
                tmesh_mesh__out_printf(o, "     <vertex x=\"%.9g\" y=\"%.9g\" z=\"%.9g\"/>\n",
                                       (double)p[0], (double)p[1], (double)p[2]);
            }
        }
        tmesh_mesh__out_printf(o, "    </vertices>\n    <triangles>\n");
        for (size_t t = 0; t < m->n_triangles; t++) {
            if (seen && m->labels[m->tri[3 * t]] != lab)
                continue;
            tmesh_mesh__out_printf(o, "     <triangle v1=\"%u\" v2=\"%u\" v3=\"%u\"/>\n",
                                   remap[m->tri[3 * t]], remap[m->tri[3 * t + 1]],
                                   remap[m->tri[3 * t + 2]]);
        }
        tmesh_mesh__out_printf(o, "    </triangles>\n   </mesh>\n  </object>\n");
    }
    tmesh_mesh__out_printf(o, " </resources>\n <build>\n");
    for (uint32_t lab = 0; lab < (seen ? 65536u : 1u); lab++)
        if (!seen || seen[lab])
            tmesh_mesh__out_printf(o, "  <item objectid=\"%u\"/>\n", lab + 1);
    tmesh_mesh__out_printf(o, " </build>\n</model>\n");
    free(remap);
    free(stamp);
    free(seen);
    return o->failed ? -1 : 0;
}

tmesh_status tmesh_mesh__3mf_write(const tmesh_mesh *m, const char *path, tmesh_mesh_space space,
                                   tmesh_error *err)
{
    tmesh_mesh__out model = {NULL, 0, 0, 0}, zip = {NULL, 0, 0, 0};
    char note[128];
    int n = snprintf(note, sizeof note, "tracemesh %s UNITS=mm SPACE=%s%s\n",
                     TMESH_VERSION_STRING, tmesh_mesh__space_name(space),
                     m->labels ? " LABEL=ID-1" : "");
    zip_entry e[4];
    int r = model_xml(&model, m, space);
    if (r == 0)
        r = zip_add(&zip, &e[0], "[Content_Types].xml", content_types, sizeof content_types - 1,
                    0);
    if (r == 0)
        r = zip_add(&zip, &e[1], "_rels/.rels", rels, sizeof rels - 1, 0);
    if (r == 0)
        r = zip_add(&zip, &e[2], "Metadata/tracemesh.txt", note, (size_t)n, 0);
    if (r == 0)
        r = zip_add(&zip, &e[3], "3D/3dmodel.model", model.data, model.len, 1);
    free(model.data);
    tmesh_status rc;
    if (r == 0) {
        zip_finish(&zip, e, 4);
        r = zip.failed ? -1 : zip.len > 0xffffffffu ? -2 : 0;
    }
    if (r == -2)
        rc = tmesh_error_set(err, TMESH_E_ARG, "%s: 3MF package over 4 GiB (no ZIP64)", path);
    else if (r != 0)
        rc = tmesh_error_set(err, TMESH_E_NOMEM, "%s: out of memory building the 3MF package",
                             path);
    else
        rc = tmesh_fs_write_atomic(path, zip.data, zip.len, err);
    free(zip.data);
    return rc;
}
