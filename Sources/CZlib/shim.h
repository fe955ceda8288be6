// zlib from Debian's zlib1g-dev (a dependency of libpng-dev). Its init functions are macros Swift
// cannot call; these wrappers expand them for gzip streams (window bits 15 + 16: a gzip header and trailer).
#include <zlib.h>

static inline int orbit_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int orbit_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}
