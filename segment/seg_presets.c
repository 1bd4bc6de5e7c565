/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Documented CT threshold presets (HU). The ranges follow the values radiology texts and the
 * common 3D tools (3D Slicer, InVesalius) use; each line says what it selects and what it
 * cannot separate, so a user knows which follow-up operation is needed.
 */
#include "seg_int.h"

#include <string.h>

static const tmesh_seg_preset presets[] = {
    {"bone",
     226.0,
     32767.0,
     "cortical and trabecular bone; also calcifications, contrast above 226 HU and metal",
     {241, 214, 145}},
    {"skin",
     -400.0,
     32767.0,
     "body outline (everything denser than lung and air); the skin surface of a 3D view",
     {177, 122, 101}},
    {"soft-tissue",
     -30.0,
     225.0,
     "muscle, organs and blood; excludes fat, lung and bone",
     {206, 110, 84}},
    {"lung",
     -1000.0,
     -400.0,
     "aerated lung and airways, and the air around the body: follow with keep-seeded",
     {197, 165, 145}},
    {"fat", -190.0, -30.0, "subcutaneous and visceral adipose tissue", {230, 220, 70}},
    {"vessels",
     150.0,
     500.0,
     "iodine contrast-enhanced vessels; overlaps trabecular bone, so grow from a seed",
     {216, 101, 79}},
    {"teeth",
     1200.0,
     32767.0,
     "enamel and dentine; also dense cortical bone and metal",
     {255, 250, 220}},
};

#define N_PRESETS (sizeof presets / sizeof presets[0])

size_t tmesh_seg_preset_count(void)
{
    return N_PRESETS;
}

const tmesh_seg_preset *tmesh_seg_preset_at(size_t index)
{
    TMESH_ASSERT(index < N_PRESETS);
    return &presets[index];
}

tmesh_status tmesh_seg_preset_find(const tmesh_seg_preset **out, const char *name, tmesh_error *err)
{
    TMESH_ASSERT(out != NULL && name != NULL);
    *out = NULL;
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0) {
            *out = &presets[i];
            return TMESH_OK;
        }
    return tmesh_error_set(err, TMESH_E_NOTFOUND,
                           "unknown preset '%s' (known: bone, skin, soft-tissue, lung, fat, "
                           "vessels, teeth)",
                           name);
}
