/*
 * crc32c: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and
 * the journal format's record and header checksums.
 *
 *     uint32_t c = jcrc32c(0, buf, len);        one shot
 *     c = jcrc32c(c, more, n);                  continue over further bytes
 *
 * The initial and final inversions are inside: jcrc32c(0, "123456789", 9) == 0xE3069283.
 * The SSE4.2 instruction is used when the CPU has it (checked once); jcrc32c_sw is the
 * portable table-driven version, exported so that tests can compare the two.
 */
#ifndef JM_CRC32C_H
#define JM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t jcrc32c(uint32_t crc, const void *buf, size_t len);
uint32_t jcrc32c_sw(uint32_t crc, const void *buf, size_t len);
int      jcrc32c_hw_available(void);

#endif
