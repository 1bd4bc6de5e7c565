/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stable merge sort with a context pointer: qsort is neither stable nor able to pass context
 * in C11, and a static context would make the library non-reentrant.
 */
#include "core_int.h"

#include <string.h>

tmesh_status tmesh_sort(void *base, size_t n, size_t size,
                        int (*cmp)(const void *a, const void *b, void *ctx), void *ctx,
                        tmesh_error *err)
{
    if (n < 2)
        return TMESH_OK;
    unsigned char *a = base;
    unsigned char *tmp = malloc(n * size);
    if (tmp == NULL)
        return tmesh_error_set(err, TMESH_E_NOMEM, "out of memory sorting %zu items", n);
    unsigned char *src = a, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                /* take from the right only when strictly smaller: stable */
                if (cmp(src + j * size, src + i * size, ctx) < 0)
                    memcpy(dst + (k++) * size, src + (j++) * size, size);
                else
                    memcpy(dst + (k++) * size, src + (i++) * size, size);
            }
            if (i < mid)
                memcpy(dst + k * size, src + i * size, (mid - i) * size), k += mid - i;
            if (j < hi)
                memcpy(dst + k * size, src + j * size, (hi - j) * size);
        }
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * size);
    free(tmp);
    return TMESH_OK;
}
