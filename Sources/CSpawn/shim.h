// glibc ≥ 2.29 has this, but declares it only under _GNU_SOURCE, which Swift's Glibc module hides.
#include <spawn.h>
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
