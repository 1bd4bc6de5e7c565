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

#endif
