// OpenBLAS from Debian's libopenblas-dev. openblas_set_num_threads pins BLAS to one thread:
// Orbit splits work across cores itself (DESIGN.md).
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
