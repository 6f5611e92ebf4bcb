#pragma once
// glibc's malloc serves blocks above a threshold with fresh mappings and gives the top of its heap
// back to the system once enough of it is free, and it moves both limits by what it last saw
// freed. Sampling allocates and frees activations of a few hundred KiB every layer, so how fast a
// run went depended on what the process had run before: the small model's sampler at batch 16
// varied 1.6x with the same code, paying page faults (docs/benchmarks.md). Called once at
// start-up (by ncsn, ncsn-bench and the studio's EngineWorker), this fixes both limits: blocks up
// to 32 MiB come from the heap, and freed heap memory is kept, up to 1 GiB, for the next step.
// The cost is memory that is not handed back: peak resident memory was the same for the 28x28
// networks and up to a quarter higher for the CIFAR-size one (docs/benchmarks.md). Leaves glibc's
// defaults where the user set MALLOC_* or GLIBC_TUNABLES, and does nothing with other C libraries.

namespace ncsn {

void configure_host_allocator();

}  // namespace ncsn
