// SPDX-License-Identifier: BSD-3-Clause
//
// The VTK bridge of the render module: the one C++ file of render/. It copies tmesh meshes into
// VTK actors, applies the materials, lights and camera chosen by the C code, renders offscreen on
// an X display it is given and hands back raw pixels, depth and VTK's matrices. It decides
// nothing; every VTK error is caught by an observer and returned in tmesh_error, never printed.
#include "vtk_bridge.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include <vtkActor.h>
#include <vtkActorCollection.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCommand.h>
#include <vtkFloatArray.h>
#include <vtkIdTypeArray.h>
#include <vtkLight.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkObject.h>
#include <vtkMapper.h>
#include <vtkOutputWindow.h>
#include <vtkPlane.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVersion.h>

namespace
{

// Keeps the first error text reported by any observed VTK object; warnings are dropped.
class ErrorObserver : public vtkCommand
{
  public:
    static ErrorObserver *New()
    {
        return new ErrorObserver;
    }
    void Execute(vtkObject *, unsigned long event, void *data) override
    {
        if (event == vtkCommand::ErrorEvent) {
            if (!failed && data != nullptr)
                text = static_cast<const char *>(data);
            failed = true;
        }
    }
    void reset()
    {
        failed = false;
        text.clear();
    }
    bool failed = false;
    std::string text;
};

void observe(vtkObject *o, ErrorObserver *obs)
{
    o->AddObserver(vtkCommand::ErrorEvent, obs);
    o->AddObserver(vtkCommand::WarningEvent, obs);
}

// VTK messages end with newlines and carry the object address; keep one line.
tmesh_status vtk_failure(tmesh_error *err, const char *what, const std::string &text)
{
    std::string one = text;
    for (char &c : one)
        if (c == '\n' || c == '\r')
            c = ' ';
    while (!one.empty() && one.back() == ' ')
        one.pop_back();
    return tmesh_error_set(err, TMESH_E_INTERNAL, "VTK %s failed: %s", what,
                           one.empty() ? "(no message)" : one.c_str());
}

tmesh_status from_exception(tmesh_error *err, const char *what)
{
    try {
        throw;
    } catch (const std::bad_alloc &) {
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory in VTK %s", what);
    } catch (const std::exception &e) {
        return tmesh_error_set(err, TMESH_E_INTERNAL, "VTK %s: %s", what, e.what());
    } catch (...) {
        return tmesh_error_set(err, TMESH_E_INTERNAL, "VTK %s: unknown exception", what);
    }
}

} // namespace

struct tmesh_vtk_scene {
    vtkSmartPointer<vtkRenderWindow> win;
    vtkSmartPointer<vtkRenderer> ren;
    vtkSmartPointer<ErrorObserver> obs;
    vtkSmartPointer<vtkPlane> clip; // null: no clipping plane
    unsigned w = 0, h = 0;
};

extern "C" void tmesh_vtk_init(void)
{
    try {
        vtkObject::GlobalWarningDisplayOff();
        vtkOutputWindow::GetInstance()->SetDisplayModeToNever();
    } catch (...) {
        // nothing can be reported from here; VTK then prints, which the tests would notice
    }
}

extern "C" tmesh_status tmesh_vtk_scene_new(tmesh_vtk_scene **out, void *x_display, unsigned w,
                                            unsigned h, tmesh_error *err)
{
    *out = nullptr;
    tmesh_vtk_scene *s = nullptr;
    try {
        s = new tmesh_vtk_scene;
        s->w = w;
        s->h = h;
        s->obs = vtkSmartPointer<ErrorObserver>::New();
        s->win = vtkSmartPointer<vtkRenderWindow>::New();
        observe(s->win, s->obs);
        s->win->SetDisplayId(x_display);
        s->win->SetOffScreenRendering(1);
        s->win->SetMultiSamples(0);
        s->win->SetAlphaBitPlanes(1);
        s->win->SetSize(static_cast<int>(w), static_cast<int>(h));
        s->ren = vtkSmartPointer<vtkRenderer>::New();
        observe(s->ren, s->obs);
        s->win->AddRenderer(s->ren);
        if (s->obs->failed) {
            tmesh_status st = vtk_failure(err, "render window", s->obs->text);
            delete s;
            return st;
        }
        *out = s;
        return TMESH_OK;
    } catch (...) {
        delete s;
        return from_exception(err, "render window");
    }
}

extern "C" void tmesh_vtk_scene_free(tmesh_vtk_scene *s)
{
    if (s == nullptr)
        return;
    try {
        if (s->win != nullptr)
            s->win->Finalize();
        delete s;
    } catch (...) {
        // releasing cannot report; the window is gone with the process at the latest
    }
}

extern "C" tmesh_status tmesh_vtk_scene_add_mesh(tmesh_vtk_scene *s, const tmesh_mesh *m,
                                                 const float *normals,
                                                 const tmesh_vtk_material *mat, tmesh_error *err)
{
    try {
        vtkNew<vtkFloatArray> xyz;
        xyz->SetNumberOfComponents(3);
        xyz->SetNumberOfTuples(static_cast<vtkIdType>(m->n_vertices));
        if (m->n_vertices > 0)
            std::memcpy(xyz->GetPointer(0), m->xyz, m->n_vertices * 3 * sizeof(float));
        vtkNew<vtkPoints> pts;
        pts->SetData(xyz);

        vtkNew<vtkIdTypeArray> offsets, conn;
        offsets->SetNumberOfTuples(static_cast<vtkIdType>(m->n_triangles + 1));
        conn->SetNumberOfTuples(static_cast<vtkIdType>(m->n_triangles * 3));
        vtkIdType *o = offsets->GetPointer(0), *c = conn->GetPointer(0);
        for (size_t t = 0; t <= m->n_triangles; t++)
            o[t] = static_cast<vtkIdType>(3 * t);
        for (size_t i = 0; i < 3 * m->n_triangles; i++)
            c[i] = static_cast<vtkIdType>(m->tri[i]);
        vtkNew<vtkCellArray> cells;
        cells->SetData(offsets, conn);

        vtkNew<vtkPolyData> pd;
        pd->SetPoints(pts);
        pd->SetPolys(cells);
        if (normals != nullptr && m->n_vertices > 0) {
            vtkNew<vtkFloatArray> n;
            n->SetNumberOfComponents(3);
            n->SetNumberOfTuples(static_cast<vtkIdType>(m->n_vertices));
            std::memcpy(n->GetPointer(0), normals, m->n_vertices * 3 * sizeof(float));
            pd->GetPointData()->SetNormals(n);
        }

        vtkNew<vtkPolyDataMapper> mapper;
        observe(mapper, s->obs);
        mapper->SetInputData(pd);
        mapper->ScalarVisibilityOff();
        if (s->clip != nullptr)
            mapper->AddClippingPlane(s->clip);
        vtkNew<vtkActor> actor;
        actor->SetMapper(mapper);
        vtkProperty *p = actor->GetProperty();
        p->SetColor(mat->color[0], mat->color[1], mat->color[2]);
        p->SetOpacity(mat->opacity);
        p->SetAmbient(mat->ambient);
        p->SetDiffuse(mat->diffuse);
        p->SetSpecular(mat->specular);
        p->SetSpecularPower(mat->specular_power);
        p->SetLighting(mat->lighting != 0);
        p->SetBackfaceCulling(mat->backface_culling != 0);
        if (mat->lighting == 0)
            p->SetInterpolationToFlat();
        else
            p->SetInterpolationToPhong();
        s->ren->AddActor(actor);
        return TMESH_OK;
    } catch (...) {
        return from_exception(err, "mesh actor");
    }
}

extern "C" tmesh_status tmesh_vtk_scene_set_clip(tmesh_vtk_scene *s, const double origin[3],
                                                 const double normal[3], tmesh_error *err)
{
    try {
        if (s->clip == nullptr) {
            s->clip = vtkSmartPointer<vtkPlane>::New();
            vtkActorCollection *actors = s->ren->GetActors();
            actors->InitTraversal();
            for (vtkActor *a = actors->GetNextActor(); a != nullptr; a = actors->GetNextActor())
                a->GetMapper()->AddClippingPlane(s->clip);
        }
        s->clip->SetOrigin(origin[0], origin[1], origin[2]);
        s->clip->SetNormal(normal[0], normal[1], normal[2]);
        return TMESH_OK;
    } catch (...) {
        return from_exception(err, "clipping plane");
    }
}

extern "C" tmesh_status tmesh_vtk_scene_set_lights(tmesh_vtk_scene *s,
                                                   const tmesh_vtk_light *lights, size_t n,
                                                   tmesh_error *err)
{
    try {
        s->ren->AutomaticLightCreationOff();
        s->ren->RemoveAllLights();
        for (size_t i = 0; i < n; i++) {
            vtkNew<vtkLight> l;
            l->SetLightTypeToCameraLight();
            l->SetDirectionAngle(lights[i].elevation_deg, lights[i].azimuth_deg);
            l->SetIntensity(lights[i].intensity);
            l->SetColor(1.0, 1.0, 1.0);
            s->ren->AddLight(l);
        }
        return TMESH_OK;
    } catch (...) {
        return from_exception(err, "lights");
    }
}

extern "C" tmesh_status tmesh_vtk_scene_render(tmesh_vtk_scene *s, const tmesh_vtk_camera *cam,
                                               const tmesh_vtk_frame_opts *fo, uint8_t *rgb_out,
                                               float *z_out, double view_out[4][4],
                                               double proj_out[4][4], tmesh_error *err)
{
    try {
        s->obs->reset();
        vtkCamera *c = s->ren->GetActiveCamera();
        c->SetFocalPoint(cam->focal[0], cam->focal[1], cam->focal[2]);
        c->SetPosition(cam->position[0], cam->position[1], cam->position[2]);
        c->SetViewUp(cam->up[0], cam->up[1], cam->up[2]);
        c->SetParallelProjection(cam->parallel != 0);
        c->SetParallelScale(cam->parallel_scale);
        c->SetViewAngle(cam->view_angle_deg);
        s->ren->SetBackground(fo->background[0], fo->background[1], fo->background[2]);
        s->ren->SetUseFXAA(fo->fxaa != 0);
        s->ren->SetUseDepthPeeling(fo->depth_peeling != 0);
        s->ren->SetMaximumNumberOfPeels(8);
        s->ren->SetOcclusionRatio(0.0);
        s->ren->SetUseSSAO(fo->ssao != 0);
        if (fo->ssao) {
            s->ren->SetSSAORadius(fo->ssao_radius);
            s->ren->SetSSAOBias(fo->ssao_bias);
            s->ren->SetSSAOKernelSize(64);
            s->ren->SetSSAOBlur(true);
        }
        s->ren->ResetCameraClippingRange();
        s->win->Render();
        if (s->obs->failed)
            return vtk_failure(err, "render", s->obs->text);

        const int w = static_cast<int>(s->w), h = static_cast<int>(s->h);
        vtkNew<vtkUnsignedCharArray> px;
        px->SetNumberOfComponents(3);
        if (s->win->GetPixelData(0, 0, w - 1, h - 1, 0, px, 0) == 0 || s->obs->failed ||
            px->GetNumberOfTuples() != static_cast<vtkIdType>(w) * h)
            return vtk_failure(err, "pixel read-back", s->obs->text);
        std::memcpy(rgb_out, px->GetPointer(0), static_cast<size_t>(w) * h * 3);
        if (z_out != nullptr) {
            if (s->win->GetZbufferData(0, 0, w - 1, h - 1, z_out) == 0 || s->obs->failed)
                return vtk_failure(err, "depth read-back", s->obs->text);
        }
        vtkMatrix4x4 *mv = c->GetModelViewTransformMatrix();
        vtkMatrix4x4 *pr = c->GetProjectionTransformMatrix(
            static_cast<double>(w) / static_cast<double>(h), -1.0, 1.0);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                view_out[i][j] = mv->GetElement(i, j);
                proj_out[i][j] = pr->GetElement(i, j);
            }
        return TMESH_OK;
    } catch (...) {
        return from_exception(err, "render");
    }
}

extern "C" tmesh_status tmesh_vtk_scene_capabilities(tmesh_vtk_scene *s, char *buf, size_t cap,
                                                     tmesh_error *err)
{
    try {
        // Only valid once a frame was rendered: the GL context is current then. The GLX lines
        // and the long extension lists are left out; the "OpenGL ... string" lines are kept.
        const char *rep = s->win->ReportCapabilities();
        std::string all = rep ? rep : "", text;
        size_t pos = 0;
        while (pos < all.size()) {
            size_t end = all.find('\n', pos);
            if (end == std::string::npos)
                end = all.size();
            std::string line = all.substr(pos, end - pos);
            if (line.compare(0, 7, "OpenGL ") == 0 && line.find("string:") != std::string::npos)
                text += line + "\n";
            pos = end + 1;
        }
        std::snprintf(buf, cap, "%s", text.c_str());
        return TMESH_OK;
    } catch (...) {
        return from_exception(err, "capabilities");
    }
}

extern "C" const char *tmesh_vtk_version(void)
{
    return vtkVersion::GetVTKVersion();
}
