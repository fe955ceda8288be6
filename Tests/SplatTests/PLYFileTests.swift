import Foundation
import Splat
import Tensor
import TestSupport
import XCTest

final class PLYFileTests: XCTestCase {
    /// A file written by plyfile 1.1 in the INRIA layout reads back with its values in place
    /// (f_rest channel-major into [N, K, 3]).
    func testReadsWhatPlyfileWrites() throws {
        let g = try PLYFile.read(Fixtures.path("splat/plyfile_degree1.ply"))
        let values = try Fixtures.file("splat/plyfile_degree1.safetensors").tensor("values").toArray()
        let columns = 26  // x y z nx ny nz f_dc*3 f_rest*9 opacity scale*3 rot*4
        XCTAssertEqual(g.count, 5)
        XCTAssertEqual(g.shDegree, 1)
        for i in 0..<5 {
            let row = Array(values[(i * columns)..<((i + 1) * columns)])
            XCTAssertEqual(Array(g.means[(3 * i)..<(3 * i + 3)]), Array(row[0..<3]))
            XCTAssertEqual(g.opacityLogits[i], row[18])
            XCTAssertEqual(Array(g.logScales[(3 * i)..<(3 * i + 3)]), Array(row[19..<22]))
            XCTAssertEqual(Array(g.quaternions[(4 * i)..<(4 * i + 4)]), Array(row[22..<26]))
            for c in 0..<3 {
                XCTAssertEqual(g.sh[(i * 4) * 3 + c], row[6 + c], "dc")
                for k in 1..<4 { XCTAssertEqual(g.sh[(i * 4 + k) * 3 + c], row[9 + c * 3 + k - 1], "f_rest channel-major") }
            }
        }
    }

    func testRoundTripAtEveryDegreeAndCorruptFilesAreRejected() throws {
        let dir = Fixtures.temporaryDirectory()
        for degree in 0...3 {
            let n = 7, k = (degree + 1) * (degree + 1)
            let g = Gaussians(means: Tensor.normal([3 * n], seed: 1).toArray(), logScales: Tensor.normal([3 * n], seed: 2).toArray(),
                              quaternions: Tensor.normal([4 * n], seed: 3).toArray(), opacityLogits: Tensor.normal([n], seed: 4).toArray(),
                              shDegree: degree, sh: Tensor.normal([3 * k * n], seed: 5).toArray())
            let path = dir + "/g\(degree).ply"
            try PLYFile.write(g, to: path)
            XCTAssertEqual(try PLYFile.read(path), g)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/g3.ply"))
        let truncated = dir + "/truncated.ply"
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try PLYFile.read(truncated)) { XCTAssertTrue("\($0)".contains("truncated.ply: truncated"), "\($0)") }
        let text = dir + "/text.ply"
        try "ply\nformat ascii 1.0\nelement vertex 0\nend_header\n".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PLYFile.read(text)) { XCTAssertTrue("\($0)".contains("text.ply: unsupported PLY format ascii"), "\($0)") }
        XCTAssertThrowsError(try PLYFile.read(dir + "/none.ply")) { XCTAssertTrue("\($0)".contains("none.ply: no such file"), "\($0)") }
    }
}

extension PLYFileTests {
    /// Point clouds written by plyfile (binary with doubles, colours, an extra property and a face
    /// element; ASCII floats without colours) read as positions and colours.
    func testPointCloudsReadAsWrittenByPlyfile() throws {
        let f = try Fixtures.file("splat/cloud.safetensors")
        let cloud = try f.tensor("cloud").toArray(), rgb = try f.tensor("rgb").toArray()
        let binary = try PointCloudPLY.read(Fixtures.path("splat/cloud_binary.ply"))
        let ascii = try PointCloudPLY.read(Fixtures.path("splat/cloud_ascii.ply"))
        XCTAssertEqual(binary.count, 4)
        XCTAssertEqual(ascii.count, 4)
        for i in 0..<4 {
            for a in 0..<3 {
                XCTAssertEqual(binary[i].position[a], cloud[i * 3 + a], accuracy: 1e-6)
                XCTAssertEqual(ascii[i].position[a], cloud[i * 3 + a], accuracy: 1e-6)
                XCTAssertEqual(binary[i].colour[a] * 255, rgb[i * 3 + a], accuracy: 1e-3)
                XCTAssertEqual(ascii[i].colour[a], 0.5)
            }
        }
    }
}

extension PLYFileTests {
    /// A PLY header of `properties` float vertex properties claiming `count` vertices, then `body`.
    func header(count: String, properties: [String], format: String = "binary_little_endian") -> String {
        "ply\nformat \(format) 1.0\nelement vertex \(count)\n" + properties.map { "property float \($0)\n" }.joined() + "end_header\n"
    }

    /// Vertex counts that overflowed `count * stride * 4` (a trap), asked for terabytes (a point cloud
    /// reserved 10^12 rows) or were not numbers are refused from the header, naming the file, the value
    /// and the limit (ORBIT_MAX_GAUSSIANS).
    func testHeaderCountsAreRefusedBeforeAllocating() throws {
        let dir = Fixtures.temporaryDirectory()
        let degree3 = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"] + (0..<45).map { "f_rest_\($0)" }
            + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
        let cases: [(String, String, String)] = [
            ("overflow.ply", header(count: "100000000000000000", properties: degree3),
             "element vertex 100000000000000000 is over the limit of 10000000 Gaussians (set ORBIT_MAX_GAUSSIANS to raise it)"),
            ("beyond_int.ply", header(count: "100000000000000000000", properties: degree3), "element vertex count '100000000000000000000' is not a whole number"),
            ("negative.ply", header(count: "-5", properties: ["x", "y", "z"]), "element vertex count '-5' is not a whole number"),
            ("text.ply", header(count: "many", properties: ["x", "y", "z"]), "element vertex count 'many' is not a whole number"),
            ("short.ply", header(count: "9000000", properties: degree3), "truncated: 9000000 vertices of 62 floats need 2232000000 bytes, the file has 0"),
        ]
        for (name, text, problem) in cases {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
            XCTAssertThrowsError(try PLYFile.read(dir + "/" + name), name) { XCTAssertTrue("\($0)".contains(name + ": " + problem), "\($0)") }
        }
        let clouds: [(String, String, String)] = [
            ("cloud_binary.ply", header(count: "1000000000000", properties: ["x", "y", "z"]), "element vertex 1000000000000 is over the limit"),
            ("cloud_ascii.ply", header(count: "5000000", properties: ["x", "y", "z"], format: "ascii") + "0 0 0\n",
             "truncated: 5000000 vertices of 3 values cannot fit 6 bytes"),
            ("cloud_short.ply", header(count: "5000000", properties: ["x", "y", "z"]), "truncated: 5000000 vertices of 12 bytes cannot fit 0 bytes"),
        ]
        for (name, text, problem) in clouds {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
            XCTAssertThrowsError(try PointCloudPLY.read(dir + "/" + name), name) { XCTAssertTrue("\($0)".contains(name + ": " + problem), "\($0)") }
        }
        // The limit is the variable's when set.
        let small = dir + "/small.ply"
        try PLYFile.write(GaussiansValidationTests.line(), to: small)
        XCTAssertEqual(try PLYFile.read(small).count, 4)
        setenv("ORBIT_MAX_GAUSSIANS", "3", 1)
        defer { unsetenv("ORBIT_MAX_GAUSSIANS") }
        XCTAssertThrowsError(try PLYFile.read(small)) {
            XCTAssertTrue("\($0)".contains("small.ply: element vertex 4 is over the limit of 3 Gaussians"), "\($0)")
        }
    }
}
