// libpng 1.6 from Debian's libpng-dev; Orbit uses only its simplified png_image API.
#include <png.h>
