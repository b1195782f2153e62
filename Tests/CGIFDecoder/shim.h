// giflib (Debian: libgif-dev), used only by tests as a decoder independent of our GIF encoder.
#include <gif_lib.h>
