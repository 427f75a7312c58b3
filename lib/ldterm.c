/* ldterm.c - placeholder until the ttcompat branch lands (replaced there). */
#include "config.h"
#include <string.h>
#include "internal.h"

void
ldterm_defaults(struct kterm *t)
{
	t->c_iflag = BRKINT | ICRNL | IXON | IMAXBEL;
	t->c_oflag = OPOST | ONLCR | TAB3;
	t->c_cflag = B9600 | CS8 | CREAD;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	t->c_cc[VINTR] = 3; t->c_cc[VQUIT] = 0x1c; t->c_cc[VERASE] = 0x7f;
	t->c_cc[VKILL] = 0x15; t->c_cc[VEOF] = 4; t->c_cc[VEOL] = 0;
	t->c_cc[VEOL2] = 0; t->c_cc[VSWTC] = 0; t->c_cc[VSTART] = 0x11;
	t->c_cc[VSTOP] = 0x13; t->c_cc[VSUSP] = 0x1a; t->c_cc[VREPRINT] = 0x12;
	t->c_cc[VDISCARD] = 0x0f; t->c_cc[VWERASE] = 0x17; t->c_cc[VLNEXT] = 0x16;
	t->c_cc[VMIN] = 1; t->c_cc[VTIME] = 0;
}

void
ldterm_raw(struct kterm *t)
{
	t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag &= ~OPOST;
	t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}
