#ifndef SLUICE_CMALLOC_SHIM_H
#define SLUICE_CMALLOC_SHIM_H
// glibc's malloc tunables (mallopt, M_ARENA_MAX, ...): <malloc.h> is not part of Swift's Glibc module.
#include <malloc.h>
#endif
