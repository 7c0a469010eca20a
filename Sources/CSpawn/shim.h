// glibc ≥ 2.29 has this, but declares it only under _GNU_SOURCE, which Swift's Glibc module hides.
#include <spawn.h>
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);

// renameat2(RENAME_EXCHANGE): swaps two paths atomically (a folder product replacing the one before).
// glibc declares renameat2 only under _GNU_SOURCE; the system call is the same.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
static inline int dbuild_exchange_paths(const char *a, const char *b) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
}
