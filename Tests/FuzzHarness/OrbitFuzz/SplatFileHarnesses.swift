import Foundation
import Splat
import Tensor

/// What `splat export` does with splats it has read: the `.splat`, `.spz` and PLY encodings. Each
/// must be readable again by Orbit's own readers (PLY exactly; `.spz` with the same count and degree)
/// and every Gaussian a reader returns must be drawable (`Gaussians.firstProblem`).
enum SplatExport {
    static func check(_ g: Gaussians, from path: String) throws {
        if let problem = g.firstProblem() { finding("\(path) was read with a Gaussian the renderer cannot draw: \(problem)") }
        let splat = SplatFile.encode(g)
        guard splat.count == 32 * g.count else { finding(".splat of \(g.count) Gaussians has \(splat.count) bytes") }
        let ply = try PLYFile.decode(PLYFile.encode(g), path: path + ".export.ply")
        guard ply == g else { finding("the PLY written from \(path) reads back different") }
        let spz = try SpzFile.decode(try SpzFile.encode(g), path: path + ".export.spz")
        guard spz.count == g.count, spz.shDegree == g.shDegree else {
            finding(".spz written from \(path) reads back as \(spz.count) Gaussians of degree \(spz.shDegree)")
        }
    }
}

/// The INRIA 3DGS PLY through `PLYFile.decode` (`PLYFile.read`: splat render, export, eval, view and
/// reconstruct's viewer stage): header lines, the vertex count against ORBIT_MAX_GAUSSIANS, property
/// names and types, the SH degree from the f_rest count, body size; then the export round trip.
struct SplatPLYHarness: FuzzHarness {
    let path: String
    init(scratch: ScratchFolder) { path = scratch.file("input.ply") }

    func run(_ input: Data) throws {
        try SplatExport.check(try PLYFile.decode(input, path: path), from: path)
    }

    func seeds() throws -> [String: Data] {
        var seeds = ["plyfile-degree1.ply": try SeedCorpus.file("Tests/Fixtures/splat/plyfile_degree1.ply")]
        for degree in [0, 2, 3] { seeds["orbit-degree\(degree).ply"] = PLYFile.encode(SeedCorpus.gaussians(count: 2, degree: degree)) }
        let good = seeds["orbit-degree0.ply"]!
        seeds["bad-vertex-overflow.ply"] = SeedCorpus.replacing("element vertex 2", with: "element vertex 100000000000000000", in: good)
        seeds["bad-vertex-negative.ply"] = SeedCorpus.replacing("element vertex 2", with: "element vertex -5", in: good)
        seeds["bad-truncated.ply"] = good.prefix(good.count - 9)
        seeds["bad-ascii.ply"] = SeedCorpus.replacing("binary_little_endian", with: "ascii", in: good)
        var nan = SeedCorpus.gaussians(count: 2, degree: 0)
        nan.means[1] = .nan
        seeds["bad-nan-position.ply"] = PLYFile.encode(nan)
        return seeds
    }
}

/// Niantic's `.spz` through `SpzFile.decode` (`SplatFormat.read` of a .spz): the gzip stream inflated
/// a piece at a time, the 16-byte header (magic, version 2 or 3, count against ORBIT_MAX_GAUSSIANS,
/// degree, fractional bits, flags), the arrays; then the export round trip. An input that is not a
/// gzip stream (no 1f 8b magic) is compressed first: mutations of a compressed stream almost never
/// inflate (and its CRC-32 catches the rest), so the header and arrays are fuzzed as raw payloads.
struct SpzHarness: FuzzHarness {
    let path: String
    init(scratch: ScratchFolder) { path = scratch.file("input.spz") }

    func run(_ input: Data) throws {
        let file = input.starts(with: [0x1f, 0x8b]) ? input : try Gzip.compress(input)
        try SplatExport.check(try SpzFile.decode(file, path: path), from: path)
    }

    func seeds() throws -> [String: Data] {
        var seeds: [String: Data] = [:]
        for degree in 0...3 { seeds["orbit-degree\(degree).spz"] = try SpzFile.encode(SeedCorpus.gaussians(count: 3, degree: degree)) }
        seeds["version3-degree1.spz"] = try Gzip.compress(Data(rawSpz(version: 3, count: 2, degree: 1)))
        for (version, degree) in [(2, 0), (2, 3), (3, 1), (3, 2)] {
            seeds["payload-version\(version)-degree\(degree).bin"] = Data(rawSpz(version: UInt32(version), count: 2, degree: UInt8(degree)))
        }
        seeds["bad-count-over-limit.spz"] = try Gzip.compress(Data(rawSpz(version: 2, count: 20_000_000, degree: 0, points: 1)))
        seeds["bad-version.spz"] = try Gzip.compress(Data(rawSpz(version: 7, count: 1, degree: 0)))
        let good = seeds["orbit-degree1.spz"]!
        seeds["bad-truncated.spz"] = good.prefix(good.count / 2)
        return seeds
    }

    /// An uncompressed `.spz` of `points` (default `count`) arbitrary points under a header claiming `count`.
    private func rawSpz(version: UInt32, count: UInt32, degree: UInt8, points: Int? = nil) -> [UInt8] {
        let n = points ?? Int(count)
        let k = (Int(degree) + 1) * (Int(degree) + 1)
        let perPoint = 9 + 1 + 3 + 3 + (version >= 3 ? 4 : 3) + 3 * (k - 1)
        var bytes = SeedCorpus.littleEndian(UInt32(0x5053_474e)) + SeedCorpus.littleEndian(version) + SeedCorpus.littleEndian(count)
        bytes += [degree, 12, 0, 0]
        bytes += (0..<(n * perPoint)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        return bytes
    }
}

/// A PLY point cloud through `PointCloudPLY.read` and the Gaussians `splat fit --init cloud.ply`
/// starts from (`SplatInitialisation.pointCloud`): ASCII and binary bodies, every scalar type, colours
/// as integers or floats; the Gaussians must be drawable.
struct PointCloudHarness: FuzzHarness {
    let scratch: ScratchFolder
    init(scratch: ScratchFolder) { self.scratch = scratch }

    func run(_ input: Data) throws {
        let path = try scratch.write(input, to: "cloud.ply")
        var config = TrainingConfig()
        config.shDegree = 1
        guard let g = try SplatInitialisation.pointCloud(path: path).gaussians(viewsFolder: scratch.path, training: [], config: config) else {
            finding("a point-cloud initialisation gave no Gaussians")
        }
        if let problem = g.firstProblem() { finding("\(path) gave initial Gaussians the renderer cannot draw: \(problem)") }
    }

    func seeds() throws -> [String: Data] {
        let ascii = try SeedCorpus.file("Tests/Fixtures/splat/cloud_ascii.ply"), binary = try SeedCorpus.file("Tests/Fixtures/splat/cloud_binary.ply")
        var seeds = ["cloud-ascii.ply": ascii, "cloud-binary.ply": binary]
        var doubles = Data("ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty double x\nproperty double y\nproperty double z\nproperty float red\nproperty float green\nproperty float blue\nproperty short extra\nend_header\n".utf8)
        for i in 0..<2 {
            for v in [Double(i), 0.5, -1.25] { doubles.append(contentsOf: SeedCorpus.littleEndian(v.bitPattern)) }
            for v in [Float(0.25), 0.5, 1] { doubles.append(contentsOf: SeedCorpus.littleEndian(v.bitPattern)) }
            doubles.append(contentsOf: SeedCorpus.littleEndian(Int16(-3)))
        }
        seeds["doubles-float-colours.ply"] = doubles
        seeds["bad-count-over-limit.ply"] = SeedCorpus.replacing("element vertex 4", with: "element vertex 1000000000000", in: ascii)
        seeds["bad-truncated.ply"] = binary.prefix(binary.count - 5)
        seeds["bad-list-property.ply"] = SeedCorpus.replacing("property double x", with: "property list uchar int x", in: binary)
        return seeds
    }
}
