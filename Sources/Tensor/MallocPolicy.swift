import ShadersCPU

/// The process's allocation policy for large, short-lived buffers (what a training step allocates and
/// frees every iteration: images, tile lists, per-entry gradient records). glibc serves blocks above
/// its mmap threshold (at most 32 MB, however it adapts) with fresh mappings and gives the pages back
/// on free, so every iteration pays page faults and the kernel's zeroing of each page again; at 300k
/// Gaussians that was a third of a splat iteration. Executables call this once at start: blocks up to
/// 1 GiB come from the heap, and freed memory stays mapped for the next iteration (the peak footprint
/// is what it was; it is just not returned between iterations).
public enum MallocPolicy {
    public static func retainFreedMemory() { nn_retain_freed_memory() }
}
