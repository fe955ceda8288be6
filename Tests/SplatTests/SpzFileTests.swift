import Foundation
import Splat
import Tensor
import TestSupport
import XCTest

final class SpzFileTests: XCTestCase {
    /// The plyfile-written degree-1 fixture, and random Gaussians of degree 0 and 3, come back from
    /// .spz within the format's steps.
    func testRoundTripWithinTheFormatsQuantisation() throws {
        let dir = Fixtures.temporaryDirectory()
        let fixture = try PLYFile.read(Fixtures.path("splat/plyfile_degree1.ply"))
        for (name, g) in [("fixture", fixture), ("degree0", Self.random(degree: 0)), ("degree3", Self.random(degree: 3))] {
            let path = dir + "/\(name).spz"
            try SpzFile.write(g, to: path)
            let back = try SpzFile.read(path)
            XCTAssertEqual(back.count, g.count, name)
            XCTAssertEqual(back.shDegree, g.shDegree, name)
            Self.assertWithinSteps(back, g, name)
        }
    }

    /// The bytes inside the gzip stream: the 16-byte header and the arrays' sizes (positions,
    /// alphas, colours, scales, rotations, SH rest).
    func testHeaderAndLayout() throws {
        let g = Self.random(degree: 1)
        let reader = try GzipReader(try SpzFile.encode(g))
        let header = try reader.read(16)
        XCTAssertEqual(header, [0x4e, 0x47, 0x53, 0x50, 2, 0, 0, 0, UInt8(g.count), 0, 0, 0, 1, 12, 0, 0])
        let body = try reader.read(1 << 20)
        XCTAssertEqual(body.count, g.count * (9 + 1 + 3 + 3 + 3 + 9))
        let alpha = Float(body[9 * g.count]) / 255
        XCTAssertEqual(alpha, 1 / (1 + exp(-g.opacityLogits[0])), accuracy: 0.5 / 255)
    }

    /// Version 3's "smallest three" rotations read as the quaternions they encode.
    func testReadsVersion3Rotations() throws {
        // Largest component w (index 3 of x, y, z, w); x = +0.5, y = 0, z = -0.5 (sign bit 9, 9-bit
        // magnitude |v| / sqrt(1/2) x 511), packed x first into the highest bits.
        let m = UInt32((0.5 / Float(0.5).squareRoot() * 511).rounded())
        let packed = UInt32(3) << 30 | m << 20 | 0 << 10 | (512 | m)
        var bytes = [UInt8](repeating: 0, count: 16 + 20)
        for (i, word) in [UInt32(0x5053_474e), 3, 1].enumerated() { for b in 0..<4 { bytes[4 * i + b] = UInt8(truncatingIfNeeded: word >> (8 * b)) } }
        bytes[13] = 12
        for b in 0..<4 { bytes[16 + 16 + b] = UInt8(truncatingIfNeeded: packed >> (8 * b)) }
        let g = try SpzFile.decode(try Gzip.compress(Data(bytes)), path: "v3.spz")
        let expected: [Float] = [Float(0.5).squareRoot(), 0.5, 0, -0.5]
        for (a, b) in zip(g.quaternions, expected) { XCTAssertEqual(a, b, accuracy: 2e-3) }
    }

    /// Truncated, garbage, foreign and oversized files are refused with the file's name.
    func testBadFilesAreRejectedNamingTheFile() throws {
        let dir = Fixtures.temporaryDirectory()
        let good = try SpzFile.encode(Self.random(degree: 1))
        let cases: [(String, Data, String)] = [
            ("truncated.spz", good.prefix(good.count / 2), "truncated"),
            ("garbage.spz", Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }), "not a valid gzip stream"),
            ("magic.spz", try Gzip.compress(Data([0x50, 0x4b, 3, 4] + [UInt8](repeating: 0, count: 12))), "not an .spz file"),
            ("version.spz", try Gzip.compress(Self.header(version: 1, count: 0)), "version 1 is not supported"),
            ("huge.spz", try Gzip.compress(Self.header(version: 2, count: 20_000_000)), "over the limit"),
            ("short.spz", try Gzip.compress(Self.header(version: 2, count: 3) + Data(count: 10)), "truncated"),
            ("long.spz", try Gzip.compress(Self.header(version: 2, count: 1) + Data(count: 20)), "more data than 1 points need"),
        ]
        for (name, data, problem) in cases {
            let path = dir + "/" + name
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SpzFile.read(path)) {
                XCTAssertTrue("\($0)".hasPrefix(path + ": ") && "\($0)".contains(problem), "\(name): \($0)")
            }
        }
        XCTAssertThrowsError(try SpzFile.read(dir + "/none.spz")) { XCTAssertTrue("\($0)".contains("none.spz: no such file"), "\($0)") }
    }

    static func header(version: UInt32, count: UInt32) -> Data {
        var bytes = [UInt8]()
        for word in [UInt32(0x5053_474e), version, count] { bytes += (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        return Data(bytes + [0, 12, 0, 0])
    }

    /// Gaussians inside the format's ranges (SH rest partly beyond +-1, which clamps).
    static func random(degree: Int) -> Gaussians {
        let n = 40, k = (degree + 1) * (degree + 1)
        return Gaussians(means: Tensor.normal([3 * n], seed: 11).toArray(), logScales: Tensor.normal([3 * n], seed: 12).toArray().map { $0 - 4 },
                         quaternions: Tensor.normal([4 * n], seed: 13).toArray(), opacityLogits: Tensor.normal([n], seed: 14).toArray().map { 2 * $0 },
                         shDegree: degree, sh: Tensor.normal([3 * k * n], seed: 15).toArray().map { 0.6 * $0 })
    }

    /// Each attribute within the step of its encoding (half a step of rounding, plus half a bucket
    /// for SH rest); values beyond a range compare with the range's end.
    static func assertWithinSteps(_ back: Gaussians, _ g: Gaussians, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
        let k = g.shCoefficients
        for i in 0..<g.count {
            for a in 0..<3 {
                XCTAssertEqual(back.means[3 * i + a], g.means[3 * i + a], accuracy: 1 / 4096, "\(name) position", file: file, line: line)
                XCTAssertEqual(back.logScales[3 * i + a], g.logScales[3 * i + a], accuracy: 0.5 / 16 + 1e-5, "\(name) scale", file: file, line: line)
                XCTAssertEqual(back.sh[i * k * 3 + a], g.sh[i * k * 3 + a], accuracy: 0.5 / (0.15 * 255) + 1e-5, "\(name) colour", file: file, line: line)
                for j in 1..<k {
                    let bucket: Float = j < 4 ? 8 : 16
                    let expected = min(max(g.sh[(i * k + j) * 3 + a], -1), 127 / 128)
                    XCTAssertEqual(back.sh[(i * k + j) * 3 + a], expected, accuracy: (bucket / 2 + 0.5) / 128 + 1e-5,
                                   "\(name) SH rest \(j)", file: file, line: line)
                }
            }
            XCTAssertEqual(sigmoid(back.opacityLogits[i]), sigmoid(g.opacityLogits[i]), accuracy: 1 / 255, "\(name) opacity", file: file, line: line)
            // x, y, z to half a step (1/255) each; w = sqrt(1 - |xyz|^2) then moves by at most
            // sqrt(2 |e| + |e|^2) for an error e in xyz of length up to sqrt(3)/255.
            var q = Array(g.quaternions[(4 * i)..<(4 * i + 4)])
            let norm = q.map { $0 * $0 }.reduce(0, +).squareRoot(), sign: Float = q[0] < 0 ? -1 : 1
            q = q.map { sign * $0 / norm }
            let e = Float(3).squareRoot() / 255
            for c in 1..<4 {
                XCTAssertEqual(back.quaternions[4 * i + c], q[c], accuracy: 1 / 255 + 1e-5, "\(name) rotation", file: file, line: line)
            }
            XCTAssertEqual(back.quaternions[4 * i], q[0], accuracy: (2 * e + e * e).squareRoot(), "\(name) rotation w", file: file, line: line)
        }
    }
}
