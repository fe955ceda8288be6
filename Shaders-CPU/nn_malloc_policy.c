// glibc's allocation thresholds for the executables (see Sources/Tensor/MallocPolicy.swift): blocks up
// to 1 GiB from the heap instead of fresh mappings, and freed memory kept mapped for reuse.
#include "shaders_cpu.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void nn_retain_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}
