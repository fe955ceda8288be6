#include "nn_isa.h"
#include <stdlib.h>

static int detected_level = -1;
static int active_level = -1;

int nn_isa_detected(void) {
    if (detected_level >= 0) return detected_level;
    int level = 0;
#if NN_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = 1;
    if (level == 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) level = 2;
#endif
    detected_level = level;
    return level;
}

int nn_isa_level(void) {
    if (active_level >= 0) return active_level;
    int level = nn_isa_detected();
    const char *cap = getenv("ORBIT_ISA");
    if (cap) {
        int want = 2;
        if (strcmp(cap, "portable") == 0) want = 0;
        else if (strcmp(cap, "avx2") == 0) want = 1;
        if (want < level) level = want;
    }
    active_level = level;
    return level;
}

void nn_set_isa_level(int level) {
    int max = nn_isa_detected();
    active_level = level < 0 ? 0 : (level > max ? max : level);
}
