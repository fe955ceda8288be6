// The declaration in include/CLibFuzzer.h is the whole module; libFuzzer itself is linked by
// -sanitize=fuzzer. A C target needs one source file.
#include "CLibFuzzer.h"
