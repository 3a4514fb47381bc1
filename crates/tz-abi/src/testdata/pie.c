/* A position-independent AArch64 program without libc, linked as a TA
 * image's ELF is: code, read-only data, data holding pointers (relocated
 * at load), zeroed data. Source of crates/tz-abi/src/testdata/pie.elf:
 *   aarch64-linux-gnu-gcc -Os -fPIE -static-pie -nostdlib -ffreestanding \
 *     -fno-stack-protector -Wl,-z,relro,-z,now,-z,max-page-size=4096 \
 *     -Wl,-z,separate-code -Wl,--build-id=none -o pie.elf pie.c
 */
const char greeting[] = "hello from S-EL0";
const char *table[3] = { greeting, greeting + 6, 0 };
unsigned long counter;
char scratch[8192];

unsigned long _start(unsigned long i)
{
	const char *volatile *t = (const char *volatile *)table;
	counter++;
	scratch[100] = 1;
	return (unsigned long)t[i % 2][0] + counter + scratch[100];
}
