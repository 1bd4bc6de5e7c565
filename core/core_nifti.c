/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NIfTI-1 volume files, the exchange format for volumes and label volumes (ITK-SNAP, 3D Slicer,
 * nibabel). nifti_clib builds and parses the header; the bytes are written here so that the
 * write is atomic and every failure names the path. NIfTI is RAS, tracemesh is LPS: the first
 * two rows of the matrix change sign on the way in and out.
 */
#define _POSIX_C_SOURCE 200809L
#include "core_int.h"

#include <math.h>
#include <string.h>

#include <nifti1_io.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int nifti_datatype(tmesh_voxel_type t)
{
    switch (t) {
    case TMESH_VOXEL_U8: return NIFTI_TYPE_UINT8;
    case TMESH_VOXEL_I16: return NIFTI_TYPE_INT16;
    case TMESH_VOXEL_U16: return NIFTI_TYPE_UINT16;
    case TMESH_VOXEL_F32: return NIFTI_TYPE_FLOAT32;
    }
    return 0;
}

/* Columns orthogonal within a relative 1e-6: only then can the qform hold the matrix. */
static int columns_orthogonal(const double m[4][4])
{
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++) {
            double dot = 0, na = 0, nb = 0;
            for (int r = 0; r < 3; r++) {
                dot += m[r][a] * m[r][b];
                na += m[r][a] * m[r][a];
                nb += m[r][b] * m[r][b];
            }
            if (fabs(dot) > 1e-6 * sqrt(na * nb))
                return 0;
        }
    return 1;
}

tmesh_status tmesh_volume_write_nifti(const tmesh_volume *vol, const char *path, tmesh_error *err)
{
    int gz;
    if (ends_with(path, ".nii.gz"))
        gz = 1;
    else if (ends_with(path, ".nii"))
        gz = 0;
    else
        return tmesh_error_set(err, TMESH_E_ARG, "%s: output name must end in .nii or .nii.gz",
                               path);
    for (int a = 0; a < 3; a++)
        if (vol->dim[a] > 32767)
            return tmesh_error_set(err, TMESH_E_ARG,
                                   "%s: dimension %zu exceeds the NIfTI-1 limit of 32767", path,
                                   vol->dim[a]);
    int dims[8] = {3, (int)vol->dim[0], (int)vol->dim[1], (int)vol->dim[2], 1, 1, 1, 1};
    nifti_image *nim = nifti_make_new_nim(dims, nifti_datatype(vol->type), 0);
    if (nim == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "%s: cannot build a NIfTI header", path);

    mat44 ras;
    double spacing[3];
    tmesh_volume_spacing(vol, spacing);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            double v = vol->ijk_to_lps[r][c];
            ras.m[r][c] = (float)(r < 2 ? -v : v);
        }
    nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
    nim->sto_xyz = ras;
    nim->xyz_units = NIFTI_UNITS_MM;
    nim->dx = nim->pixdim[1] = (float)spacing[0];
    nim->dy = nim->pixdim[2] = (float)spacing[1];
    nim->dz = nim->pixdim[3] = (float)spacing[2];
    if (columns_orthogonal(vol->ijk_to_lps)) {
        float qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac;
        nifti_mat44_to_quatern(ras, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac);
        nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
        nim->quatern_b = qb;
        nim->quatern_c = qc;
        nim->quatern_d = qd;
        nim->qoffset_x = qx;
        nim->qoffset_y = qy;
        nim->qoffset_z = qz;
        nim->qfac = qfac;
        nim->pixdim[0] = qfac;
    } else {
        nim->qform_code = NIFTI_XFORM_UNKNOWN;
    }
    snprintf(nim->descrip, sizeof nim->descrip, "tracemesh %s", TMESH_VERSION_STRING);

    struct nifti_1_header hdr = nifti_convert_nim2nhdr(nim);
    nifti_image_free(nim);
    hdr.vox_offset = 352.0f;
    memcpy(hdr.magic, "n+1", 4);

    uint8_t ext[4] = {0, 0, 0, 0};
    const void *parts[3] = {&hdr, ext, vol->data};
    size_t lens[3] = {sizeof hdr, sizeof ext,
                      tmesh_volume_count(vol) * tmesh_voxel_size(vol->type)};
    return tmesh_fs_write_atomic_parts(path, 3, parts, lens, gz, err);
}

tmesh_status tmesh_volume_read_nifti(tmesh_volume **out, const char *path, tmesh_error *err)
{
    *out = NULL;
    nifti_set_debug_level(0);
    FILE *probe = fopen(path, "rb");
    if (probe == NULL)
        return tmesh_error_set(err, TMESH_E_IO, "%s: cannot open", path);
    fclose(probe);
    nifti_image *nim = nifti_image_read(path, 1);
    if (nim == NULL || nim->data == NULL) {
        nifti_image_free(nim);
        return tmesh_error_set(err, TMESH_E_DATA, "%s: not a readable NIfTI file", path);
    }
    tmesh_status st = TMESH_OK;
    tmesh_volume *v = NULL;
    if (nim->ndim > 3 && nim->nt * nim->nu * nim->nv * nim->nw > 1) {
        st = tmesh_error_set(err, TMESH_E_DATA, "%s: %d-dimensional NIfTI, expected 3", path,
                             nim->ndim);
        goto done;
    }
    int scaled = nim->scl_slope != 0.0f && (nim->scl_slope != 1.0f || nim->scl_inter != 0.0f);
    tmesh_voxel_type t;
    switch (nim->datatype) {
    case NIFTI_TYPE_UINT8: t = TMESH_VOXEL_U8; break;
    case NIFTI_TYPE_INT16: t = TMESH_VOXEL_I16; break;
    case NIFTI_TYPE_UINT16: t = TMESH_VOXEL_U16; break;
    case NIFTI_TYPE_FLOAT32: t = TMESH_VOXEL_F32; break;
    case NIFTI_TYPE_INT8: case NIFTI_TYPE_INT32: case NIFTI_TYPE_UINT32: case NIFTI_TYPE_FLOAT64:
        t = TMESH_VOXEL_F32;
        break;
    default:
        st = tmesh_error_set(err, TMESH_E_DATA, "%s: unsupported NIfTI datatype %d", path,
                             nim->datatype);
        goto done;
    }
    if (scaled)
        t = TMESH_VOXEL_F32;
    size_t dim[3] = {(size_t)(nim->nx > 0 ? nim->nx : 1), (size_t)(nim->ny > 0 ? nim->ny : 1),
                     (size_t)(nim->nz > 0 ? nim->nz : 1)};
    int same = (int)t == (nim->datatype == NIFTI_TYPE_UINT8     ? TMESH_VOXEL_U8
                          : nim->datatype == NIFTI_TYPE_INT16   ? TMESH_VOXEL_I16
                          : nim->datatype == NIFTI_TYPE_UINT16  ? TMESH_VOXEL_U16
                          : nim->datatype == NIFTI_TYPE_FLOAT32 ? TMESH_VOXEL_F32
                                                                : -1);
    size_t n = dim[0] * dim[1] * dim[2];
    if (same && nim->nvox == n) {
        /* The samples are already in our layout: take nifti_clib's buffer (calloc'd, freed
         * with free) instead of copying it, so reading never holds the image twice. */
        static const size_t one[3] = {1, 1, 1};
        st = tmesh_volume_new(&v, one, t, err);
        if (st != TMESH_OK)
            goto done;
        free(v->data);
        v->data = nim->data;
        nim->data = NULL;
        memcpy(v->dim, dim, sizeof v->dim);
    } else {
        st = tmesh_volume_new(&v, dim, t, err);
        if (st != TMESH_OK)
            goto done;
    }
    if (nim->data == NULL) {
        /* taken above */
    } else if (same) {
        memcpy(v->data, nim->data, n * tmesh_voxel_size(t));
    } else {
        float *dst = v->data;
        double slope = scaled ? nim->scl_slope : 1.0, inter = scaled ? nim->scl_inter : 0.0;
        for (size_t i = 0; i < n; i++) {
            double x;
            switch (nim->datatype) {
            case NIFTI_TYPE_UINT8: x = ((uint8_t *)nim->data)[i]; break;
            case NIFTI_TYPE_INT8: x = ((int8_t *)nim->data)[i]; break;
            case NIFTI_TYPE_INT16: x = ((int16_t *)nim->data)[i]; break;
            case NIFTI_TYPE_UINT16: x = ((uint16_t *)nim->data)[i]; break;
            case NIFTI_TYPE_INT32: x = ((int32_t *)nim->data)[i]; break;
            case NIFTI_TYPE_UINT32: x = ((uint32_t *)nim->data)[i]; break;
            case NIFTI_TYPE_FLOAT64: x = ((double *)nim->data)[i]; break;
            default: x = ((float *)nim->data)[i]; break;
            }
            dst[i] = (float)(x * slope + inter);
        }
    }
    mat44 m;
    if (nim->sform_code > 0)
        m = nim->sto_xyz;
    else if (nim->qform_code > 0)
        m = nim->qto_xyz;
    else {
        memset(&m, 0, sizeof m);
        m.m[0][0] = nim->dx > 0 ? nim->dx : 1.0f;
        m.m[1][1] = nim->dy > 0 ? nim->dy : 1.0f;
        m.m[2][2] = nim->dz > 0 ? nim->dz : 1.0f;
        m.m[3][3] = 1.0f;
    }
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            v->ijk_to_lps[r][c] = r < 2 ? -(double)m.m[r][c] : (double)m.m[r][c];
    *out = v;
    v = NULL;
done:
    tmesh_volume_free(v);
    nifti_image_free(nim);
    return st;
}
