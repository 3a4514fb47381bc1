// SPDX-License-Identifier: Apache-2.0
/*
 * A TA that misbehaves on command, to prove that the sandbox and the
 * core contain it: forbidden system calls, crashes, memory exhaustion,
 * endless loops, panics. One healthy command shows the instance works
 * until it is made to misbehave.
 */
#include <stdint.h>
#include <string.h>
#ifndef OXTEE_TZ
/* A process on the host tier: what it tries of the operating system. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

#include <misbehave_ta.h>
#include <tee_internal_api.h>

#ifndef OXTEE_TZ
/* Report a system call's result in params[0] if the client gave room. */
static TEE_Result report(uint32_t param_types, TEE_Param params[4],
			 long ret, int err)
{
	uint32_t t = TEE_PARAM_TYPE_GET(param_types, 0);

	if (t == TEE_PARAM_TYPE_VALUE_OUTPUT ||
	    t == TEE_PARAM_TYPE_VALUE_INOUT) {
		params[0].value.a = (uint32_t)ret;
		params[0].value.b = (uint32_t)err;
	}
	/* Success means the sandbox let the call through. */
	return ret >= 0 ? TEE_SUCCESS : TEE_ERROR_ACCESS_DENIED;
}

static TEE_Result cmd_open_file(uint32_t pt, TEE_Param params[4])
{
	int fd = open("/etc/passwd", O_RDONLY);
	int err = errno;

	EMSG("open(\"/etc/passwd\") = %d", fd);
	if (fd >= 0)
		close(fd);
	return report(pt, params, fd, fd >= 0 ? 0 : err);
}

static TEE_Result cmd_socket(uint32_t pt, TEE_Param params[4])
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int err = errno;

	EMSG("socket(AF_INET) = %d", fd);
	if (fd >= 0)
		close(fd);
	return report(pt, params, fd, fd >= 0 ? 0 : err);
}

static TEE_Result cmd_fork(uint32_t pt, TEE_Param params[4])
{
	pid_t pid = fork();
	int err = errno;

	if (pid == 0)
		_exit(0);
	EMSG("fork() = %d", (int)pid);
	return report(pt, params, pid, pid >= 0 ? 0 : err);
}

static TEE_Result cmd_exec(uint32_t pt, TEE_Param params[4])
{
	char *const argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	char *const envp[] = { NULL };
	int ret = execve("/bin/sh", argv, envp);
	int err = errno;

	/* Only reached if execve failed. */
	EMSG("execve(\"/bin/sh\") = %d", ret);
	return report(pt, params, ret, err);
}

#endif

/* Read through a volatile so the compiler cannot see the constant. */
static volatile int *volatile wild_pointer = (volatile int *)0x10;

static TEE_Result cmd_wild_write(void)
{
	*wild_pointer = 1;	/* *(volatile int *)0x10 = 1 */
	return TEE_ERROR_GENERIC;
}

/* Where the blocks go, so that nothing can prove them unused. */
static void *volatile eat_sink;
static volatile size_t eat_blocks;

static TEE_Result cmd_eat_memory(void)
{
	const size_t block = 1024 * 1024;
	char *p = NULL;

	for (;;) {
		p = TEE_Malloc(block, TEE_MALLOC_NO_FILL);
		if (!p)
			break;
		memset(p, 0xa5, block);
		eat_sink = p;
		eat_blocks = eat_blocks + 1;
	}
	EMSG("TEE_Malloc refused after %zu MiB", (size_t)eat_blocks);
	/* The allocator said no: crash on the NULL it returned. */
	*(volatile char *)p = 1;
	return TEE_ERROR_GENERIC;
}

static TEE_Result cmd_spin(void)
{
	for (;;) {
	}
	return TEE_ERROR_GENERIC;
}

static TEE_Result cmd_healthy(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.b = params[0].value.a + 1;
	return TEE_SUCCESS;
}

static TEE_Result cmd_wait_cancel(void)
{
	/* Entry points start with cancellation masked (GP); accept it. */
	TEE_UnmaskCancellation();
	while (!TEE_GetCancellationFlag()) {
	}
	IMSG("cancelled");
	return TEE_ERROR_CANCEL;
}

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

/* One more instance of this TA, opened with `depth` still to go. */
static TEE_Result open_self(uint32_t depth, uint32_t *reached)
{
	static const TEE_UUID self = TA_MISBEHAVE_UUID;
	TEE_TASessionHandle s;
	TEE_Param p[4];
	uint32_t origin = 0;
	TEE_Result res;

	memset(p, 0, sizeof(p));
	p[0].value.a = depth;
	res = TEE_OpenTASession(&self, TEE_TIMEOUT_INFINITE,
				TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
						TEE_PARAM_TYPE_NONE,
						TEE_PARAM_TYPE_NONE,
						TEE_PARAM_TYPE_NONE),
				p, &s, &origin);
	if (res == TEE_SUCCESS) {
		*reached = p[0].value.b + 1;
		res = p[0].value.a;
		TEE_CloseTASession(s);
	} else {
		*reached = 0;
	}
	return res;
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	uint32_t reached = 0;

	(void)sess_ctx;
	/* Opened by open_self: keep going, and report how it ended. */
	if (param_types == TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE) &&
	    params[0].value.a > 0) {
		params[0].value.a = open_self(params[0].value.a - 1, &reached);
		params[0].value.b = reached;
	}
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
}

#ifndef OXTEE_TZ
/* A TA hostile to the core: bytes on its channel (fd 3) that are no reply. */
static TEE_Result cmd_garbage(void)
{
	static const unsigned char junk[] = { 0xff, 0xfe, 0x00, 0x13, 0x37 };

	if (write(3, junk, sizeof(junk)) < 0)
		return TEE_ERROR_GENERIC;
	for (;;)
		;
}

static long raw_syscall(uint32_t abi, long nr, const uint64_t a[6])
{
	long ret;

	switch (abi) {
	case 0:
		return syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	case 1:
		return syscall(nr | 0x40000000L, a[0], a[1], a[2], a[3], a[4],
			       a[5]);
	default:
#if defined(__x86_64__)
		/* The i386 entry point, from a 64-bit process. */
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]),
				   "S"(a[3]), "D"(a[4])
				 : "memory");
		if (ret < 0 && ret > -4096) {
			errno = (int)-ret;
			ret = -1;
		}
		return ret;
#else
		errno = ENOSYS;
		return -1;
#endif
	}
}

static TEE_Result cmd_syscall(uint32_t pt, TEE_Param params[4])
{
	uint64_t args[6] = { 0 };
	long ret;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				  TEE_PARAM_TYPE_MEMREF_INPUT,
				  TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[1].memref.size > sizeof(args))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_MemMove(args, params[1].memref.buffer, params[1].memref.size);
	errno = 0;
	ret = raw_syscall(params[0].value.b, (long)params[0].value.a, args);
	params[2].value.a = (uint32_t)ret;
	params[2].value.b = (uint32_t)(ret < 0 ? errno : 0);
	return TEE_SUCCESS;
}

/* A TA hostile to the core: descriptors it was never asked for. */
static TEE_Result cmd_send_fds(uint32_t pt, TEE_Param params[4])
{
	static const unsigned char payload[] = { 0x00 };
	int fds[48];
	uint32_t n = params[0].value.a;
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = 1 };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	uint32_t i;

	if (TEE_PARAM_TYPE_GET(pt, 0) != TEE_PARAM_TYPE_VALUE_INPUT ||
	    n == 0 || n > 48)
		return TEE_ERROR_BAD_PARAMETERS;
	for (i = 0; i < n; i++) {
		fds[i] = fcntl(1, F_DUPFD_CLOEXEC, 5);
		if (fds[i] < 0)
			return TEE_ERROR_GENERIC;
	}
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	if (sendmsg(3, &msg, 0) < 0)
		return TEE_ERROR_GENERIC;
	/* Our copies go away with us; the core must close its own. */
	for (;;)
		;
}

#endif

/* A TA that tries to pass its lines off as the core's, and floods the log. */
static TEE_Result cmd_log(uint32_t pt, TEE_Param params[4])
{
	char text[256];
	size_t n = params[0].memref.size;
	uint32_t i;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				  TEE_PARAM_TYPE_VALUE_INPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE) ||
	    n >= sizeof(text))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_MemMove(text, params[0].memref.buffer, n);
	text[n] = '\0';
	for (i = 0; i < params[1].value.a; i++)
		EMSG("%s", text);
	return TEE_SUCCESS;
}

/* Report far more output than the client provided, claiming success. */
static TEE_Result cmd_size_lie(uint32_t pt, TEE_Param params[4])
{
	if (TEE_PARAM_TYPE_GET(pt, 0) != TEE_PARAM_TYPE_MEMREF_OUTPUT)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_MemFill(params[0].memref.buffer, 0x77, params[0].memref.size);
	params[0].memref.size = 0x7fffffff;
	return TEE_SUCCESS;
}

/*
 * Bytes in writable data that would be a function returning at once:
 * calling them must fault (W^X), whatever they are.
 */
#if defined(__aarch64__)
static uint32_t data_code[] = { 0xd65f03c0 };	/* ret */
#else
static uint8_t data_code[] = { 0xc3 };		/* ret */
#endif

static TEE_Result cmd_exec_data(void)
{
	void (*volatile f)(void) = (void (*)(void))(uintptr_t)data_code;

	f();
	return TEE_ERROR_GENERIC;
}

/* A depth no stack reaches (volatile: the recursion has an end). */
static volatile uint32_t bottom = UINT32_MAX;

/* Each frame keeps 1 KiB live, so no call can be made a loop. */
static uint32_t __attribute__((noinline)) recurse(uint32_t depth)
{
	volatile uint8_t frame[1024];

	if (depth == bottom)
		return 0;
	frame[depth % sizeof(frame)] = (uint8_t)depth;
	return recurse(depth + 1) + frame[(depth * 7) % sizeof(frame)];
}

static TEE_Result cmd_stack_overflow(void)
{
	(void)recurse(0);
	return TEE_ERROR_GENERIC;
}

static TEE_Result cmd_read(uint32_t pt, TEE_Param params[4])
{
	uintptr_t at;

	if (TEE_PARAM_TYPE_GET(pt, 0) != TEE_PARAM_TYPE_VALUE_INOUT)
		return TEE_ERROR_BAD_PARAMETERS;
	at = (uintptr_t)params[0].value.a | (uintptr_t)params[0].value.b << 32;
	params[0].value.a = *(volatile uint32_t *)at;
	return TEE_SUCCESS;
}

static TEE_Result cmd_write_code(void)
{
	void *volatile code = (void *)&TA_InvokeCommandEntryPoint;

	*(volatile uint32_t *)code = 0;
	return TEE_ERROR_GENERIC;
}

static volatile uint32_t secret;

static TEE_Result cmd_secret(uint32_t pt, TEE_Param params[4])
{
	uintptr_t at = (uintptr_t)&secret;
	uint32_t old = secret;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
				  TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[0].value.a)
		secret = params[0].value.a;
	params[0].value.a = old;
	params[0].value.b = 0;
	params[1].value.a = (uint32_t)at;
	params[1].value.b = (uint32_t)((uint64_t)at >> 32);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)sess_ctx;

	switch (cmd_id) {
#ifndef OXTEE_TZ
	case TA_MISBEHAVE_CMD_OPEN_FILE:
		return cmd_open_file(param_types, params);
	case TA_MISBEHAVE_CMD_SOCKET:
		return cmd_socket(param_types, params);
	case TA_MISBEHAVE_CMD_FORK:
		return cmd_fork(param_types, params);
	case TA_MISBEHAVE_CMD_EXEC:
		return cmd_exec(param_types, params);
	case TA_MISBEHAVE_CMD_GARBAGE:
		return cmd_garbage();
	case TA_MISBEHAVE_CMD_SYSCALL:
		return cmd_syscall(param_types, params);
	case TA_MISBEHAVE_CMD_SEND_FDS:
		return cmd_send_fds(param_types, params);
#endif
	case TA_MISBEHAVE_CMD_WILD_WRITE:
		return cmd_wild_write();
	case TA_MISBEHAVE_CMD_EAT_MEMORY:
		return cmd_eat_memory();
	case TA_MISBEHAVE_CMD_SPIN:
		return cmd_spin();
	case TA_MISBEHAVE_CMD_PANIC:
		TEE_Panic(TA_MISBEHAVE_PANIC_CODE);
	case TA_MISBEHAVE_CMD_HEALTHY:
		return cmd_healthy(param_types, params);
	case TA_MISBEHAVE_CMD_WAIT_CANCEL:
		return cmd_wait_cancel();
	case TA_MISBEHAVE_CMD_SIZE_LIE:
		return cmd_size_lie(param_types, params);
	case TA_MISBEHAVE_CMD_LOG:
		return cmd_log(param_types, params);
	case TA_MISBEHAVE_CMD_OPEN_SELF: {
		uint32_t reached = 0;

		if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_VALUE_INOUT)
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = open_self(params[0].value.a, &reached);
		params[0].value.b = reached;
		return TEE_SUCCESS;
	}
	case TA_MISBEHAVE_CMD_EXEC_DATA:
		return cmd_exec_data();
	case TA_MISBEHAVE_CMD_STACK_OVERFLOW:
		return cmd_stack_overflow();
	case TA_MISBEHAVE_CMD_READ:
		return cmd_read(param_types, params);
	case TA_MISBEHAVE_CMD_WRITE_CODE:
		return cmd_write_code();
	case TA_MISBEHAVE_CMD_SECRET:
		return cmd_secret(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
