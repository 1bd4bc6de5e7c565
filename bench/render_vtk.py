# SPDX-License-Identifier: BSD-3-Clause
# Peer for the render benchmark (bench/render_bench.sh): the scene of `tracemesh render MESH.stl
# --view anterior --style shaded` written as a plain VTK pipeline (Debian python3-vtk9, VTK 9.1):
# vtkSTLReader -> vtkPolyDataNormals -> mapper/actor, bone colour and the same four camera lights,
# offscreen vtkRenderWindow with FXAA and parallel projection, camera fitted from the anterior,
# vtkWindowToImageFilter -> vtkPNGWriter. No annotations (scale bar, letters), no metadata.
#
# usage: /usr/bin/python3 render_vtk.py MESH.stl OUT.png [--size WxH] [--xvfb]
#        [--normals plain|smooth|none] [--report]
#   --xvfb     start a private Xvfb (-displayfd, like tracemesh) instead of using $DISPLAY; it is
#              stopped at exit. Without it run under `xvfb-run -a` (VTK 9.1 on Debian has GLX only).
#   --normals  plain: vtkPolyDataNormals with its defaults (feature-angle splitting, consistency);
#              smooth: splitting and consistency off, like tracemesh's smooth vertex normals;
#              none: no normals filter (the mapper then shades per facet).
#   --report   print phase times (read, normals, window, render, write) to stderr, and the GL
#              vendor/renderer string.
# Use /usr/bin/python3 (the pyenv python3 has no vtk).
import os
import subprocess
import sys
import time

T0 = time.monotonic()


def parse(argv):
    a = {"size": (2400, 2400), "xvfb": False, "normals": "plain", "report": False, "pos": []}
    i = 0
    while i < len(argv):
        v = argv[i]
        if v == "--size":
            w, h = argv[i + 1].lower().split("x")
            a["size"] = (int(w), int(h))
            i += 1
        elif v == "--xvfb":
            a["xvfb"] = True
        elif v == "--normals":
            a["normals"] = argv[i + 1]
            i += 1
        elif v == "--report":
            a["report"] = True
        else:
            a["pos"].append(v)
        i += 1
    if len(a["pos"]) != 2 or a["normals"] not in ("plain", "smooth", "none"):
        sys.exit("usage: render_vtk.py MESH.stl OUT.png [--size WxH] [--xvfb] "
                 "[--normals plain|smooth|none] [--report]")
    return a


def start_xvfb():
    """Start Xvfb on a free display it picks itself; return (process, ':N')."""
    r, w = os.pipe()
    p = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-nolisten", "tcp", "-noreset",
                          "-screen", "0", "1280x1024x24"], pass_fds=(w,),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = os.read(r, 32)
        if not chunk:
            p.kill()
            sys.exit("Xvfb stopped before it reported a display")
        buf += chunk
    os.close(r)
    return p, ":" + buf.decode().strip()


args = parse(sys.argv[1:])
xvfb = None
if args["xvfb"]:
    xvfb, os.environ["DISPLAY"] = start_xvfb()
t_x = time.monotonic()

import vtk  # noqa: E402  (after DISPLAY is set; the import itself is part of the timing)

t_imp = time.monotonic()
try:
    reader = vtk.vtkSTLReader()
    reader.SetFileName(args["pos"][0])
    reader.Update()
    t_read = time.monotonic()
    src = reader.GetOutputPort()
    if args["normals"] != "none":
        nrm = vtk.vtkPolyDataNormals()
        nrm.SetInputConnection(src)
        if args["normals"] == "smooth":
            nrm.SplittingOff()
            nrm.ConsistencyOff()
        nrm.Update()
        src = nrm.GetOutputPort()
    t_nrm = time.monotonic()
    pd = reader.GetOutput()

    mapper = vtk.vtkPolyDataMapper()
    mapper.SetInputConnection(src)
    mapper.ScalarVisibilityOff()
    actor = vtk.vtkActor()
    actor.SetMapper(mapper)
    p = actor.GetProperty()
    p.SetColor(0.89, 0.85, 0.79)  # bone, as tracemesh's shaded style
    p.SetAmbient(0.12)
    p.SetDiffuse(0.8)
    p.SetSpecular(0.25)
    p.SetSpecularPower(30)
    p.SetInterpolationToPhong()

    ren = vtk.vtkRenderer()
    ren.AddActor(actor)
    ren.SetBackground(1, 1, 1)
    ren.SetUseFXAA(True)
    ren.AutomaticLightCreationOff()
    # camera lights (elevation, azimuth, intensity): key, fill, rim, head
    for el, az, inten in ((45, -35, 0.75), (-25, 40, 0.30), (20, 160, 0.35), (0, 0, 0.15)):
        lt = vtk.vtkLight()
        lt.SetLightTypeToCameraLight()
        lt.SetDirectionAngle(el, az)
        lt.SetIntensity(inten)
        ren.AddLight(lt)

    win = vtk.vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetMultiSamples(0)
    win.SetSize(*args["size"])
    win.AddRenderer(ren)

    # anterior view in patient LPS: the viewer faces the patient, looking along +P (camera at -Y
    # from the centre), superior (+Z) up; parallel projection fitted to the bounds
    b = pd.GetBounds()
    c = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2]
    cam = ren.GetActiveCamera()
    cam.SetFocalPoint(*c)
    cam.SetPosition(c[0], c[1] - (b[3] - b[2]) - 100.0, c[2])
    cam.SetViewUp(0, 0, 1)
    cam.ParallelProjectionOn()
    ren.ResetCamera()  # keeps the direction, fits the bounds
    w, h = args["size"]
    cam.SetParallelScale(max((b[5] - b[4]) / 2, (b[1] - b[0]) / 2 * h / w) / 0.95)
    ren.ResetCameraClippingRange()
    t_win = time.monotonic()

    win.Render()
    t_ren = time.monotonic()

    grab = vtk.vtkWindowToImageFilter()
    grab.SetInput(win)
    grab.SetInputBufferTypeToRGB()
    grab.ReadFrontBufferOff()
    grab.Update()
    t_grab = time.monotonic()
    png = vtk.vtkPNGWriter()
    png.SetFileName(args["pos"][1])
    png.SetInputConnection(grab.GetOutputPort())
    png.Write()
    t_png = time.monotonic()
    if args["report"]:
        gl = win.ReportCapabilities().splitlines()
        gl = "; ".join(s.strip() for s in gl if s.startswith(("OpenGL vendor", "OpenGL renderer",
                                                              "OpenGL version")))
        sys.stderr.write(
            "render_vtk: %d triangles, %d points after normals; xvfb %.3f s, import vtk %.3f s, "
            "read %.3f s, normals %.3f s, setup %.3f s, render %.3f s, read-back %.3f s, "
            "png %.3f s; %s\n" % (pd.GetNumberOfPolys(),
                                  mapper.GetInput().GetNumberOfPoints(), t_x - T0, t_imp - t_x,
                                  t_read - t_imp, t_nrm - t_read, t_win - t_nrm, t_ren - t_win,
                                  t_grab - t_ren, t_png - t_grab, gl))
    win.Finalize()
finally:
    if xvfb is not None:
        xvfb.terminate()
        xvfb.wait()
