// Package kernels holds simrun's simulation kernels and the registry that
// names them.
//
// A Kernel declares its parameters and observables (sim.KernelSpec) and,
// bound to one point's parameters, returns a Sampler that simulates n
// samples with the generator it is given, recording each observable into an
// accumulator. Samplers draw only from that generator, so a chunk's result is
// a pure function of (parameters, generator state, n): this is what makes
// runs bit-identical across worker counts and machines. Sample loops do not
// allocate.
//
// Every kernel is checked in its tests against an exact or published value,
// with a fixed seed and a tolerance of a few standard errors.
package kernels
