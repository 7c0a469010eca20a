// The HDF5 calls dbuild's checks need, through dlopen/dlsym. Types and constants are those of the
// HDF5 1.10–1.14 ABI (hid_t is int64_t; H5P_DEFAULT, H5E_DEFAULT and H5F_ACC_RDONLY are 0).
#define _GNU_SOURCE
#include "HDF5Probe.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t hid;
typedef unsigned long long hsize;

static struct {
    int (*is_hdf5)(const char *);
    hid (*fopen)(const char *, unsigned, hid);
    int (*fclose)(hid);
    int (*lexists)(hid, const char *, hid);
    hid (*gopen)(hid, const char *, hid);
    int (*gclose)(hid);
    hid (*dopen)(hid, const char *, hid);
    int (*dclose)(hid);
    hid (*dget_type)(hid);
    hid (*dget_space)(hid);
    int (*tclose)(hid);
    size_t (*tget_size)(hid);
    int (*tget_class)(hid);
    int (*tget_sign)(hid);
    int (*sclose)(hid);
    int (*ndims)(hid);
    int (*dims)(hid, hsize *, hsize *);
    int (*aexists_by_name)(hid, const char *, const char *, hid);
    int (*eset_auto)(hid, void *, void *);
} h5;

static int loaded = 0;
static char failure[512] = "";

int dbuild_hdf5_load(void) {
    if (loaded) return loaded > 0;
    const char *candidates[] = {getenv("DBUILD_HDF5_LIBRARY"), "libhdf5_serial.so.103", "libhdf5_serial.so",
                                "libhdf5.so.103", "libhdf5.so.200", "libhdf5.so.310", "libhdf5.so", NULL};
    void *library = NULL;
    for (int i = 0; i < (int)(sizeof candidates / sizeof *candidates) && !library; i++) {
        if (candidates[i] && *candidates[i]) library = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (!library) {
        snprintf(failure, sizeof failure, "the HDF5 library is not installed (looked for libhdf5_serial.so.103, libhdf5.so; "
                 "install libhdf5-103 or name the library with DBUILD_HDF5_LIBRARY)");
        loaded = -1;
        return 0;
    }
#define FIND(field, symbol) if (!(*(void **)&h5.field = dlsym(library, symbol))) { \
        snprintf(failure, sizeof failure, "the HDF5 library has no %s", symbol); loaded = -1; return 0; }
    FIND(is_hdf5, "H5Fis_hdf5") FIND(fopen, "H5Fopen") FIND(fclose, "H5Fclose") FIND(lexists, "H5Lexists")
    FIND(gopen, "H5Gopen2") FIND(gclose, "H5Gclose") FIND(dopen, "H5Dopen2") FIND(dclose, "H5Dclose")
    FIND(dget_type, "H5Dget_type") FIND(dget_space, "H5Dget_space") FIND(tclose, "H5Tclose")
    FIND(tget_size, "H5Tget_size") FIND(tget_class, "H5Tget_class") FIND(tget_sign, "H5Tget_sign")
    FIND(sclose, "H5Sclose") FIND(ndims, "H5Sget_simple_extent_ndims") FIND(dims, "H5Sget_simple_extent_dims")
    FIND(aexists_by_name, "H5Aexists_by_name") FIND(eset_auto, "H5Eset_auto2")
#undef FIND
    h5.eset_auto(0, NULL, NULL);        // no error stack printed for a file that is not what it should be
    loaded = 1;
    return 1;
}

const char *dbuild_hdf5_error(void) { return failure; }

int64_t dbuild_hdf5_open(const char *path) {
    if (!dbuild_hdf5_load() || h5.is_hdf5(path) <= 0) return -1;
    return h5.fopen(path, 0u, 0);
}

void dbuild_hdf5_close(int64_t file) {
    if (file >= 0 && loaded > 0) h5.fclose(file);
}

int dbuild_hdf5_object_kind(int64_t file, const char *path) {
    // Each component must exist: H5Lexists on a path through a missing group is an error.
    size_t length = strlen(path);
    char *prefix = malloc(length + 2);
    if (!prefix) return 0;
    size_t used = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        prefix[used++] = '/';
        while (*p && *p != '/') prefix[used++] = *p++;
        prefix[used] = 0;
        if (h5.lexists(file, prefix, 0) <= 0) { free(prefix); return 0; }
    }
    if (used == 0) { free(prefix); return 1; }
    int kind = 3;
    hid group = h5.gopen(file, prefix, 0);
    if (group >= 0) { h5.gclose(group); kind = 1; }
    else {
        hid dataset = h5.dopen(file, prefix, 0);
        if (dataset >= 0) { h5.dclose(dataset); kind = 2; }
    }
    free(prefix);
    return kind;
}

int dbuild_hdf5_dataset_info(int64_t file, const char *path, uint64_t *dims, int *kind, int *bits, int *is_signed) {
    hid dataset = h5.dopen(file, path, 0);
    if (dataset < 0) return -1;
    hid space = h5.dget_space(dataset);
    int rank = h5.ndims(space);
    hsize extent[32];
    if (rank > 32) rank = 32;
    if (rank > 0) h5.dims(space, extent, NULL);
    for (int i = 0; i < rank; i++) dims[i] = extent[i];
    h5.sclose(space);
    hid type = h5.dget_type(dataset);
    *kind = h5.tget_class(type);
    *bits = (int)h5.tget_size(type) * 8;
    *is_signed = h5.tget_sign(type) != 0;
    h5.tclose(type);
    h5.dclose(dataset);
    return rank;
}

int dbuild_hdf5_has_attribute(int64_t file, const char *owner, const char *name) {
    return h5.aexists_by_name(file, owner, name, 0) > 0;
}
