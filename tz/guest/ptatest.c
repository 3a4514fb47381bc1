/*
 * The secure kernel's test pseudo-TA through Linux's stock driver
 * (/dev/tee0, raw ioctls): values, registered shared memory (allocated
 * by the driver and registered with the secure world), size feedback,
 * several sessions, bad parameters; then the shared memory is released.
 * Exit status 0 when every answer is the expected one.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define TEE_SUCCESS 0u
#define TEE_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define TEE_ERROR_ITEM_NOT_FOUND 0xFFFF0008u
#define TEE_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define TEE_ERROR_SHORT_BUFFER 0xFFFF0010u
#define TEE_ORIGIN_TEE 3u
#define TEE_ORIGIN_TRUSTED_APP 4u

/* 0e7ee7a0-7e57-4a7a-8e57-7e57a0000001: oxtee's test pseudo-TA. */
static const uint8_t test_pta[16] = { 0x0e, 0x7e, 0xe7, 0xa0, 0x7e, 0x57, 0x4a, 0x7a,
				      0x8e, 0x57, 0x7e, 0x57, 0xa0, 0x00, 0x00, 0x01 };

/* What invoke() returns when the driver refuses the call itself. */
#define IOCTL_FAILED 0xDEADu

#define CMD_VALUES 0
#define CMD_REVERSE 1
#define CMD_INC 2
#define CMD_SESSIONS 3

static int fd;
static int failures;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "ptatest: line %d: ", __LINE__);        \
			fprintf(stderr, __VA_ARGS__);                           \
			fprintf(stderr, "\n");                                  \
			failures++;                                             \
		}                                                               \
	} while (0)

struct invoke {
	struct tee_ioctl_invoke_arg a;
	struct tee_ioctl_param p[4];
};

static uint32_t open_session(uint32_t *session, uint32_t *origin)
{
	struct {
		struct tee_ioctl_open_session_arg a;
		struct tee_ioctl_param p[4];
	} arg;
	memset(&arg, 0, sizeof(arg));
	memcpy(arg.a.uuid, test_pta, 16);
	arg.a.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
	arg.a.num_params = 4;
	struct tee_ioctl_buf_data buf = { .buf_ptr = (uintptr_t)&arg, .buf_len = sizeof(arg) };
	if (ioctl(fd, TEE_IOC_OPEN_SESSION, &buf) != 0) {
		perror("ptatest: TEE_IOC_OPEN_SESSION");
		exit(1);
	}
	*session = arg.a.session;
	*origin = arg.a.ret_origin;
	return arg.a.ret;
}

static void close_session(uint32_t session)
{
	struct tee_ioctl_close_session_arg c = { .session = session };
	CHECK(ioctl(fd, TEE_IOC_CLOSE_SESSION, &c) == 0, "close: %s", strerror(errno));
}

static uint32_t invoke(uint32_t session, uint32_t func, struct invoke *arg)
{
	arg->a.func = func;
	arg->a.session = session;
	arg->a.num_params = 4;
	struct tee_ioctl_buf_data buf = { .buf_ptr = (uintptr_t)arg, .buf_len = sizeof(*arg) };
	if (ioctl(fd, TEE_IOC_INVOKE, &buf) != 0)
		return IOCTL_FAILED;
	return arg->a.ret;
}

/* Shared memory allocated by the driver (registered with the secure world). */
/* (The driver may round the size up: *size is what it allocated.) */
static void *shm_alloc(size_t *size, int *id)
{
	struct tee_ioctl_shm_alloc_data d = { .size = *size };
	int sfd = ioctl(fd, TEE_IOC_SHM_ALLOC, &d);
	if (sfd < 0) {
		perror("ptatest: TEE_IOC_SHM_ALLOC");
		exit(1);
	}
	void *p = mmap(NULL, d.size, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	if (p == MAP_FAILED) {
		perror("ptatest: mmap");
		exit(1);
	}
	close(sfd);
	*id = d.id;
	*size = d.size;
	return p;
}

static void memref(struct tee_ioctl_param *p, uint64_t attr, int id, uint64_t off, uint64_t size)
{
	p->attr = attr;
	p->a = off;
	p->b = size;
	p->c = id;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	fd = open("/dev/tee0", O_RDWR);
	if (fd < 0) {
		perror("ptatest: /dev/tee0");
		return 1;
	}
	uint32_t s1, s2, origin, r;
	r = open_session(&s1, &origin);
	CHECK(r == TEE_SUCCESS, "open session: %#x origin %u", r, origin);
	r = open_session(&s2, &origin);
	CHECK(r == TEE_SUCCESS && s2 != s1, "second session: %#x, ids %u %u", r, s1, s2);

	/* Values. */
	struct invoke arg;
	memset(&arg, 0, sizeof(arg));
	arg.p[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	arg.p[0].a = 40;
	arg.p[0].b = 2;
	arg.p[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	r = invoke(s1, CMD_VALUES, &arg);
	CHECK(r == TEE_SUCCESS && arg.p[1].a == 42 && arg.p[1].b == 80,
	      "values: %#x, %llu %llu", r, (unsigned long long)arg.p[1].a,
	      (unsigned long long)arg.p[1].b);

	/* Wrong parameter types: refused by the PTA. */
	memset(&arg, 0, sizeof(arg));
	arg.p[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	r = invoke(s1, CMD_VALUES, &arg);
	CHECK(r == TEE_ERROR_BAD_PARAMETERS && arg.a.ret_origin == TEE_ORIGIN_TRUSTED_APP,
	      "bad types: %#x origin %u", r, arg.a.ret_origin);
	/* An unknown command. */
	memset(&arg, 0, sizeof(arg));
	r = invoke(s1, 77, &arg);
	CHECK(r == TEE_ERROR_NOT_SUPPORTED, "unknown command: %#x", r);

	/* Registered shared memory: 3 pages, data straddling page borders. */
	int id;
	size_t size = 3 * 4096;
	uint8_t *m = shm_alloc(&size, &id);
	CHECK(size >= 3 * 4096, "shared memory of %zu bytes", size);
	size_t n = 5000, off_in = 1000, off_out = 7000;
	for (size_t i = 0; i < n; i++)
		m[off_in + i] = (uint8_t)(i * 7);
	memset(&arg, 0, sizeof(arg));
	memref(&arg.p[0], TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, id, off_in, n);
	memref(&arg.p[1], TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, id, off_out, n);
	r = invoke(s1, CMD_REVERSE, &arg);
	int same = 1;
	for (size_t i = 0; i < n; i++)
		same &= m[off_out + i] == (uint8_t)((n - 1 - i) * 7);
	CHECK(r == TEE_SUCCESS && arg.p[1].b == n && same, "reverse: %#x size %llu same %d", r,
	      (unsigned long long)arg.p[1].b, same);

	/* Too small an output: SHORT_BUFFER and the size needed; nothing written. */
	memset(m + off_out, 0xAA, 100);
	memset(&arg, 0, sizeof(arg));
	memref(&arg.p[0], TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, id, off_in, n);
	memref(&arg.p[1], TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, id, off_out, 100);
	r = invoke(s1, CMD_REVERSE, &arg);
	CHECK(r == TEE_ERROR_SHORT_BUFFER && arg.p[1].b == n && m[off_out] == 0xAA,
	      "short buffer: %#x size %llu", r, (unsigned long long)arg.p[1].b);

	/* In-out. */
	memset(&arg, 0, sizeof(arg));
	memref(&arg.p[0], TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, id, 4090, 10);
	memset(m + 4089, 9, 12);
	r = invoke(s2, CMD_INC, &arg);
	CHECK(r == TEE_SUCCESS && m[4089] == 9 && m[4090] == 10 && m[4099] == 10 && m[4100] == 9,
	      "inc: %#x %u %u %u %u", r, m[4089], m[4090], m[4099], m[4100]);

	/* Past the end of the shared memory: the driver refuses it. */
	memset(&arg, 0, sizeof(arg));
	memref(&arg.p[0], TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, id, size - 4, 8);
	r = invoke(s2, CMD_INC, &arg);
	CHECK(r == IOCTL_FAILED && errno == EINVAL, "past the end: %#x", r);

	/* Sessions: two open, calls counted per session. */
	memset(&arg, 0, sizeof(arg));
	arg.p[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	r = invoke(s2, CMD_SESSIONS, &arg);
	CHECK(r == TEE_SUCCESS && arg.p[0].a == 2, "sessions: %#x (errno %d) %llu", r, errno,
	      (unsigned long long)arg.p[0].a);
	close_session(s1);
	memset(&arg, 0, sizeof(arg));
	arg.p[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	r = invoke(s2, CMD_SESSIONS, &arg);
	CHECK(r == TEE_SUCCESS && arg.p[0].a == 1, "sessions after a close: %#x %llu", r,
	      (unsigned long long)arg.p[0].a);
	/* A closed session is gone. */
	memset(&arg, 0, sizeof(arg));
	r = invoke(s1, CMD_SESSIONS, &arg);
	CHECK(r != TEE_SUCCESS, "closed session answered %#x", r);

	/* Timing: a null invoke (values) through the driver to the PTA. */
	struct timespec t0, t1;
	int calls = 2000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < calls; i++) {
		memset(&arg, 0, sizeof(arg));
		arg.p[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		arg.p[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
		if (invoke(s2, CMD_VALUES, &arg) != TEE_SUCCESS)
			failures++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3) / calls;
	printf("ptatest: invoke of the test pseudo-TA: %.1f us each (%d calls)\n", us, calls);

	close_session(s2);
	munmap(m, size);
	close(fd);
	if (failures)
		printf("ptatest: %d checks failed\n", failures);
	else
		printf("ptatest: all checks passed\n");
	return failures != 0;
}
