/*
 * Berth's hello-world: a tiny static program with no C library.
 * It only calls write(2) and exit(2) directly, so the image is ~1-2 kB.
 * Build: gcc -nostdlib -static -Os -fno-asynchronous-unwind-tables
 *            -fno-stack-protector -s -o hello hello.c
 */
static const char msg[] =
"\n"
"Hello from Docker!\n"
"Your Docker setup inside Berth is working. Here is what just happened:\n"
"\n"
" 1. The docker command (the client) sent your request to the Docker engine\n"
"    (the daemon) running in your sandbox.\n"
" 2. The engine did not have the \"hello-world\" image yet, so it downloaded\n"
"    it from a registry - here, Berth's built-in registry mirror.\n"
" 3. The engine created a new container from that image and started the\n"
"    tiny program inside it: the one printing these lines.\n"
" 4. The engine streamed the program's output back to the client, which\n"
"    showed it in your terminal. Then the program exited, and so did the\n"
"    container.\n"
"\n"
"Next, try something bigger: a shell in a Debian container:\n"
" $ docker run -it debian bash\n"
"\n"
"Then list what you have: docker ps -a, docker images.\n"
"\n";

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
			  : "rcx", "r11", "memory");
	return ret;
}
#define SYS_WRITE 1
#define SYS_EXIT 60
#elif defined(__aarch64__)
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
#define SYS_WRITE 64
#define SYS_EXIT 93
#else
#error "hello.c: unsupported architecture"
#endif

void _start(void)
{
	const char *p = msg;
	long left = sizeof(msg) - 1;
	int status = 0;
	while (left > 0) {
		long n = sys3(SYS_WRITE, 1, (long)p, left);
		if (n == -4 /* EINTR */)
			continue;
		if (n <= 0) {
			status = 1;
			break;
		}
		p += n;
		left -= n;
	}
	sys3(SYS_EXIT, status, 0, 0);
	for (;;)
		;
}
