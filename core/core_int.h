/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers shared inside the core module only. Outside code includes
 * <tracemesh/core.h>.
 */
#ifndef TMESH_CORE_INT_H
#define TMESH_CORE_INT_H

#include "tracemesh/core.h"

#include <stdio.h>
#include <stdlib.h>

/* Precondition that only tracemesh's own code can break: abort with the location. */
#define TMESH_ASSERT(cond)                                                                     \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "tracemesh: internal assertion failed: %s (%s:%d)\n", #cond,       \
                    __FILE__, __LINE__);                                                       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

#endif
