/*
 * A normal-world check of the TrustZone tier through Linux's own TEE
 * subsystem (/dev/tee0, the stock optee driver), with no TEE client
 * library: the driver's version, then open-session calls to OP-TEE's
 * system pseudo-TA, which serves TAs only. Each is one yielding SMC that
 * the secure kernel answers at once (TEE_ERROR_ACCESS_DENIED; no RPC, no
 * TA loaded); their mean time is the round trip from a normal-world
 * process to S-EL1 and back. (A UUID nothing has would now cost a trip
 * to the supplicant: the kernel asks it for the TA.)
 *
 * Usage: teeprobe [calls]   (exit status 0 when every answer is right)
 */
#include <fcntl.h>
#include <linux/tee.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define TEE_ERROR_ACCESS_DENIED 0xFFFF0001u
#define TEE_ORIGIN_TRUSTED_APP 4u

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int calls = argc > 1 ? atoi(argv[1]) : 1000;
	int fd = open("/dev/tee0", O_RDWR);
	if (fd < 0) {
		perror("teeprobe: /dev/tee0");
		return 1;
	}
	struct tee_ioctl_version_data v;
	if (ioctl(fd, TEE_IOC_VERSION, &v) != 0) {
		perror("teeprobe: TEE_IOC_VERSION");
		return 1;
	}
	printf("teeprobe: driver impl_id %u (1 = OP-TEE), gen_caps %#x\n", v.impl_id, v.gen_caps);
	if (v.impl_id != TEE_IMPL_ID_OPTEE)
		return 1;
	/* The same number of ioctls that stay in Linux: the normal world's
	   own share of a call. */
	double t0 = now_us();
	for (int i = 0; i < calls; i++)
		if (ioctl(fd, TEE_IOC_VERSION, &v) != 0)
			return 1;
	double local = (now_us() - t0) / calls;

	struct {
		struct tee_ioctl_open_session_arg a;
		struct tee_ioctl_param p[0];
	} arg;
	double start = now_us();
	for (int i = 0; i < calls; i++) {
		memset(&arg, 0, sizeof(arg));
		memcpy(arg.a.uuid, "\x3a\x2f\x89\x78\x5d\xc0\x11\xe8\x9c\x2d\xfa\x7a\xe0\x1b\xbe\xbc", 16);
		arg.a.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
		struct tee_ioctl_buf_data buf = { .buf_ptr = (unsigned long)&arg, .buf_len = sizeof(arg) };
		if (ioctl(fd, TEE_IOC_OPEN_SESSION, &buf) != 0) {
			perror("teeprobe: TEE_IOC_OPEN_SESSION");
			return 1;
		}
		if (arg.a.ret != TEE_ERROR_ACCESS_DENIED || arg.a.ret_origin != TEE_ORIGIN_TRUSTED_APP) {
			fprintf(stderr, "teeprobe: call %d answered %#x origin %u\n", i, arg.a.ret,
				arg.a.ret_origin);
			return 1;
		}
	}
	double us = (now_us() - start) / calls;
	printf("teeprobe: %d open-session calls answered ACCESS_DENIED by the secure world, %.1f us each (an ioctl that stays in Linux: %.1f us)\n",
	       calls, us, local);
	close(fd);
	return 0;
}
