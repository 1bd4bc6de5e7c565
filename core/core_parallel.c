/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic parallel loops over data-defined chunks. The chunking is the caller's and never
 * depends on the thread count; this file only decides which thread runs which chunk, and makes
 * the reported error the same at any thread count (the lowest failing chunk wins).
 */
#define _POSIX_C_SOURCE 200809L
#include "core_int.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

unsigned tmesh_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (unsigned)n;
}

unsigned tmesh_threads_resolve(unsigned requested)
{
    return requested == 0 ? tmesh_cpu_count() : requested;
}

typedef struct loop {
    pthread_mutex_t lock;
    size_t n, next, done;
    size_t fail_index; /* lowest failing chunk, n when none */
    tmesh_error fail_err;
    tmesh_chunk_fn fn;
    void *user;
} loop;

/* Run chunks until none are left; returns after each chunk when `one` is set. */
static void run_chunks(loop *lp, int one)
{
    for (;;) {
        pthread_mutex_lock(&lp->lock);
        size_t idx = lp->next;
        if (idx >= lp->n || idx > lp->fail_index) {
            pthread_mutex_unlock(&lp->lock);
            return;
        }
        lp->next++;
        pthread_mutex_unlock(&lp->lock);

        tmesh_error e = TMESH_ERROR_INIT;
        tmesh_status st = lp->fn(idx, lp->user, &e);
        if (st != TMESH_OK && e.code == TMESH_OK)
            tmesh_error_set(&e, st, "chunk %zu failed (%s)", idx, tmesh_status_name(st));

        pthread_mutex_lock(&lp->lock);
        lp->done++;
        if (st != TMESH_OK && idx < lp->fail_index) {
            lp->fail_index = idx;
            lp->fail_err = e;
        }
        pthread_mutex_unlock(&lp->lock);
        if (one)
            return;
    }
}

static void *worker(void *arg)
{
    run_chunks(arg, 0);
    return NULL;
}

tmesh_status tmesh_parallel_for(size_t n, unsigned threads, tmesh_chunk_fn fn, void *user,
                                tmesh_progress_fn progress, const char *stage,
                                void *progress_user, tmesh_error *err)
{
    TMESH_ASSERT(fn != NULL);
    if (n == 0)
        return TMESH_OK;
    unsigned t = tmesh_threads_resolve(threads);
    if (t > n)
        t = (unsigned)n;
    if (t > 256)
        t = 256;
    loop lp;
    memset(&lp, 0, sizeof lp);
    pthread_mutex_init(&lp.lock, NULL);
    lp.n = n;
    lp.fail_index = n;
    lp.fn = fn;
    lp.user = user;

    pthread_t tids[256];
    unsigned started = 0;
    for (unsigned i = 1; i < t; i++) {
        if (pthread_create(&tids[started], NULL, worker, &lp) != 0)
            break; /* fewer threads is still correct: the caller's thread runs the rest */
        started++;
    }
    if (progress)
        progress(stage, 0.0, progress_user);
    /* The calling thread works too, one chunk at a time, so it can report progress. */
    for (;;) {
        pthread_mutex_lock(&lp.lock);
        int more = lp.next < lp.n && lp.next <= lp.fail_index;
        pthread_mutex_unlock(&lp.lock);
        if (!more)
            break;
        run_chunks(&lp, 1);
        if (progress) {
            pthread_mutex_lock(&lp.lock);
            double f = (double)lp.done / (double)lp.n;
            pthread_mutex_unlock(&lp.lock);
            progress(stage, f, progress_user);
        }
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_mutex_destroy(&lp.lock);
    if (progress && lp.fail_index == n)
        progress(stage, 1.0, progress_user);
    if (lp.fail_index < n) {
        if (err != NULL && err->code == TMESH_OK)
            *err = lp.fail_err;
        return lp.fail_err.code;
    }
    return TMESH_OK;
}
