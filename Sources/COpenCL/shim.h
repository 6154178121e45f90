// The OpenCL C API as Recur uses it: version 1.2 only, the level every vendor's driver and POCL
// implement. Pinning the version before the include keeps 2.x+ entry points (and their deprecation
// warnings for 1.2 calls such as clCreateCommandQueue) out of the Swift module.
#ifndef RECUR_COPENCL_SHIM_H
#define RECUR_COPENCL_SHIM_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
// CL_PLATFORM_NOT_FOUND_KHR (-1001): what the ICD loader returns when no driver is installed.
#include <CL/cl_ext.h>

#endif
