import Foundation
import Tensor

/// A safetensors file through `SafeTensorsFile` (every weight file, IO file, checkpoint and cache
/// Orbit reads): the 8-byte header length, the header JSON (dtype, shape, data_offsets, __metadata__),
/// shapes against ORBIT_MAX_TENSOR_BYTES, offsets inside the data section and not overlapping; then
/// every tensor converted to Float32 (and integer tensors read exactly), as loaders do. A tensor must
/// come back with as many values as its shape says.
struct SafeTensorsHarness: FuzzHarness {
    let scratch: ScratchFolder
    init(scratch: ScratchFolder) { self.scratch = scratch }

    func run(_ input: Data) throws {
        let file = try SafeTensorsFile(path: try scratch.write(input, to: "input.safetensors"))
        for name in file.names {
            let entry = file.entries[name]!
            let values = try file.tensor(name).toArray()
            guard values.count == entry.shape.reduce(1, *) else { finding("tensor '\(name)' of shape \(entry.shape) gave \(values.count) values") }
            if entry.dtype == .i32 || entry.dtype == .i64 {
                guard try file.integers(name).count == values.count else { finding("integer tensor '\(name)' gave a different count") }
            }
        }
    }

    func seeds() throws -> [String: Data] {
        var seeds = ["dtypes.safetensors": try SeedCorpus.file("Tests/Fixtures/core/dtypes.safetensors"),
                     "cloud.safetensors": try SeedCorpus.file("Tests/Fixtures/splat/cloud.safetensors"),
                     "plyfile-degree1.safetensors": try SeedCorpus.file("Tests/Fixtures/splat/plyfile_degree1.safetensors")]
        let tensors = [("a.weight", Tensor([1, -2, 3.5, 0, 65504, -0.25], shape: [2, 3])), ("b", Tensor([7], shape: [])),
                       ("empty", Tensor([], shape: [0, 4]))]
        for dtype in [SafeTensorsDType.f32, .f16, .bf16] {
            let path = scratch.file("seed.safetensors")
            try SafeTensors.write(tensors, metadata: ["format": "pt", "step": "12"], dtype: dtype, to: path)
            seeds["orbit-\(dtype.rawValue.lowercased()).safetensors"] = try SeedCorpus.file(path)
        }
        let good = seeds["orbit-f32.safetensors"]!
        seeds["bad-header-length.safetensors"] = SeedCorpus.patched(good, at: 0, with: SeedCorpus.littleEndian(UInt64(1) << 63))
        seeds["bad-huge-shape.safetensors"] = SeedCorpus.replacing("[2,3]", with: "[4294967296,4294967296,4294967296]", in: good)
        seeds["bad-overlap.safetensors"] = SeedCorpus.replacing("[0,24]", with: "[0,28]", in: good)
        seeds["bad-fractional-shape.safetensors"] = SeedCorpus.replacing("[2,3]", with: "[1.5,4]", in: good)
        seeds["bad-truncated.safetensors"] = good.prefix(good.count - 6)
        return seeds
    }
}
