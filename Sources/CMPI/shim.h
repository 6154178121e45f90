// MPI's C API for Swift. MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over
// implementation symbols that Swift cannot import; these inline functions return them.
#ifndef RECUR_CMPI_SHIM_H
#define RECUR_CMPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm recur_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype recur_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype recur_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype recur_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Op recur_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op recur_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op recur_mpi_min(void) { return MPI_MIN; }
static inline MPI_Errhandler recur_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int recur_mpi_success(void) { return MPI_SUCCESS; }
static inline int recur_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int recur_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline void *recur_mpi_in_place(void) { return MPI_IN_PLACE; }

#endif
