// libpng (Debian: libpng-dev), used only by tests as a decoder independent of our PNG encoder.
#include <png.h>
