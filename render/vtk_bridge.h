/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C interface of the VTK bridge (render/vtk_bridge.cpp), internal to the render module. The
 * bridge only translates: it builds VTK actors from tmesh meshes with the materials, lights and
 * camera the C code chose, renders offscreen on the X display it is given, and returns raw
 * pixels, raw depth and VTK's own view and projection matrices. Every decision is in C.
 */
#ifndef TMESH_VTK_BRIDGE_H
#define TMESH_VTK_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "tracemesh/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque bridge state: one VTK render window, renderer and the actors (defined in the .cpp). */
typedef struct tmesh_vtk_scene tmesh_vtk_scene;

/** Once per process, before any other bridge call (tmesh_vtk_load calls it): global warning
 *  display off, VTK's output window silenced. Idempotent. */
void tmesh_vtk_init(void);

/** Surface material of one mesh. */
typedef struct tmesh_vtk_material {
    double color[3]; /* RGB 0..1                                        */
    double opacity;  /* 0..1                                            */
    double ambient, diffuse, specular, specular_power;
    int lighting;         /* 0: unlit flat colour                            */
    int backface_culling; /* non-zero: back faces are not drawn              */
} tmesh_vtk_material;

/** A light fixed to the camera (vtkLight camera light, direction by two angles). */
typedef struct tmesh_vtk_light {
    double elevation_deg, azimuth_deg; /* direction relative to the view direction */
    double intensity;                  /* 0..1                                     */
} tmesh_vtk_light;

/** Camera in world (LPS mm) coordinates. */
typedef struct tmesh_vtk_camera {
    double position[3], focal[3], up[3];
    int parallel;          /* non-zero: parallel projection                  */
    double parallel_scale; /* half the window height in mm (parallel)        */
    double view_angle_deg; /* vertical view angle (perspective)              */
} tmesh_vtk_camera;

/** Per-frame options. */
typedef struct tmesh_vtk_frame_opts {
    double background[3];
    int fxaa;                      /* FXAA anti-aliasing                             */
    int depth_peeling;             /* order-independent translucency                 */
    int ssao;                      /* screen-space ambient occlusion                 */
    double ssao_radius, ssao_bias; /* mm                                      */
} tmesh_vtk_frame_opts;

/**
 * Create a render window of w x h pixels, offscreen, on an open X display.
 * @param x_display borrowed `Display *`; must outlive the scene
 * @return TMESH_OK; TMESH_E_INTERNAL with VTK's text; TMESH_E_NOMEM
 */
tmesh_status tmesh_vtk_scene_new(tmesh_vtk_scene **out, void *x_display, unsigned w, unsigned h,
                                 tmesh_error *err);

/** Release the window, its GL context and all actors. Accepts NULL. */
void tmesh_vtk_scene_free(tmesh_vtk_scene *s);

/**
 * Add a mesh (copied into VTK arrays). `normals` may be NULL (then per-vertex normals are
 * not given to VTK and flat shading results).
 */
tmesh_status tmesh_vtk_scene_add_mesh(tmesh_vtk_scene *s, const tmesh_mesh *m, const float *normals,
                                      const tmesh_vtk_material *mat, tmesh_error *err);

/**
 * Clip every mesh of the scene (those added before and after) with the plane through `origin`:
 * the half-space `normal` points into is kept (VTK's convention), the other is not drawn.
 */
tmesh_status tmesh_vtk_scene_set_clip(tmesh_vtk_scene *s, const double origin[3],
                                      const double normal[3], tmesh_error *err);

/** Replace the lights (n may be 0: no light). */
tmesh_status tmesh_vtk_scene_set_lights(tmesh_vtk_scene *s, const tmesh_vtk_light *lights, size_t n,
                                        tmesh_error *err);

/**
 * Render one frame and read it back.
 * @param[out] rgb_out   w*h*3 bytes, rows bottom to top (OpenGL order)
 * @param[out] z_out     optional, w*h window depths 0..1, rows bottom to top
 * @param[out] view_out  VTK's world -> eye matrix used for the frame (row-major)
 * @param[out] proj_out  VTK's eye -> clip matrix used for the frame (row-major)
 * @return TMESH_OK; TMESH_E_INTERNAL with VTK's error text; TMESH_E_NOMEM
 */
tmesh_status tmesh_vtk_scene_render(tmesh_vtk_scene *s, const tmesh_vtk_camera *cam,
                                    const tmesh_vtk_frame_opts *fo, uint8_t *rgb_out, float *z_out,
                                    double view_out[4][4], double proj_out[4][4], tmesh_error *err);

/**
 * The "OpenGL ... string:" lines of VTK's capability report of the render window (vendor,
 * renderer, version, shading language), raw, after a frame was rendered.
 * @return TMESH_OK; TMESH_E_INTERNAL with VTK's text
 */
tmesh_status tmesh_vtk_scene_capabilities(tmesh_vtk_scene *s, char *buf, size_t cap,
                                          tmesh_error *err);

/** VTK's version string ("9.1.0"). Static storage. */
const char *tmesh_vtk_version(void);

/** Not in the module: load it once (render_vtk.c) and run tmesh_vtk_init; every other call
 *  needs this to have succeeded. @return TMESH_OK; TMESH_E_INTERNAL naming the module */
tmesh_status tmesh_vtk_load(tmesh_error *err);

#ifdef __cplusplus
}
#endif

#endif
