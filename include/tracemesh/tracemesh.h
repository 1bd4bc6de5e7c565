/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Umbrella header: every public tracemesh module. The pipeline runs
 * dicom -> segment -> mesh -> store -> render; core holds what they share.
 */
#ifndef TRACEMESH_TRACEMESH_H
#define TRACEMESH_TRACEMESH_H

#include "tracemesh/core.h"
#include "tracemesh/dicom.h"
#include "tracemesh/segment.h"
#include "tracemesh/mesh.h"
#include "tracemesh/store.h"
#include "tracemesh/render.h"

#endif
