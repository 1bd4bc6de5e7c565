/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VTK bridge is a module of its own (tracemesh_vtk.so, built from vtk_bridge.cpp), loaded
 * the first time a renderer opens: VTK's libraries are large, and loading them at start-up
 * took half the start-up time of every command, most of which never render. The functions
 * below have the bridge's names and forward to the module's; the module is looked for beside
 * the program (../lib/tracemesh/) and then where the build put it.
 */
#define _POSIX_C_SOURCE 200809L
#include "render_int.h"
#include "vtk_bridge.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
    void *handle;
    void (*init)(void);
    tmesh_status (*scene_new)(tmesh_vtk_scene **, void *, unsigned, unsigned, tmesh_error *);
    void (*scene_free)(tmesh_vtk_scene *);
    tmesh_status (*add_mesh)(tmesh_vtk_scene *, const tmesh_mesh *, const float *,
                             const tmesh_vtk_material *, tmesh_error *);
    tmesh_status (*set_clip)(tmesh_vtk_scene *, const double[3], const double[3], tmesh_error *);
    tmesh_status (*set_lights)(tmesh_vtk_scene *, const tmesh_vtk_light *, size_t, tmesh_error *);
    tmesh_status (*render)(tmesh_vtk_scene *, const tmesh_vtk_camera *,
                           const tmesh_vtk_frame_opts *, uint8_t *, float *, double[4][4],
                           double[4][4], tmesh_error *);
    tmesh_status (*capabilities)(tmesh_vtk_scene *, char *, size_t, tmesh_error *);
    const char *(*version)(void);
    char why[1024];
} vtk;

static pthread_once_t vtk_once = PTHREAD_ONCE_INIT;

static void *sym(const char *name, int *missing)
{
    void *p = dlsym(vtk.handle, name);
    if (p == NULL && !*missing) {
        *missing = 1;
        snprintf(vtk.why, sizeof vtk.why, "the VTK module lacks %s", name);
    }
    return p;
}

static void load_module(void)
{
    char paths[2][PATH_MAX + 64];
    int n = 0;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(paths[n++], sizeof paths[0], "%s/../lib/tracemesh/%s", exe,
                     TMESH_VTK_MODULE_NAME);
        }
    }
    snprintf(paths[n++], sizeof paths[0], "%s", TMESH_VTK_MODULE);
    for (int i = 0; i < n && vtk.handle == NULL; i++) {
        if (access(paths[i], R_OK) != 0)
            continue;
        vtk.handle = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
        if (vtk.handle == NULL)
            snprintf(vtk.why, sizeof vtk.why, "cannot load the VTK module %.400s: %.500s", paths[i],
                     dlerror());
    }
    if (vtk.handle == NULL) {
        if (vtk.why[0] == '\0')
            snprintf(vtk.why, sizeof vtk.why,
                     "the VTK module %s is neither beside the program (../lib/tracemesh/) nor "
                     "at %s; rebuild tracemesh",
                     TMESH_VTK_MODULE_NAME, TMESH_VTK_MODULE);
        return;
    }
    int missing = 0;
    /* POSIX guarantees a function pointer survives the round trip through void *. */
    *(void **)&vtk.init = sym("tmesh_vtk_init", &missing);
    *(void **)&vtk.scene_new = sym("tmesh_vtk_scene_new", &missing);
    *(void **)&vtk.scene_free = sym("tmesh_vtk_scene_free", &missing);
    *(void **)&vtk.add_mesh = sym("tmesh_vtk_scene_add_mesh", &missing);
    *(void **)&vtk.set_clip = sym("tmesh_vtk_scene_set_clip", &missing);
    *(void **)&vtk.set_lights = sym("tmesh_vtk_scene_set_lights", &missing);
    *(void **)&vtk.render = sym("tmesh_vtk_scene_render", &missing);
    *(void **)&vtk.capabilities = sym("tmesh_vtk_scene_capabilities", &missing);
    *(void **)&vtk.version = sym("tmesh_vtk_version", &missing);
    if (missing) {
        dlclose(vtk.handle);
        vtk.handle = NULL;
        return;
    }
    vtk.init();
}

tmesh_status tmesh_vtk_load(tmesh_error *err)
{
    pthread_once(&vtk_once, load_module);
    if (vtk.handle == NULL)
        return tmesh_error_set(err, TMESH_E_INTERNAL, "%s", vtk.why);
    return TMESH_OK;
}

tmesh_status tmesh_vtk_scene_new(tmesh_vtk_scene **out, void *x_display, unsigned w, unsigned h,
                                 tmesh_error *err)
{
    *out = NULL;
    tmesh_status st = tmesh_vtk_load(err);
    return st != TMESH_OK ? st : vtk.scene_new(out, x_display, w, h, err);
}

void tmesh_vtk_scene_free(tmesh_vtk_scene *s)
{
    if (s != NULL && vtk.handle != NULL)
        vtk.scene_free(s);
}

tmesh_status tmesh_vtk_scene_add_mesh(tmesh_vtk_scene *s, const tmesh_mesh *m, const float *normals,
                                      const tmesh_vtk_material *mat, tmesh_error *err)
{
    return vtk.add_mesh(s, m, normals, mat, err);
}

tmesh_status tmesh_vtk_scene_set_clip(tmesh_vtk_scene *s, const double origin[3],
                                      const double normal[3], tmesh_error *err)
{
    return vtk.set_clip(s, origin, normal, err);
}

tmesh_status tmesh_vtk_scene_set_lights(tmesh_vtk_scene *s, const tmesh_vtk_light *lights, size_t n,
                                        tmesh_error *err)
{
    return vtk.set_lights(s, lights, n, err);
}

tmesh_status tmesh_vtk_scene_render(tmesh_vtk_scene *s, const tmesh_vtk_camera *cam,
                                    const tmesh_vtk_frame_opts *fo, uint8_t *rgb_out, float *z_out,
                                    double view_out[4][4], double proj_out[4][4], tmesh_error *err)
{
    return vtk.render(s, cam, fo, rgb_out, z_out, view_out, proj_out, err);
}

tmesh_status tmesh_vtk_scene_capabilities(tmesh_vtk_scene *s, char *buf, size_t cap,
                                          tmesh_error *err)
{
    return vtk.capabilities(s, buf, cap, err);
}

const char *tmesh_vtk_version(void)
{
    return tmesh_vtk_load(NULL) == TMESH_OK ? vtk.version() : "unavailable";
}
