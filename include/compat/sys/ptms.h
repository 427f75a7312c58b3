/* sys/ptms.h: compatibility header installed by libxpty; see xpty(7). */
#include <xpty.h>
