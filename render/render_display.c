/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The renderer's X display: $DISPLAY when it opens, else a private Xvfb started here and stopped
 * in tmesh_render_close and in every failing path. Debian's VTK 9.1 renders through GLX only (no
 * EGL or OSMesa), so a headless figure needs an X server; this file makes it invisible.
 */
#define _GNU_SOURCE /* prctl's PR_SET_PDEATHSIG (Linux) */
#include "render_int.h"
#include "vtk_bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xlib.h>

struct tmesh_renderer {
    Display *dpy;
    pid_t xvfb;    /* 0 when $DISPLAY is used */
    char name[64]; /* display name            */
};

void *render__display(const tmesh_renderer *r)
{
    return r->dpy;
}

long tmesh_render_xvfb_pid(const tmesh_renderer *r)
{
    return r ? (long)r->xvfb : 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* SIGTERM, then up to 5 s of waiting, then SIGKILL: Xvfb removes its lock file and socket on
 * SIGTERM, so the hard kill is only for a server that hangs. */
static void stop_xvfb(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    double end = now_s() + 5.0;
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            return;
        if (now_s() > end)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

/* Child side: never returns. Only async-signal-safe calls between fork and exec. */
static void exec_xvfb(const char *prog, int ready_fd, int errno_fd, pid_t parent)
{
    /* The watchdog: when the thread that forked dies (even by SIGKILL), the kernel sends SIGTERM
     * to Xvfb, so a killed tracemesh leaves no server behind. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(0);
    int flags = fcntl(ready_fd, F_GETFD);
    fcntl(ready_fd, F_SETFD, flags & ~FD_CLOEXEC);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
    }
    char fdtext[16];
    /* snprintf is not async-signal-safe in theory; write the digits by hand */
    int v = ready_fd, n = 0;
    char rev[16];
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 15);
    for (int i = 0; i < n; i++)
        fdtext[i] = rev[n - 1 - i];
    fdtext[n] = '\0';
    char *argv[] = {(char *)prog, "-displayfd", fdtext, "-nolisten",    "tcp",
                    "-noreset",   "-screen",    "0",    "1280x1024x24", NULL};
    execvp(prog, argv);
    int e = errno;
    ssize_t wr = write(errno_fd, &e, sizeof e);
    (void)wr;
    _exit(127);
}

/* Read the display number Xvfb writes to -displayfd once it accepts connections. */
static tmesh_status wait_ready(int fd, pid_t *pid, const char *prog, double timeout_s, int *num,
                               tmesh_error *err)
{
    char buf[32];
    size_t got = 0;
    double end = now_s() + timeout_s;
    for (;;) {
        double left = end - now_s();
        if (left <= 0)
            return tmesh_error_set(err, TMESH_E_IO,
                                   "Xvfb program '%s' did not report a display within %.0f s", prog,
                                   timeout_s);
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t k = read(fd, buf + got, sizeof buf - 1 - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int st = 0;
            pid_t w;
            do {
                w = waitpid(*pid, &st, 0);
            } while (w < 0 && errno == EINTR);
            if (w == *pid)
                *pid = 0; /* reaped: nothing left to stop, and the id may be reused */
            if (w > 0 && WIFEXITED(st))
                return tmesh_error_set(err, TMESH_E_IO,
                                       "Xvfb program '%s' exited with status %d before it was "
                                       "ready",
                                       prog, WEXITSTATUS(st));
            return tmesh_error_set(err, TMESH_E_IO, "Xvfb program '%s' stopped before it was ready",
                                   prog);
        }
        got += (size_t)k;
        buf[got] = '\0';
        if (strchr(buf, '\n') != NULL || got == sizeof buf - 1)
            break;
    }
    char *end_ptr;
    long v = strtol(buf, &end_ptr, 10);
    if (end_ptr == buf || v < 0 || v > 65535)
        return tmesh_error_set(err, TMESH_E_IO, "Xvfb program '%s' reported no display number",
                               prog);
    *num = (int)v;
    return TMESH_OK;
}

static tmesh_status start_xvfb(tmesh_renderer *r, const char *prog, double timeout_s,
                               tmesh_error *err)
{
    int ready[2], exe[2];
    if (pipe(ready) != 0)
        return tmesh_error_set(err, TMESH_E_IO, "cannot create a pipe for Xvfb: %s",
                               strerror(errno));
    if (pipe(exe) != 0) {
        close(ready[0]);
        close(ready[1]);
        return tmesh_error_set(err, TMESH_E_IO, "cannot create a pipe for Xvfb: %s",
                               strerror(errno));
    }
    for (int i = 0; i < 2; i++) {
        fcntl(ready[i], F_SETFD, FD_CLOEXEC);
        fcntl(exe[i], F_SETFD, FD_CLOEXEC);
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(ready[0]);
        close(ready[1]);
        close(exe[0]);
        close(exe[1]);
        return tmesh_error_set(err, TMESH_E_IO, "cannot start Xvfb: fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(ready[0]);
        close(exe[0]);
        exec_xvfb(prog, ready[1], exe[1], parent);
    }
    close(ready[1]);
    close(exe[1]);
    r->xvfb = pid;
    /* exec failure: the child wrote errno before the close-on-exec pipe closed */
    int child_errno = 0;
    ssize_t k;
    do {
        k = read(exe[0], &child_errno, sizeof child_errno);
    } while (k < 0 && errno == EINTR);
    close(exe[0]);
    if (k == (ssize_t)sizeof child_errno) {
        close(ready[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        r->xvfb = 0;
        return tmesh_error_set(err, TMESH_E_IO,
                               "cannot run Xvfb program '%s': %s (install Debian package xvfb, "
                               "or set DISPLAY to a running X server)",
                               prog, strerror(child_errno));
    }
    int num = -1;
    tmesh_status st = wait_ready(ready[0], &r->xvfb, prog, timeout_s, &num, err);
    close(ready[0]);
    if (st != TMESH_OK)
        return st; /* the caller stops r->xvfb (a no-op when it already exited and was reaped) */
    snprintf(r->name, sizeof r->name, ":%d", num);
    r->dpy = XOpenDisplay(r->name);
    if (r->dpy == NULL)
        return tmesh_error_set(err, TMESH_E_IO, "private Xvfb display %s does not open", r->name);
    return TMESH_OK;
}

tmesh_status tmesh_render_open(tmesh_renderer **out, const tmesh_render_open_opts *opts,
                               tmesh_error *err)
{
    TMESH_ASSERT(out != NULL);
    *out = NULL;
    tmesh_render_open_opts o = TMESH_RENDER_OPEN_OPTS_INIT;
    if (opts != NULL)
        o = *opts;
    if (!(o.timeout_s > 0 && o.timeout_s <= 600))
        return tmesh_error_set(err, TMESH_E_ARG, "timeout_s %g is out of range (0, 600]",
                               o.timeout_s);
    if (o.display != TMESH_RENDER_DISPLAY_AUTO && o.display != TMESH_RENDER_DISPLAY_XVFB &&
        o.display != TMESH_RENDER_DISPLAY_X)
        return tmesh_error_set(err, TMESH_E_ARG, "display mode %d is unknown", (int)o.display);
    const char *prog = (o.xvfb != NULL && o.xvfb[0] != '\0') ? o.xvfb : "Xvfb";
    /* The VTK module is loaded now; VTK must never print: warnings off before the first VTK
     * object exists (idempotent) */
    tmesh_status vst = tmesh_vtk_load(err);
    if (vst != TMESH_OK)
        return vst;
    tmesh_renderer *r = calloc(1, sizeof *r);
    if (r == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory for the renderer");
    const char *env = getenv("DISPLAY");
    char why[160] = "";
    if (o.display != TMESH_RENDER_DISPLAY_XVFB) {
        if (env != NULL && env[0] != '\0') {
            snprintf(r->name, sizeof r->name, "%s", env);
            r->dpy = XOpenDisplay(env);
            int op, ev, er;
            /* VTK renders through GLX: a display without it (a forwarded ssh display, a
             * minimal server) is no better than none */
            if (r->dpy != NULL && XQueryExtension(r->dpy, "GLX", &op, &ev, &er)) {
                *out = r;
                return TMESH_OK;
            }
            if (r->dpy != NULL) {
                XCloseDisplay(r->dpy);
                r->dpy = NULL;
                snprintf(why, sizeof why, "DISPLAY '%.60s' has no GLX extension", env);
            } else {
                snprintf(why, sizeof why, "DISPLAY '%.60s' does not open", env);
            }
        } else {
            snprintf(why, sizeof why, "DISPLAY is not set");
        }
        if (o.display == TMESH_RENDER_DISPLAY_X) {
            free(r);
            return tmesh_error_set(err, TMESH_E_IO, "no X display: %s", why);
        }
    }
    tmesh_status st = start_xvfb(r, prog, o.timeout_s, err);
    if (st != TMESH_OK) {
        if (why[0] != '\0')
            tmesh_error_context(err, "no X display (%s) and no private Xvfb", why);
        tmesh_render_close(r);
        return st;
    }
    *out = r;
    return TMESH_OK;
}

void tmesh_render_close(tmesh_renderer *r)
{
    if (r == NULL)
        return;
    if (r->dpy != NULL)
        XCloseDisplay(r->dpy);
    stop_xvfb(r->xvfb);
    free(r);
}
