// MPI_COMM_WORLD is a macro (the address of a global) in Open MPI; Swift gets it from here.
#include <mpi.h>
static inline MPI_Comm dsynth_comm_world(void) { return MPI_COMM_WORLD; }
