#ifndef DBUILD_HDF5_PROBE_H
#define DBUILD_HDF5_PROBE_H
#include <stdint.h>

/// Read-only questions dbuild asks of HDF5 products, answered by the system's HDF5 library loaded
/// with dlopen on first use: a dbuild that checks nothing HDF5 (a no-op, a dry run) never maps
/// libhdf5 and the 25 libraries it pulls in (curl, TLS, Kerberos, LDAP…).

/// 1 when the library is loaded (or was already); 0 when it cannot be (see dbuild_hdf5_error).
int dbuild_hdf5_load(void);
/// Why loading failed, or "".
const char *dbuild_hdf5_error(void);

/// A file opened read-only, or a negative number when it is missing or not HDF5.
int64_t dbuild_hdf5_open(const char *path);
void dbuild_hdf5_close(int64_t file);
/// 1 group, 2 dataset, 3 other, 0 when a component of the path is missing.
int dbuild_hdf5_object_kind(int64_t file, const char *path);
/// Rank (≤ 32 dims written) and element type of a dataset; -1 when there is none.
/// kind: 0 integer, 1 float, 3 string, other values as HDF5's H5T_class_t; sign 0 unsigned.
int dbuild_hdf5_dataset_info(int64_t file, const char *path, uint64_t *dims, int *kind, int *bits, int *is_signed);
/// 1 when the object at owner ("/" for the root) carries the attribute.
int dbuild_hdf5_has_attribute(int64_t file, const char *owner, const char *name);

#endif
