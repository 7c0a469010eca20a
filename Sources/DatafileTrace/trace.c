/*
 * What a Datafile's evaluation reads, recorded so that its cached graph is used only while all of
 * it is unchanged. Linked into the evaluator executable (never into dbuild): these definitions of
 * open, fopen, stat, opendir, getenv, ... interpose the C library's for the evaluator and for the
 * shared libraries it loads (Foundation's FileManager calls them too), and pass each call on to
 * the real function (dlsym RTLD_NEXT).
 *
 * Each read appends one line to the file named by $DBUILD_EVAL_TRACE: a kind, a tab, the path (or
 * variable name). Kinds: o opened, s stat-ed (it may be absent: its appearing matters too),
 * d listed, e environment variable (# marks the start). Nothing is recorded without DBUILD_EVAL_TRACE, nor while the
 * recorder writes its own line. dbuild turns the lines into fingerprints after evaluation.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int trace_fd = -2;            /* -2 not opened yet, -1 not tracing */
static __thread int busy;

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

static void record(char kind, const char *what) {
    if (busy || what == NULL || trace_fd == -1) return;
    busy = 1;
    if (trace_fd == -2) {
        static char *(*real_getenv)(const char *);
        if (!real_getenv) real_getenv = (char *(*)(const char *))next("getenv");
        const char *path = real_getenv("DBUILD_EVAL_TRACE");
        static int (*real_open)(const char *, int, ...);
        if (!real_open) real_open = (int (*)(const char *, int, ...))next("open");
        trace_fd = path ? real_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
        if (trace_fd < 0) trace_fd = -1;
    }
    if (trace_fd >= 0) {
        size_t n = strlen(what);
        char line[4200];
        if (n < sizeof line - 3) {
            line[0] = kind;
            line[1] = '\t';
            memcpy(line + 2, what, n);
            line[n + 2] = '\n';
            ssize_t ignored = write(trace_fd, line, n + 3);   /* O_APPEND: one line per write */
            (void)ignored;
        }
    }
    busy = 0;
}

void dbuild_datafile_trace_start(void) { record('#', "start"); }

#define MODE_ARG(flags) \
    mode_t mode = 0; \
    if ((flags) & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); }

int open(const char *path, int flags, ...) {
    MODE_ARG(flags)
    static int (*real)(const char *, int, ...);
    if (!real) real = (int (*)(const char *, int, ...))next("open");
    if (!(flags & (O_WRONLY | O_RDWR))) record('o', path);
    return real(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    MODE_ARG(flags)
    static int (*real)(const char *, int, ...);
    if (!real) real = (int (*)(const char *, int, ...))next("open64");
    if (!(flags & (O_WRONLY | O_RDWR))) record('o', path);
    return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(flags)
    static int (*real)(int, const char *, int, ...);
    if (!real) real = (int (*)(int, const char *, int, ...))next("openat");
    if (!(flags & (O_WRONLY | O_RDWR)) && (dirfd == AT_FDCWD || (path[0] == '/'))) record('o', path);
    return real(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(flags)
    static int (*real)(int, const char *, int, ...);
    if (!real) real = (int (*)(int, const char *, int, ...))next("openat64");
    if (!(flags & (O_WRONLY | O_RDWR)) && (dirfd == AT_FDCWD || (path[0] == '/'))) record('o', path);
    return real(dirfd, path, flags, mode);
}

static int reads_only(const char *mode) { return mode && mode[0] == 'r' && !strchr(mode, '+'); }

FILE *fopen(const char *path, const char *mode) {
    static FILE *(*real)(const char *, const char *);
    if (!real) real = (FILE *(*)(const char *, const char *))next("fopen");
    if (reads_only(mode)) record('o', path);
    return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
    static FILE *(*real)(const char *, const char *);
    if (!real) real = (FILE *(*)(const char *, const char *))next("fopen64");
    if (reads_only(mode)) record('o', path);
    return real(path, mode);
}

#define STAT_LIKE(name, type) \
    int name(const char *path, type *buf) { \
        static int (*real)(const char *, type *); \
        if (!real) real = (int (*)(const char *, type *))next(#name); \
        record('s', path); \
        return real(path, buf); \
    }
STAT_LIKE(stat, struct stat)
STAT_LIKE(lstat, struct stat)
STAT_LIKE(stat64, struct stat64)
STAT_LIKE(lstat64, struct stat64)

int fstatat(int dirfd, const char *path, struct stat *buf, int flags) {
    static int (*real)(int, const char *, struct stat *, int);
    if (!real) real = (int (*)(int, const char *, struct stat *, int))next("fstatat");
    if (dirfd == AT_FDCWD || (path[0] == '/')) record('s', path);
    return real(dirfd, path, buf, flags);
}

int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags) {
    static int (*real)(int, const char *, struct stat64 *, int);
    if (!real) real = (int (*)(int, const char *, struct stat64 *, int))next("fstatat64");
    if (dirfd == AT_FDCWD || (path[0] == '/')) record('s', path);
    return real(dirfd, path, buf, flags);
}

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf) {
    static int (*real)(int, const char *, int, unsigned int, struct statx *);
    if (!real) real = (int (*)(int, const char *, int, unsigned int, struct statx *))next("statx");
    if (dirfd == AT_FDCWD || (path[0] == '/')) record('s', path);
    return real(dirfd, path, flags, mask, buf);
}

int access(const char *path, int mode) {
    static int (*real)(const char *, int);
    if (!real) real = (int (*)(const char *, int))next("access");
    record('s', path);
    return real(path, mode);
}

DIR *opendir(const char *path) {
    static DIR *(*real)(const char *);
    if (!real) real = (DIR *(*)(const char *))next("opendir");
    record('d', path);
    return real(path);
}

/* A variable counts when the evaluator's own code asks for it (the Datafile, the Rules helpers),
 * not when the Swift runtime or a library looks up its settings. */
static int called_from_executable(void *caller) {
    Dl_info info;
    static void *executable;
    if (!executable) { Dl_info self; if (dladdr((void *)&called_from_executable, &self)) executable = self.dli_fbase; }
    return dladdr(caller, &info) && info.dli_fbase == executable;
}

char *getenv(const char *name) {
    static char *(*real)(const char *);
    if (!real) real = (char *(*)(const char *))next("getenv");
    if (called_from_executable(__builtin_return_address(0))) record('e', name);
    return real(name);
}
