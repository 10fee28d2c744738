/* libFuzzer target: the config parser on arbitrary file contents. */
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512];

	config_defaults(&c);
	(void)config_parse(&c, "fuzz.conf", (const char *)data, size, err,
	    sizeof(err));
	return 0;
}
