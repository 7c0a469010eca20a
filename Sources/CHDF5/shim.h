// HDF5's type and flag "constants" are macros that call H5open(); Swift cannot import them, so
// these inline functions hand them over.
#include <hdf5.h>
static inline hid_t dsynth_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t dsynth_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t dsynth_c_string(void) { return H5T_C_S1; }
static inline hid_t dsynth_default(void) { return H5P_DEFAULT; }
static inline hid_t dsynth_all(void) { return H5S_ALL; }
static inline hid_t dsynth_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t dsynth_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t dsynth_object_create(void) { return H5P_OBJECT_CREATE; }
static inline hid_t dsynth_group_create(void) { return H5P_GROUP_CREATE; }
static inline unsigned dsynth_truncate(void) { return H5F_ACC_TRUNC; }
static inline unsigned dsynth_read_only(void) { return H5F_ACC_RDONLY; }
static inline void dsynth_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
