// libjpeg-turbo's TurboJPEG API (2.x) from Debian's libturbojpeg0-dev.
#include <turbojpeg.h>
