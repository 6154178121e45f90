// The hidden-unit parts of the whole-sequence kernels (sequence_forward.cl, sequence_backward.cl),
// included by them; it defines no kernel.
//
// A batch too small to share out by rows (batch 1: one work-group, so one core on POCL) shares
// out each step's hidden units instead: the launch has several work-groups, and every phase of a
// step (a step's product and cell over a part of the units) is cut into `parts` parts that the
// groups claim with an atomic counter. A group takes parts until none is left, then waits until
// every part of the phase is done before the next phase reads what they wrote (h_t, dGates_t).
//
// Why claims and not one fixed part per group: OpenCL does not promise that the groups of a
// launch run at the same time. A group that started claims only while parts are left, and waits
// only for parts that a running group has claimed; so one group alone (the others not started,
// or started after it) does every part itself, and the launch never waits on a group that is not
// running. What it relies on is that a group that has started keeps running, which holds on CPU
// devices (POCL runs a group on one thread to its end); these kernels run only there.
//
// sync: parts + 1 ints per phase, zero on entry: [phase * (parts + 1)] counts the parts done,
// the next `parts` are the parts' claim flags. With parts == 1 nothing is claimed or counted and
// sync is not touched.
//
// Group g tries part g first: the groups keep their own parts from step to step, so each part's
// columns of W_hh stay in the cache of the core that runs its group (taking whichever part came
// first, groups swapped parts between steps and streamed them from L3: lstm-b1's forward 4.7 us a
// step against 3.1).

// The part of `phase` this work-group claims, or `parts` when none is left; its own part
// (group id modulo parts) first. `slot` broadcasts work-item 0's claim to the group.
int sequence_claim_part(__global int* sync, int phase, int parts, __local int* slot) {
    if (get_local_id(0) == 0) {
        __global int* flags = sync + phase * (parts + 1) + 1;
        const int own = (int)(get_group_id(0) % parts);
        int claimed = parts;
        for (int i = 0; i < parts && claimed == parts; ++i) {
            const int part = (own + i) % parts;
            if (atomic_cmpxchg(flags + part, 0, 1) == 0) claimed = part;
        }
        *slot = claimed;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int part = *slot;
    barrier(CLK_LOCAL_MEM_FENCE);
    return part;
}

// Marks this group's part of `phase` done, after every work-item's writes.
void sequence_finish_part(__global int* sync, int phase, int parts) {
    barrier(CLK_GLOBAL_MEM_FENCE);
    if (get_local_id(0) == 0) {
        mem_fence(CLK_GLOBAL_MEM_FENCE);
        atomic_inc(sync + phase * (parts + 1));
    }
}

// Returns once every part of `phase` is done; their writes are visible after it.
void sequence_wait_phase(__global int* sync, int phase, int parts) {
    if (get_local_id(0) == 0) {
        while (atomic_add(sync + phase * (parts + 1), 0) < parts) {
        }
        mem_fence(CLK_GLOBAL_MEM_FENCE);
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
}

// The hidden units of `part`: parts of `unitsPerPart` units (a multiple of 16, so that a part's
// columns of every gate are whole packed panels), the last one taking the rest (shorter or
// longer: 129 units in two parts are 64 and 65, not 80 and 49).
int sequence_part_start(int part, int unitsPerPart) { return part * unitsPerPart; }
int sequence_part_end(int part, int parts, int unitsPerPart, int hidden) {
    return part == parts - 1 ? hidden : (part + 1) * unitsPerPart;
}

// The loop over the parts a group takes in a phase, and the phase's end:
//     for (int part = sequence_first_part(...); part < parts; part = sequence_next_part(...)) { ... }
//     sequence_end_phase(...);
// With one part: part 0 alone, then a work-group barrier; sync untouched.
int sequence_first_part(__global int* sync, int phase, int parts, __local int* slot) {
    return parts == 1 ? 0 : sequence_claim_part(sync, phase, parts, slot);
}

int sequence_next_part(__global int* sync, int phase, int parts, __local int* slot) {
    if (parts == 1) return 1;
    sequence_finish_part(sync, phase, parts);
    return sequence_claim_part(sync, phase, parts, slot);
}

void sequence_end_phase(__global int* sync, int phase, int parts) {
    if (parts == 1) {
        barrier(CLK_GLOBAL_MEM_FENCE);
    } else {
        sequence_wait_phase(sync, phase, parts);
    }
}
