/// The local size, on a CPU device, of a 2-D launch whose work-items each do real work (a 16 x 16
/// or 8 x 8 block to pack, 16 columns of a chunk of rows to sum) and whose kernel checks its
/// bounds: a share of dimension 0 by one, so that the range makes about 16 groups a compute unit
/// (whole rows of dimension 0 a group when dimension 1 alone gives that many). The launcher
/// (`CommandQueue.enqueue`) applies it to launches that ask for it (`KernelLaunch.cpuGroups`) on
/// CPU devices, with the kernel's own limit at hand, and rounds the global range up to it.
///
/// Left to the driver (NULL), POCL 3.1 made any range of up to 4096 work-items one group
/// (`POCL_DEBUG=all`: "local size 17 x 72 x 1 group sizes 1 x 1 x 1"), run by one thread while
/// the others idled: W_hh^T of an LSTM with H 257, packed every training step, took 228-354 us a
/// launch, and 113-146 with one work-item a group. One work-item a group cost POCL's per-group
/// overhead on large ranges instead (op(A) 3200 x 2048 in 102400 groups: 13-22 ms a launch
/// against 6-9 on a loaded machine). docs/performance-and-tuning.md has the measurements.
/// A group never exceeds `maxItems`, the kernel's own limit (CL_KERNEL_WORK_GROUP_SIZE; rusticl's
/// CPU device allowed pack_a_rows 32).
func cpuLocalSize(global: [Int], computeUnits: Int, maxItems: Int) -> [Int] {
    precondition(global.count == 2, "cpuLocalSize shares 2-D ranges; \(global) has \(global.count) dimensions")
    let groupsWanted = 16 * max(1, computeUnits)
    let splits = max(1, (groupsWanted + global[1] - 1) / max(1, global[1]))
    return [min(max(1, maxItems), max(1, (global[0] + splits - 1) / splits)), 1]
}
