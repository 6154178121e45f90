// The sum of `value` over a work-group (local size a power of two), returned to every work-item,
// through `scratch` (one float per work-item). Every work-item of the group must call it (it
// synchronises the group). Included by the row kernels of loss.cl, optimizers.cl and layer_norm.cl.
static float group_sum(__local float* scratch, const float value) {
    const int lid = get_local_id(0), size = get_local_size(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = size / 2; step > 0; step >>= 1) {
        if (lid < step) scratch[lid] += scratch[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);   // scratch is free for the next reduction
    return total;
}
